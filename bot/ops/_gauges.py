"""Gauges read from the database when Prometheus scrapes: the queue, pauses, the rate window.

These describe the whole bot (every process shares the database), so each process reports
the same values: aggregate them with ``max``, not ``sum``. Each gauge is one
:class:`StoreGauge` in :func:`store_gauges`: a name, its labels and an async read of the
store, so a new one is one line there, and the storage protocol it reads among
:class:`GaugeStore`'s bases.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.jobs import RATE_WINDOW_S, gemini_bucket
from bot.metrics import Metrics
from bot.storage import Clock
from bot.storage.ports import GeminiPauses, Health, JobStats, RateSlots, ReviewStats

log = logging.getLogger(__name__)
REFRESH_TIMEOUT_S = 5.0


class GaugeStore(Health, JobStats, GeminiPauses, RateSlots, ReviewStats, Protocol):
    """What the scrape-time gauges read."""


Reading = float | Mapping[str, float]
"""A gauge's value; a labelled gauge's values by its one label's value."""
Read = Callable[[GaugeStore, datetime], Awaitable[Reading]]


@dataclass(frozen=True)
class StoreGauge:
    """One gauge read from storage at scrape time (at most one label)."""

    name: str
    doc: str
    labels: tuple[str, ...]
    read: Read


async def _queue(store: GaugeStore, now: datetime) -> Reading:
    stats = await store.queue_stats()
    return {"queued": stats.queued, "running": stats.running}


async def _oldest(store: GaugeStore, now: datetime) -> Reading:
    oldest = (await store.queue_stats()).oldest_queued_at
    return 0.0 if oldest is None else max(0.0, (now - oldest).total_seconds())


async def _cards(store: GaugeStore, now: datetime) -> Reading:
    return await store.review_cards_by_state()


def _paused(model: str) -> Read:
    async def read(store: GaugeStore, now: datetime) -> Reading:
        resume_at = await store.gemini_paused_until(model)
        return 0.0 if resume_at is None else max(0.0, (resume_at - now).total_seconds())

    return read


def _rate_used(model: str) -> Read:
    async def read(store: GaugeStore, now: datetime) -> Reading:
        return (await store.rate_window(gemini_bucket(model), window_s=RATE_WINDOW_S)).used

    return read


def store_gauges(model: str) -> tuple[StoreGauge, ...]:
    """Every gauge read at scrape time, for the bot's Gemini ``model``."""
    return (
        StoreGauge("queue_jobs", "Jobs queued and running, in every process.", ("state",), _queue),
        StoreGauge(
            "queue_oldest_seconds", "How long the job longest in the queue has waited.", (), _oldest
        ),
        StoreGauge(
            "gemini_paused_seconds",
            "Seconds until Gemini work resumes after a used-up daily quota (0: not paused).",
            (),
            _paused(model),
        ),
        StoreGauge(
            "gemini_rate_slots_used",
            "Gemini requests in the last minute, every process (see gemini_rate_limit).",
            (),
            _rate_used(model),
        ),
        StoreGauge("review_cards", "Review cards by state, every server.", ("state",), _cards),
    )


class StoreGauges:
    """The scrape-time gauges of one registry, refreshed by :meth:`refresh`."""

    def __init__(
        self,
        metrics: Metrics,
        store: GaugeStore,
        gauges: tuple[StoreGauge, ...],
        *,
        clock: Clock,
        per_minute: int,
        timeout_s: float = REFRESH_TIMEOUT_S,
    ) -> None:
        self._store = store
        self._clock = clock
        self._timeout_s = timeout_s
        self._gauges = [(g, metrics.gauge(g.name, g.doc, g.labels)) for g in gauges]
        metrics.gauge("gemini_rate_limit", "GEMINI_REQUESTS_PER_MINUTE.").set(per_minute)
        self._up = metrics.gauge("database_up", "1 when the last scrape could read the database.")

    async def refresh(self) -> None:
        """Read every gauge; when the database fails or is slower than the timeout
        (:data:`REFRESH_TIMEOUT_S`), ``database_up`` goes to 0 and the others keep their last
        values (a scrape must answer while the database does not)."""
        now = self._clock()
        try:
            async with asyncio.timeout(self._timeout_s):
                await self._read_all(now)
        except Exception as error:
            log.warning("metrics: reading the database failed (%s)", type(error).__name__)
            self._up.set(0)
            return
        self._up.set(1)

    async def _read_all(self, now: datetime) -> None:
        for spec, gauge in self._gauges:
            reading = await spec.read(self._store, now)
            if isinstance(reading, Mapping):
                gauge.clear()
                for value, number in reading.items():
                    gauge.labels(value).set(number)
            else:
                gauge.set(reading)
