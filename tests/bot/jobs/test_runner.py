"""The job runner on real storage (SQLite and PostgreSQL), real audio and the fake Gemini."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.audio import AudioTools
from bot.errors import VoiceNoteError
from bot.gemini import GeminiService
from bot.jobs import (
    Consent,
    JobPort,
    JobRunner,
    PlatformBusy,
    Policy,
    QuotaLimits,
    RunnerConfig,
    StoredResultCache,
)
from bot.model import TranscriptDocument
from bot.options import Origin
from bot.pipeline import Pipeline, Progress
from bot.storage import Job, JobRequest, JobStatus, Storage
from testkit.gemini import FakeGemini, Reply
from tests.helpers.clocks import FakeClock
from tests.helpers.jobs import job_request
from tests.helpers.pipelines import make_pipeline
from tests.helpers.polling import poll_until, wait_for_async, wait_jobs_final

FAST = RunnerConfig(concurrency=4, lease_s=5.0, retry_delay_s=0.05, idle_poll_s=0.05)


class RecordingPort:
    """A JobPort that copies a local file as the 'download' and records what it was told."""

    def __init__(self, audio: Path) -> None:
        self.audio = audio
        self.delivered: list[int] = []
        self.documents: list[TranscriptDocument] = []
        self.failures: list[tuple[int, str, bool]] = []

    async def fetch_audio(self, job: Job, destination: Path, max_bytes: int) -> None:
        await asyncio.to_thread(shutil.copyfile, self.audio, destination)

    async def report_progress(self, job: Job, progress: Progress) -> None:
        return None

    async def deliver(self, job: Job, document: TranscriptDocument) -> None:
        self.delivered.append(job.id)
        self.documents.append(document)

    async def deliver_failure(self, job: Job, error: VoiceNoteError, *, will_retry: bool) -> None:
        self.failures.append((job.id, error.user_message, will_retry))


class BusyPort(RecordingPort):
    """The platform asks to wait on the first ``times`` deliveries (a long rate limit)."""

    def __init__(self, audio: Path, times: int) -> None:
        super().__init__(audio)
        self.busy = times

    async def deliver(self, job: Job, document: TranscriptDocument) -> None:
        if self.busy > 0:
            self.busy -= 1
            raise PlatformBusy(retry_after_s=0.01)
        await super().deliver(job, document)


def request(n: int, guild: int = 1) -> JobRequest:
    return job_request(
        f"auto:{n}:{n}",
        origin=Origin.AUTO,
        channel_id=10,
        guild_id=guild,
        message_id=n,
        attachment_id=n,
        requester_id=7,
        author_id=7,
        filename="note.ogg",
    )


def make_runner(
    storage: Storage, pipeline: Pipeline, port: JobPort, worker_id: str | None = None
) -> JobRunner:
    """A runner with the real policy (no quotas) on ``storage``."""
    policy = Policy(storage, QuotaLimits(0, 0), Consent(storage))
    return JobRunner(storage, pipeline, port, policy, FAST, worker_id=worker_id)


@pytest.fixture
def kept_pipeline(
    storage: Storage, gemini_service: GeminiService, audio_tools: AudioTools, tmp_path: Path
) -> Pipeline:
    """A pipeline keeping its results in ``storage``, as the bot's does."""
    cache = StoredResultCache(storage, ttl_s=60)
    return make_pipeline(gemini_service, audio_tools, tmp_path, cache=cache)


@pytest.fixture
def pipeline(gemini_service: GeminiService, audio_tools: AudioTools, tmp_path: Path) -> Pipeline:
    return make_pipeline(gemini_service, audio_tools, tmp_path)


@pytest_asyncio.fixture
async def second_storage(storage_url: str, clock: FakeClock) -> AsyncIterator[Storage]:
    """Another process's view of the same database (leases compare clocks: share one)."""
    store = await Storage.open(storage_url, clock=clock)
    yield store
    await store.close()


async def run_until_final(runner: JobRunner, storage: Storage, ids: list[int]) -> None:
    """Start ``runner``, wait until every job in ``ids`` is final, stop it."""
    runner.start()
    try:
        await wait_jobs_final(storage, ids)
    finally:
        await runner.stop(5)


async def test_two_workers_share_fifty_jobs_and_do_each_exactly_once(
    storage: Storage,
    second_storage: Storage,
    pipeline: Pipeline,
    voice_note: Path,
    fake_gemini: FakeGemini,
) -> None:
    ports = [RecordingPort(voice_note), RecordingPort(voice_note)]
    runners = [
        make_runner(storage, pipeline, ports[0], worker_id="a"),
        make_runner(second_storage, pipeline, ports[1], worker_id="b"),
    ]
    jobs = [(await runners[n % 2].submit(request(n, guild=n % 3)))[0] for n in range(50)]
    for runner in runners:
        runner.start()
    try:
        await wait_jobs_final(storage, [j.id for j in jobs])
    finally:
        for runner in runners:
            await runner.stop(5)
    delivered = ports[0].delivered + ports[1].delivered
    assert sorted(delivered) == sorted(j.id for j in jobs)
    assert ports[0].delivered
    assert ports[1].delivered
    assert len(fake_gemini.requests) == 50
    statuses = {(await storage.get_job(j.id)).status for j in jobs}  # type: ignore[union-attr]
    assert statuses == {JobStatus.DONE}


async def test_overloaded_gemini_is_explained_then_retried(
    storage: Storage, pipeline: Pipeline, voice_note: Path, fake_gemini: FakeGemini
) -> None:
    fake_gemini.enqueue(*[Reply.unavailable()] * 3)  # one job attempt = 3 requests
    port = RecordingPort(voice_note)
    runner = make_runner(storage, pipeline, port)
    job, created = await runner.submit(request(1))
    assert created
    await run_until_final(runner, storage, [job.id])
    assert port.delivered == [job.id]
    ((failed_id, message, will_retry),) = port.failures
    assert (failed_id, will_retry) == (job.id, True)
    assert "overloaded" in message
    assert (await storage.get_job(job.id)).attempts == 2  # type: ignore[union-attr]


async def run_busy(
    storage: Storage, pipeline: Pipeline, voice_note: Path, times: int
) -> tuple[BusyPort, Job]:
    """One job whose first ``times`` deliveries meet a long rate limit, run to its end."""
    port = BusyPort(voice_note, times=times)
    runner = make_runner(storage, pipeline, port)
    job, _ = await runner.submit(request(1))
    await run_until_final(runner, storage, [job.id])
    final = await storage.get_job(job.id)
    assert final is not None
    return port, final


async def test_a_rate_limited_delivery_is_retried_quietly_with_its_result(
    storage: Storage, kept_pipeline: Pipeline, voice_note: Path, fake_gemini: FakeGemini
) -> None:
    port, job = await run_busy(storage, kept_pipeline, voice_note, times=1)
    assert port.delivered == [job.id]
    assert port.failures == []  # nobody is told: the reply is only late
    assert len(fake_gemini.requests) == 1  # the retry delivered the result it kept
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)


async def test_a_delivery_rate_limited_at_every_attempt_is_reported_once(
    storage: Storage, kept_pipeline: Pipeline, voice_note: Path, fake_gemini: FakeGemini
) -> None:
    port, job = await run_busy(storage, kept_pipeline, voice_note, times=99)
    assert port.delivered == []
    ((failed_id, message, will_retry),) = port.failures
    assert (failed_id, will_retry) == (job.id, False)
    assert "slow down" in message
    assert (job.status, job.attempts) == (JobStatus.FAILED, FAST.max_attempts)
    assert len(fake_gemini.requests) == 1


async def test_bad_audio_fails_once_with_its_message(
    storage: Storage, pipeline: Pipeline, hostile_files: dict[str, Path], fake_gemini: FakeGemini
) -> None:
    port = RecordingPort(hostile_files["text"])
    runner = make_runner(storage, pipeline, port)
    job, _ = await runner.submit(request(1))
    await run_until_final(runner, storage, [job.id])
    assert port.delivered == []
    ((_, message, will_retry),) = port.failures
    assert not will_retry
    assert "audio" in message
    assert (await storage.get_job(job.id)).status is JobStatus.FAILED  # type: ignore[union-attr]
    assert fake_gemini.requests == []


async def test_a_duplicate_submission_starts_nothing(
    storage: Storage, pipeline: Pipeline, voice_note: Path
) -> None:
    runner = make_runner(storage, pipeline, RecordingPort(voice_note))
    first, created = await runner.submit(request(5))
    again, created_again = await runner.submit(request(5))
    assert created
    assert not created_again
    assert again.id == first.id


async def _crash_while_delivering(
    storage: Storage, pipeline: Pipeline, job: Job, voice_note: Path, *, reused: bool
) -> TranscriptDocument:
    """What a worker that died right after producing ``job``'s result leaves behind: the
    result in the cache and the job DELIVERING, referring to it."""
    document = await pipeline.process_file(
        voice_note, file_name="note.ogg", options=job.spec.options
    )
    claimed = await storage.claim_next_job("dead-worker", lease_s=0.01)
    assert claimed is not None
    await storage.set_job_status(
        job.id,
        JobStatus.DELIVERING,
        result_key=pipeline.cache_key(document.source.sha256, job.spec.options),
        result_reused=reused,
        worker_id="dead-worker",
    )
    return document


@pytest.mark.parametrize("reused", [False, True])
async def test_a_job_reclaimed_after_a_crash_delivers_its_cached_result(
    storage: Storage,
    gemini_service: GeminiService,
    audio_tools: AudioTools,
    tmp_path: Path,
    voice_note: Path,
    fake_gemini: FakeGemini,
    clock: FakeClock,
    reused: bool,
) -> None:
    cache = StoredResultCache(storage, ttl_s=60)
    pipeline = make_pipeline(gemini_service, audio_tools, tmp_path, cache=cache)
    port = RecordingPort(voice_note)
    runner = make_runner(storage, pipeline, port)
    job, _ = await runner.submit(request(9))
    produced = await _crash_while_delivering(storage, pipeline, job, voice_note, reused=reused)
    requests_before = len(fake_gemini.requests)
    clock.advance(1)  # the dead worker's lease lapses
    await run_until_final(runner, storage, [job.id])
    assert port.delivered == [job.id]
    assert len(fake_gemini.requests) == requests_before  # no second Gemini request
    (delivered,) = port.documents
    assert delivered.segments == produced.segments
    # As the job first presented it: what it spent, or nothing when it had reused the entry.
    assert delivered.usage.requests == (0 if reused else produced.usage.requests)


async def test_stop_requeues_jobs_that_did_not_finish_in_the_grace_period(
    storage: Storage, pipeline: Pipeline, voice_note: Path, fake_gemini: FakeGemini
) -> None:
    fake_gemini.set_responder(lambda _r: Reply.slow(3.0, Reply.json({})))
    runner = make_runner(storage, pipeline, RecordingPort(voice_note))
    job, _ = await runner.submit(request(3))
    runner.start()

    async def running() -> bool:
        current = await storage.get_job(job.id)
        return current is not None and current.status is JobStatus.RUNNING

    await wait_for_async(running, timeout=10, what="the job to start")
    await runner.stop(grace_s=0.1)
    assert (await storage.get_job(job.id)).status is JobStatus.QUEUED  # type: ignore[union-attr]


class PollCountingStorage(Storage):
    """The same storage, counting the runner's polls for work (every poll claims)."""

    polls = 0

    async def claim_next_job(
        self, worker_id: str, *, lease_s: float, max_attempts: int = 3
    ) -> Job | None:
        self.polls += 1
        return await super().claim_next_job(worker_id, lease_s=lease_s, max_attempts=max_attempts)


async def test_a_job_that_keeps_killing_workers_is_given_up_and_reported_once(
    storage: Storage, storage_url: str, pipeline: Pipeline, voice_note: Path, clock: FakeClock
) -> None:
    port = RecordingPort(voice_note)
    counting = await PollCountingStorage.open(storage_url, clock=clock)
    assert isinstance(counting, PollCountingStorage)
    runner = make_runner(counting, pipeline, port)
    job, _ = await runner.submit(request(4))
    for worker in ("dead-1", "dead-2", "dead-3"):  # each claim ends in a crash
        assert await storage.claim_next_job(worker, lease_s=1, max_attempts=3) is not None
        clock.advance(2)
    runner.start()
    try:
        await wait_jobs_final(storage, [job.id])
        seen = counting.polls  # three more polls, each looking for jobs to give up:
        await poll_until(lambda: counting.polls >= seen + 3, what="three more idle polls")
    finally:
        await runner.stop(5)
        await counting.close()
    assert port.delivered == []
    ((failed_id, message, will_retry),) = port.failures
    assert (failed_id, will_retry) == (job.id, False)
    assert "failed several times" in message
