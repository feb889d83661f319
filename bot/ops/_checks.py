"""Readiness: is this process able to do its work right now, and if not, which part is not.

Each :class:`Check` answers with a :class:`CheckResult`; :class:`Readiness` runs them in
order, each within a time limit, and skips a check whose prerequisite failed (nothing
about the queue can be read while the database does not answer), so the report names the
cause rather than its echoes. The Discord check lives in the Discord layer
(:mod:`cogs.ops`); the ones here need only storage and the job runner.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.jobs import WorkerLoad
from bot.storage import Clock
from bot.storage.ports import GeminiPauses, Health, JobStats
from bot.timecodes import format_duration

CHECK_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class CheckResult:
    """A check's verdict and a short reason (ids and counts only)."""

    ok: bool
    detail: str


class Check(Protocol):
    """One readiness check: a name, the checks it needs to pass first, and the check."""

    name: str
    needs: tuple[str, ...]

    async def run(self) -> CheckResult:
        """Check now."""


@dataclass(frozen=True)
class ReadinessReport:
    """Every check's verdict (None: skipped, its prerequisite failed)."""

    results: dict[str, CheckResult | None]

    @property
    def failed(self) -> list[str]:
        """The checks that failed (skipped ones are not causes)."""
        return [name for name, result in self.results.items() if result and not result.ok]

    @property
    def ready(self) -> bool:
        """Whether every check passed."""
        return all(result is not None and result.ok for result in self.results.values())

    def body(self) -> dict[str, Any]:
        """The JSON answer of ``/readyz``."""
        checks = {
            name: {"ok": None, "detail": "not checked: a check it needs failed"}
            if result is None
            else {"ok": result.ok, "detail": result.detail}
            for name, result in self.results.items()
        }
        return {"ready": self.ready, "failed": self.failed, "checks": checks}


class Readiness:
    """Runs the checks in order (see the module docstring)."""

    def __init__(self, checks: Sequence[Check], *, timeout_s: float = CHECK_TIMEOUT_S) -> None:
        self._checks = list(checks)
        self._timeout_s = timeout_s

    async def evaluate(self) -> ReadinessReport:
        """Every check's verdict, now."""
        results: dict[str, CheckResult | None] = {}
        for check in self._checks:
            if any(not (results.get(need) or CheckResult(False, "")).ok for need in check.needs):
                results[check.name] = None
                continue
            results[check.name] = await self._run(check)
        return ReadinessReport(results)

    async def _run(self, check: Check) -> CheckResult:
        try:
            return await asyncio.wait_for(check.run(), self._timeout_s)
        except TimeoutError:
            return CheckResult(False, f"no answer within {self._timeout_s:.0f} s")
        except Exception as error:  # a failing check is a verdict, not a crash
            return CheckResult(False, f"failed: {type(error).__name__}")


class DatabaseCheck:
    """The database answers a round trip."""

    name = "database"
    needs: tuple[str, ...] = ()

    def __init__(self, store: Health) -> None:
        self._store = store

    async def run(self) -> CheckResult:
        """One ``SELECT 1``."""
        started = time.monotonic()
        await self._store.ping()
        return CheckResult(True, f"answered in {(time.monotonic() - started) * 1000:.0f} ms")


class GeminiCheck:
    """Gemini work is not paused (a used-up daily quota pauses it for every process)."""

    name = "gemini"
    needs: tuple[str, ...] = ("database",)

    def __init__(self, store: GeminiPauses, model: str) -> None:
        self._store = store
        self._model = model

    async def run(self) -> CheckResult:
        """Whether the model is paused, and until when."""
        resume_at = await self._store.gemini_paused_until(self._model)
        if resume_at is None:
            return CheckResult(True, "not paused")
        return CheckResult(False, f"daily quota used up: paused until {resume_at.isoformat()}")


class WorkersStore(JobStats, GeminiPauses, Protocol):
    """The queue, and whether Gemini work is paused."""


class WorkersCheck:
    """The workers are not stuck: no job has waited in the queue longer than ``stall_s``
    while some of this process's workers sit idle, unless the wait is a deliberate pause
    (Gemini's daily quota)."""

    name = "workers"
    needs: tuple[str, ...] = ("database",)

    def __init__(
        self,
        store: WorkersStore,
        load: Callable[[], WorkerLoad | None],
        *,
        model: str,
        stall_s: float,
        clock: Clock,
    ) -> None:
        self._store = store
        self._load = load
        self._model = model
        self._stall_s = stall_s
        self._clock = clock

    async def run(self) -> CheckResult:
        """The queue against the workers' load."""
        load = self._load()
        if load is None or load.workers == 0:
            return CheckResult(False, "the job workers have not started")
        stats = await self._store.queue_stats()
        summary = f"{load.busy} of {load.workers} workers busy, {stats.queued} jobs queued"
        if stats.oldest_queued_at is None or load.idle == 0:
            return CheckResult(True, summary)
        waited = (self._clock() - stats.oldest_queued_at).total_seconds()
        if waited <= self._stall_s:
            return CheckResult(True, summary)
        if await self._store.gemini_paused_until(self._model) is not None:
            return CheckResult(True, f"{summary}: waiting for Gemini's quota reset")
        return CheckResult(
            False, f"{summary}, one for {format_duration(waited)} while workers sit idle"
        )
