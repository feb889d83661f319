"""Durable jobs: every request is a row before any work starts, and workers claim rows.

The runner is plain asyncio with no Discord in it. Where a job meets the outside world
(downloading the audio, showing progress, posting the result) it calls a :class:`JobPort`,
which the Discord layer implements. Because workers *claim* rows from storage with a lease,
the same code serves one process, a restarted process (unfinished rows are claimed again once
their lease lapses) and several processes sharing one PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from bot.audio import AudioLimits
from bot.errors import BadInput, GeminiUnavailable, OptedOut, QuotaExceeded, VoiceNoteError
from bot.jobs_options import JobOptions
from bot.model import Mode, TranscriptDocument
from bot.pipeline import Pipeline, Progress, billable_seconds
from bot.storage import Job, JobRequest, JobStatus, Storage

log = logging.getLogger(__name__)
_GAVE_UP = "I couldn't finish this audio: processing it failed several times. Sorry!"
_UNEXPECTED = "Something went wrong on my side while processing this audio; please try again."


class SourceGone(VoiceNoteError):
    """The message or attachment disappeared before the job could read it."""


class JobPort(Protocol):
    """What a job needs from the chat platform."""

    async def fetch_audio(self, job: Job, destination: Path, max_bytes: int) -> None:
        """Write the job's audio to ``destination`` (raise AudioTooLarge past max_bytes,
        SourceGone when it no longer exists)."""

    async def report_progress(self, job: Job, progress: Progress) -> None:
        """Show how far the job is (edited in place; may do nothing for short jobs)."""

    async def deliver(self, job: Job, document: TranscriptDocument) -> None:
        """Post the result. Must be idempotent: a retried delivery posts nothing twice."""

    async def deliver_failure(self, job: Job, error: VoiceNoteError, *, will_retry: bool) -> None:
        """Tell the requester, in plain words, why there is no result (yet)."""


class JobPolicy(Protocol):
    """Rules applied to a job before money is spent (quotas); see bot.policy."""

    async def check_start(self, job: Job) -> None:
        """Raise a VoiceNoteError (e.g. OptedOut) to drop a job before any work starts."""

    async def admit(self, job: Job, audio_s: float) -> None:
        """Raise a VoiceNoteError (e.g. QuotaExceeded) to refuse ``audio_s`` of Gemini time."""


@dataclass(frozen=True)
class RunnerConfig:
    """Tuning of the job runner."""

    concurrency: int = 4
    lease_s: float = 60.0
    max_attempts: int = 3
    retry_delay_s: float = 60.0
    idle_poll_s: float = 5.0
    result_ttl_s: float = 30 * 86400


def options_of(job: Job) -> JobOptions:
    """The pipeline options stored on a job row."""
    stored = dict(job.options)
    return JobOptions(
        mode=Mode(job.mode),
        translate_to=str(stored.get("translate_to") or "English"),
        language=stored.get("language"),
        question=stored.get("question"),
        start_s=stored.get("start_s"),
        end_s=stored.get("end_s"),
    )


def job_result_key(job_id: int) -> str:
    """Where a job's own result is kept until delivered (and for retention)."""
    return f"job:{job_id}"


class JobRunner:
    """Claims queued jobs and runs them, ``concurrency`` at a time, fairly across servers."""

    def __init__(
        self,
        storage: Storage,
        pipeline: Pipeline,
        port: JobPort,
        config: RunnerConfig,
        *,
        worker_id: str | None = None,
        policy: JobPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.worker_id = worker_id or f"worker-{uuid.uuid4().hex[:8]}"
        self._storage = storage
        self._pipeline = pipeline
        self._port = port
        self._config = config
        self._policy = policy
        self._sleep = sleep
        self._wake = asyncio.Event()
        self._accepting = True
        self._workers: list[asyncio.Task[None]] = []
        self._running: dict[int, asyncio.Task[None]] = {}

    async def submit(self, request: JobRequest) -> tuple[Job, bool]:
        """Record the request (before any work) and wake a worker. ``created`` is False
        when the same request was already recorded: a duplicate delivery starts nothing."""
        job, created = await self._storage.submit_job(request)
        if created:
            log.info("job %d queued: origin=%s mode=%s", job.id, job.origin, job.mode)
            self._wake.set()
        return job, created

    def start(self) -> None:
        """Start the worker tasks."""
        for index in range(self._config.concurrency):
            task = asyncio.create_task(self._worker_loop(), name=f"job-worker-{index}")
            self._workers.append(task)

    async def stop(self, grace_s: float = 30.0) -> None:
        """Stop claiming, let running jobs finish within ``grace_s``, requeue the rest."""
        self._accepting = False
        self._wake.set()
        running = list(self._running.values())
        if running:
            log.info("waiting up to %.0fs for %d running jobs", grace_s, len(running))
            await asyncio.wait(running, timeout=grace_s)
        unfinished = list(self._running)
        tasks = [*self._running.values(), *self._workers]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for job_id in unfinished:
            await self._storage.set_job_status(job_id, JobStatus.QUEUED, worker_id=self.worker_id)
        self._workers.clear()

    async def _worker_loop(self) -> None:
        while self._accepting:
            try:
                await self._report_given_up()
                job = await self._storage.claim_next_job(
                    self.worker_id,
                    lease_s=self._config.lease_s,
                    max_attempts=self._config.max_attempts,
                )
            except Exception:
                log.exception("claiming a job failed; retrying shortly")
                job = None
            if job is None:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._config.idle_poll_s)
                continue
            task = asyncio.create_task(self._run(job), name=f"job-{job.id}")
            self._running[job.id] = task
            try:
                await asyncio.shield(task)
            finally:
                self._running.pop(job.id, None)

    async def _report_given_up(self) -> None:
        """Tell the requesters of jobs that crashed their worker too often."""
        for job in await self._storage.give_up_exhausted(max_attempts=self._config.max_attempts):
            log.warning("job %d given up after %d attempts", job.id, job.attempts)
            await self._safely_tell(job, VoiceNoteError(_GAVE_UP), will_retry=False)

    async def _run(self, job: Job) -> None:
        started = time.monotonic()
        heartbeat = asyncio.create_task(self._keep_lease(job.id))
        try:
            await self._execute(job)
        except Exception as error:  # never let one job take a worker down
            await self._fail(job, error)
        finally:
            heartbeat.cancel()
            await asyncio.gather(heartbeat, return_exceptions=True)
            log.info("job %d: worker done with it after %.1fs", job.id, time.monotonic() - started)

    async def _keep_lease(self, job_id: int) -> None:
        while True:
            await asyncio.sleep(self._config.lease_s / 3)
            if not await self._storage.renew_lease(job_id, self.worker_id, self._config.lease_s):
                log.warning("job %d: lease lost", job_id)
                return

    async def _execute(self, job: Job) -> None:
        document = await self._stored_result(job)
        if document is None:
            if self._policy is not None:
                await self._policy.check_start(job)
            document = await self._produce(job)
            await self._storage.save_result(
                job_result_key(job.id),
                document.model_dump(mode="json"),
                sha256=document.source.sha256,
                ttl_s=self._config.result_ttl_s,
            )
            if document.usage.requests:  # a cache hit or silence spent nothing
                await self._storage.add_usage(
                    guild_id=job.guild_id,
                    user_id=job.requester_id,
                    audio_s=billable_seconds(
                        document.source.duration_s,
                        document.source.range_start_s,
                        document.source.range_end_s,
                    ),
                    tokens_in=document.usage.input_tokens,
                    tokens_out=document.usage.output_tokens,
                )
        await self._storage.set_job_status(
            job.id, JobStatus.DELIVERING, result_key=job_result_key(job.id),
            worker_id=self.worker_id,
        )  # fmt: skip
        await self._port.deliver(job, document)
        await self._storage.set_job_status(job.id, JobStatus.DONE, worker_id=self.worker_id)

    async def _stored_result(self, job: Job) -> TranscriptDocument | None:
        """A job claimed again after a crash may already have its result: deliver that
        instead of paying Gemini twice."""
        if job.result_key is None:
            return None
        data = await self._storage.load_result(job.result_key)
        return TranscriptDocument.model_validate(data) if data is not None else None

    async def _produce(self, job: Job) -> TranscriptDocument:
        options = options_of(job)

        async def progress(value: Progress) -> None:
            await self._port.report_progress(job, value)

        async def admit(audio_s: float) -> None:
            if self._policy is not None:
                await self._policy.admit(job, audio_s)

        async with self._pipeline.workspace() as workdir:
            source = workdir / "input"  # never the user's file name
            await self._port.fetch_audio(job, source, self._pipeline.limits.max_bytes)
            return await self._pipeline.process_in(
                source, workdir, job.filename or "audio", options, progress,
                limits=self._limits_for(job), admit=admit,
            )  # fmt: skip

    def _limits_for(self, job: Job) -> AudioLimits:
        """The configured limits, lowered by a server's own maximum duration."""
        limits = self._pipeline.limits
        server_max = job.options.get("max_duration_s")
        if isinstance(server_max, int | float) and 0 < server_max < limits.max_duration_s:
            return replace(limits, max_duration_s=float(server_max))
        return limits

    async def _fail(self, job: Job, error: Exception) -> None:
        if isinstance(error, VoiceNoteError):
            log.info("job %d failed: %s", job.id, type(error).__name__)
            user_error = error
        else:
            log.exception("job %d failed unexpectedly", job.id)
            user_error = VoiceNoteError(_UNEXPECTED)
        will_retry = (
            isinstance(error, GeminiUnavailable) and job.attempts < self._config.max_attempts
        )
        if isinstance(error, SourceGone | BadInput | QuotaExceeded | OptedOut):
            will_retry = False
        await self._safely_tell(job, user_error, will_retry=will_retry)
        if will_retry:
            # Wait holding the job (the heartbeat keeps the lease), then release it to the
            # queue: busy workers are the right back-pressure while Gemini is overloaded.
            await self._sleep(self._config.retry_delay_s)
            await self._storage.set_job_status(job.id, JobStatus.QUEUED, worker_id=self.worker_id)
            self._wake.set()
            return
        await self._storage.set_job_status(
            job.id, JobStatus.FAILED, error=type(user_error).__name__, worker_id=self.worker_id
        )

    async def _safely_tell(self, job: Job, error: VoiceNoteError, *, will_retry: bool) -> None:
        try:
            await self._port.deliver_failure(job, error, will_retry=will_retry)
        except Exception:
            log.exception("job %d: could not report the failure", job.id)
