"""The job runner on real storage (SQLite and PostgreSQL), real audio and the fake Gemini."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.audio import AudioTools
from bot.gemini import GeminiService
from bot.jobs import StoredResultCache
from bot.model import TranscriptDocument
from bot.pipeline import Pipeline
from bot.storage import Job, JobStatus, ShardSet, Storage
from testkit.gemini import FakeGemini, Reply
from tests.helpers.clocks import FakeClock
from tests.helpers.pipelines import make_pipeline
from tests.helpers.polling import poll_until, wait_for_async, wait_jobs_final
from tests.helpers.runners import RecordingPort, make_runner, request, run_until_final


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
        self,
        worker_id: str,
        *,
        lease_s: float,
        max_attempts: int = 3,
        gemini_model: str | None = None,
        shards: ShardSet | None = None,
    ) -> Job | None:
        self.polls += 1
        return await super().claim_next_job(
            worker_id,
            lease_s=lease_s,
            max_attempts=max_attempts,
            gemini_model=gemini_model,
            shards=shards,
        )


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


async def test_a_note_waits_only_for_the_queued_jobs_no_idle_worker_takes(
    storage: Storage, pipeline: Pipeline, voice_note: Path
) -> None:
    """ "Queued: N ahead" counts what a note really waits for: idle workers take it at once."""
    runner = make_runner(storage, pipeline, RecordingPort(voice_note))
    assert runner.ahead_of_it(3) == 3  # not started: no worker is idle
    runner.start()
    try:
        await poll_until(lambda: runner.load.idle == 4, timeout=5)
        assert [runner.ahead_of_it(n) for n in (0, 1, 4, 6)] == [0, 0, 0, 2]
    finally:
        await runner.stop(5)
