"""Durable jobs: every request is a row before any work starts, and workers claim rows.

The runner is plain asyncio with no Discord in it. Where a job meets the outside world
(downloading the audio, showing progress, posting the result) it calls a :class:`JobPort`,
which the Discord layer implements. Because workers *claim* rows from storage with a lease,
the same code serves one process, a restarted process (unfinished rows are claimed again once
their lease lapses) and several processes sharing one PostgreSQL.

A job's result is the cache entry the pipeline kept it under: the row refers to it (and
says whether it was reused), so a job claimed again after a crash delivers that entry
instead of paying Gemini twice.

Gemini's answers shape three paths. A used-up daily quota (``quota_exceeded``) pauses the
model in storage until midnight Pacific: the job goes back to the queue with its attempt
refunded, no worker of any process starts a job needing Gemini until then, and each waiting
requester is told once when work resumes. A safety refusal is final, with a neutral message
and the ``refused`` outcome on the row. Whatever a failed attempt spent is recorded (tokens,
not audio seconds: the daily allowances count audio that was delivered).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bot.errors import (
    BadInput,
    GeminiQuotaExhausted,
    GeminiRefused,
    GeminiUnavailable,
    OptedOut,
    QuotaExceeded,
    VoiceNoteError,
)
from bot.jobs._cache import parse_document
from bot.jobs._ports import (
    JobPolicy,
    JobPort,
    JobStore,
    PlatformBusy,
    QueuedForGemini,
    SourceGone,
    WorkerLoad,
)
from bot.jobs._spend import record_spend
from bot.metrics import JobResult, Metrics, RetryReason, Stage
from bot.model import TranscriptDocument, Usage
from bot.pipeline import Pipeline, Processed, Progress, quota_seconds, reused_as
from bot.storage import Clock, Job, JobOutcome, JobRequest, JobStatus, ShardSet, utc_now

log = logging.getLogger(__name__)
_GAVE_UP = "I couldn't finish this audio: processing it failed several times. Sorry!"
_UNEXPECTED = "Something went wrong on my side while processing this audio; please try again."
_FINAL_ERRORS = (SourceGone, BadInput, QuotaExceeded, OptedOut)


@dataclass(frozen=True)
class RunnerConfig:
    """Tuning of the job runner."""

    concurrency: int = 4
    lease_s: float = 60.0
    max_attempts: int = 3
    retry_delay_s: float = 60.0
    idle_poll_s: float = 5.0
    max_platform_wait_s: float = 15 * 60.0  # the longest a job waits out a rate limit
    shards: ShardSet | None = None  # claim only these shards' jobs (None: every job)


class JobRunner:
    """Claims queued jobs and runs them, ``concurrency`` at a time, fairly across servers."""

    def __init__(
        self,
        store: JobStore,
        pipeline: Pipeline,
        port: JobPort,
        policy: JobPolicy,
        config: RunnerConfig,
        *,
        worker_id: str | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        metrics: Metrics | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.worker_id = worker_id or f"worker-{uuid.uuid4().hex[:8]}"
        self._metrics = metrics or Metrics()
        self._clock = clock
        self._store = store
        self._pipeline = pipeline
        self._port = port
        self._policy = policy
        self._config = config
        self._sleep = sleep
        self._wake = asyncio.Event()
        self._accepting = True
        self._workers: list[asyncio.Task[None]] = []
        self._running: dict[int, asyncio.Task[None]] = {}

    async def submit(self, request: JobRequest) -> tuple[Job, bool]:
        """Record the request (before any work) and wake a worker. ``created`` is False
        when the same request was already recorded: a duplicate delivery starts nothing."""
        job, created = await self._store.submit_job(request)
        if created:
            log.info("job %d queued: origin=%s mode=%s", job.id, job.origin, job.mode)
            self._wake.set()
        return job, created

    def ahead_of_it(self, queued_before: int) -> int:
        """How many notes a just-queued job really waits for: the queued jobs before it,
        less this process's idle workers (which take it, or one before it, at once)."""
        return max(0, queued_before - self.load.idle)

    @property
    def load(self) -> WorkerLoad:
        """Workers started and busy right now (for readiness: idle workers and an old job
        in the queue mean the workers are stuck)."""
        return WorkerLoad(workers=len(self._workers), busy=len(self._running))

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
            await self._store.set_job_status(job_id, JobStatus.QUEUED, worker_id=self.worker_id)
        self._workers.clear()

    async def _worker_loop(self) -> None:
        while self._accepting:
            job = await self._claim()
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

    async def _claim(self) -> Job | None:
        try:
            await self._report_given_up()
            model = self._pipeline.gemini.model
            paused_until = await self._store.gemini_paused_until(model)
            if paused_until is not None:
                await self._tell_paused(paused_until)
            return await self._store.claim_next_job(
                self.worker_id,
                lease_s=self._config.lease_s,
                max_attempts=self._config.max_attempts,
                gemini_model=model,  # while paused, only jobs that need nothing from it
                shards=self._config.shards,
            )
        except Exception:
            log.exception("claiming a job failed; retrying shortly")
            return None

    async def _tell_paused(self, resume_at: datetime) -> None:
        """Tell each requester waiting on paused Gemini work, once per job and pause."""
        for job in await self._store.claim_pause_notices(resume_at, shards=self._config.shards):
            log.info("job %d: told it waits for Gemini's quota reset", job.id)
            await self._safely_tell(job, QueuedForGemini(resume_at), will_retry=True)

    async def _report_given_up(self) -> None:
        """Tell the requesters of jobs that crashed their worker too often."""
        exhausted = await self._store.give_up_exhausted(
            max_attempts=self._config.max_attempts, shards=self._config.shards
        )
        for job in exhausted:
            log.warning("job %d given up after %d attempts", job.id, job.attempts)
            self._metrics.job_finished(job.origin, JobResult.GIVEN_UP, None)
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
            if not await self._store.renew_lease(job_id, self.worker_id, self._config.lease_s):
                log.warning("job %d: lease lost", job_id)
                return

    async def _execute(self, job: Job) -> None:
        document = await self._stored_result(job)
        if document is None:
            await self._policy.check_start(job)
            processed = await self._produce(job)
            await self._record_usage(job, processed)
            self._count_processed(processed)
            document = processed.document
            await self._store.set_job_status(
                job.id,
                JobStatus.DELIVERING,
                result_key=processed.cache_key,
                result_reused=processed.reused,
                worker_id=self.worker_id,
            )
        started = time.monotonic()
        await self._port.deliver(job, document)
        self._metrics.stage(Stage.DELIVER, time.monotonic() - started)
        if await self._store.set_job_status(job.id, JobStatus.DONE, worker_id=self.worker_id):
            waited = (self._clock() - job.created_at).total_seconds()
            self._metrics.job_finished(job.origin, JobResult.DONE, waited)

    def _count_processed(self, processed: Processed) -> None:
        """The stages the pipeline timed; a cache hit, or the audio Gemini heard."""
        self._metrics.stage(Stage.PREPARE, processed.prepare_s)
        if processed.reused:
            self._metrics.cache_hit()
            return
        if processed.gemini_s is not None:
            self._metrics.stage(Stage.GEMINI, processed.gemini_s)

    async def _stored_result(self, job: Job) -> TranscriptDocument | None:
        """A job claimed again after a crash may already have its result: deliver that
        instead of paying Gemini twice (as this job first presented it)."""
        if job.result_key is None:
            return None
        document = parse_document(await self._store.load_result(job.result_key))
        if document is None or not job.result_reused:
            return document
        return reused_as(document, job.filename or "audio")

    async def _record_usage(self, job: Job, processed: Processed) -> None:
        if processed.reused:  # a cache hit spent nothing
            return
        seconds = quota_seconds(processed.document)
        await self._record_spend(job, processed.document.usage, audio_s=seconds)
        if processed.document.usage.requests:
            self._metrics.audio_processed(seconds)

    async def _record_spend(self, job: Job, usage: Usage, *, audio_s: float) -> None:
        """Record what Gemini billed (see :func:`record_spend`)."""
        await record_spend(self._store, job, usage, audio_s=audio_s)

    async def _produce(self, job: Job) -> Processed:
        async def progress(value: Progress) -> None:
            await self._port.report_progress(job, value)

        async def admit(audio_s: float) -> None:
            await self._policy.admit(job, audio_s)

        limits = await self._policy.limits_for(job, self._pipeline.limits)
        hearing = await self._policy.hearing_for(job)
        if job.spec.video_url is not None:  # Gemini fetches the video: nothing to download
            return await self._pipeline.process_video(
                job.spec.video_url,
                job.spec.options,
                hearing=hearing,
                limits=limits,
                admit=admit,
                use_cache=not job.spec.fresh,
            )
        async with self._pipeline.workspace() as workdir:
            source = workdir / "input"  # never the user's file name
            started = time.monotonic()
            await self._port.fetch_audio(job, source, self._pipeline.limits.max_bytes)
            self._metrics.stage(Stage.DOWNLOAD, time.monotonic() - started)
            return await self._pipeline.process_in(
                source,
                workdir,
                job.filename or "audio",
                job.spec.options,
                progress,
                limits=limits,
                admit=admit,
                hearing=hearing,
                use_cache=not job.spec.fresh,
            )

    async def _fail(self, job: Job, error: Exception) -> None:
        if isinstance(error, PlatformBusy) and job.attempts < self._config.max_attempts:
            await self._wait_for_platform(job, error)
            return
        if isinstance(error, VoiceNoteError):
            log.info("job %d failed: %s", job.id, type(error).__name__)
            user_error = error
        else:
            log.exception("job %d failed unexpectedly", job.id)
            user_error = VoiceNoteError(_UNEXPECTED)
        await self._record_failed_spend(job, user_error.usage)
        if isinstance(error, GeminiQuotaExhausted):
            await self._pause(job, error)
            return
        will_retry = (
            isinstance(error, GeminiUnavailable)
            and not isinstance(error, _FINAL_ERRORS)
            and job.attempts < self._config.max_attempts
        )
        await self._safely_tell(job, user_error, will_retry=will_retry)
        if will_retry:
            await self._requeue_after(job, self._config.retry_delay_s)
            self._metrics.job_retried(RetryReason.GEMINI_UNAVAILABLE)
            return
        refused = isinstance(error, GeminiRefused)
        ended = await self._store.set_job_status(
            job.id,
            JobStatus.FAILED,
            error=_error_text(user_error),
            outcome=JobOutcome.REFUSED if refused else None,
            worker_id=self.worker_id,
        )
        if ended:
            self._metrics.job_finished(
                job.origin, JobResult.REFUSED if refused else JobResult.FAILED, None
            )

    async def _record_failed_spend(self, job: Job, usage: Usage) -> None:
        """Best effort: a failed attempt's tokens, no audio seconds (nothing was delivered)."""
        try:
            await self._record_spend(job, usage, audio_s=0.0)
        except Exception:
            log.exception("job %d: could not record what the failed attempt spent", job.id)

    async def _pause(self, job: Job, error: GeminiQuotaExhausted) -> None:
        """Pause the model for every process and put the job back, its attempt refunded:
        the quota is not the note's fault. Its requester is told by :meth:`_tell_paused`."""
        model = self._pipeline.gemini.model
        log.warning("gemini daily quota used up for %s; paused until %s", model, error.resume_at)
        await self._store.pause_gemini(model, resume_at=error.resume_at, reason="quota_exceeded")
        await self._store.set_job_status(
            job.id, JobStatus.QUEUED, worker_id=self.worker_id, refund_attempt=True
        )
        self._metrics.job_retried(RetryReason.GEMINI_PAUSED)
        self._wake.set()

    async def _wait_for_platform(self, job: Job, error: PlatformBusy) -> None:
        """Discord asked to wait (a long rate limit): wait as asked (bounded), then queue
        the job again. It keeps its result, so the retry costs no Gemini request; nobody is
        told, as a notice would meet the same limit and the reply is only late."""
        wait = min(
            max(self._config.retry_delay_s, error.retry_after_s), self._config.max_platform_wait_s
        )
        log.info("job %d: rate limited by the platform; retrying in %.0fs", job.id, wait)
        await self._requeue_after(job, wait)
        self._metrics.job_retried(RetryReason.PLATFORM_BUSY)

    async def _requeue_after(self, job: Job, wait_s: float) -> None:
        """Wait holding the job (the heartbeat keeps the lease), then release it to the
        queue: busy workers are the right back-pressure while a service is overloaded."""
        await self._sleep(wait_s)
        await self._store.set_job_status(job.id, JobStatus.QUEUED, worker_id=self.worker_id)
        self._wake.set()

    async def _safely_tell(self, job: Job, error: VoiceNoteError, *, will_retry: bool) -> None:
        try:
            await self._port.deliver_failure(job, error, will_retry=will_retry)
        except Exception:
            log.exception("job %d: could not report the failure", job.id)


def _error_text(error: VoiceNoteError) -> str:
    """The ``error`` column: the error's type, and for a refusal Gemini's codes (its words
    for the category, never the member's content)."""
    if isinstance(error, GeminiRefused):
        return f"GeminiRefused: {', '.join(error.codes)}"
    return type(error).__name__
