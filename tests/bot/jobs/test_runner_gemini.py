"""The job runner meets Gemini's own limits: a used-up daily quota pauses every process until
midnight Pacific without losing or failing a note, a safety refusal is final, and whatever a
failed attempt spent is still recorded. Real storage (both backends), the fake Gemini."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from bot.pipeline import Pipeline
from bot.storage import JobOutcome, JobStatus, Storage
from testkit.gemini import FakeGemini, Reply
from tests.helpers.clocks import FakeClock
from tests.helpers.polling import wait_for_async, wait_jobs_final
from tests.helpers.runners import FAST, RecordingPort, make_runner, request, run_until_final

RESET = datetime(2030, 1, 2, 8, 0, tzinfo=UTC)  # midnight Pacific after the clock's start
PAUSED_TEXT = (
    "Gemini's daily quota for this bot is used up; your note is queued and will be "
    "processed after 08:00 UTC (midnight Pacific time)."
)


async def assert_paused_and_waiting(
    storage: Storage, fake_gemini: FakeGemini, model: str, ids: list[int]
) -> None:
    """While paused: no more Gemini requests, every note queued with no attempt burnt."""
    asked = len(fake_gemini.requests)
    await asyncio.sleep(FAST.idle_poll_s * 6)  # a few idle polls of every worker
    assert len(fake_gemini.requests) == asked <= len(ids)  # each job asked at most once
    assert await storage.gemini_paused_until(model) == RESET
    for job_id in ids:
        job = await storage.get_job(job_id)
        assert job is not None
        assert (job.status, job.attempts) == (JobStatus.QUEUED, 0)


async def test_a_used_up_daily_quota_pauses_every_process_until_midnight_pacific(
    storage: Storage,
    second_storage: Storage,
    pipeline: Pipeline,
    voice_note: Path,
    fake_gemini: FakeGemini,
    clock: FakeClock,
) -> None:
    fake_gemini.set_responder(lambda _request: Reply.quota_exceeded())
    ports = [RecordingPort(voice_note), RecordingPort(voice_note)]
    runners = [
        make_runner(storage, pipeline, ports[0], worker_id="a"),
        make_runner(second_storage, pipeline, ports[1], worker_id="b"),
    ]
    ids = [(await runners[0].submit(request(n)))[0].id for n in range(3)]

    async def everyone_told() -> bool:
        return len(ports[0].failures + ports[1].failures) >= len(ids)

    for runner in runners:
        runner.start()
    try:
        await wait_for_async(everyone_told, what="every requester to hear of the pause")
        await assert_paused_and_waiting(second_storage, fake_gemini, pipeline.gemini.model, ids)
        fake_gemini.set_responder(None)  # the quota is back after the reset
        clock.now = RESET
        await wait_jobs_final(storage, ids)
    finally:
        for runner in runners:
            await runner.stop(5)

    told = ports[0].failures + ports[1].failures
    assert sorted(job_id for job_id, _, _ in told) == ids  # each told exactly once
    assert {(message, will_retry) for _, message, will_retry in told} == {(PAUSED_TEXT, True)}
    assert sorted(ports[0].delivered + ports[1].delivered) == ids
    for job_id in ids:
        job = await storage.get_job(job_id)
        assert job is not None
        assert (job.status, job.attempts) == (JobStatus.DONE, 1)


async def test_a_safety_refusal_fails_at_once_neutrally_with_the_refused_outcome(
    storage: Storage, pipeline: Pipeline, voice_note: Path, fake_gemini: FakeGemini
) -> None:
    fake_gemini.enqueue(Reply.refused("prohibited_content"))
    port = RecordingPort(voice_note)
    runner = make_runner(storage, pipeline, port)
    job, _ = await runner.submit(request(1))

    await run_until_final(runner, storage, [job.id])

    assert port.failures == [(job.id, "I couldn't transcribe this note.", False)]
    done = await storage.get_job(job.id)
    assert done is not None
    assert (done.status, done.outcome) == (JobStatus.FAILED, JobOutcome.REFUSED)
    assert done.error == "GeminiRefused: prohibited_content"
    assert done.attempts == 1
    assert len(fake_gemini.requests) == 1
    spent = await storage.usage_since(since=datetime(2000, 1, 1, tzinfo=UTC), user_id=7)
    assert spent.requests == 1
    assert spent.tokens_in > 0  # Gemini billed the input it refused
    assert spent.audio_s == 0  # nothing was delivered: the allowance is untouched


async def test_a_job_that_fails_after_spending_tokens_still_records_them(
    storage: Storage, pipeline: Pipeline, voice_note: Path, fake_gemini: FakeGemini
) -> None:
    fake_gemini.set_responder(lambda _request: Reply.text("{not json"))
    port = RecordingPort(voice_note)
    runner = make_runner(storage, pipeline, port)
    job, _ = await runner.submit(request(2))

    await run_until_final(runner, storage, [job.id])

    ((_, message, will_retry),) = port.failures
    assert "unusable" in message
    assert not will_retry
    assert len(fake_gemini.requests) == 3  # the service's output retries
    spent = await storage.usage_since(since=datetime(2000, 1, 1, tzinfo=UTC), user_id=7)
    assert spent.requests == 1
    assert spent.tokens_in >= 3 * 32  # three requests, each with seconds of audio
    assert spent.tokens_out > 0
    assert spent.tokens_thought > 0
    assert spent.audio_s == 0
