"""The job runner when the chat platform asks it to wait (a long rate limit)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.audio import AudioTools
from bot.gemini import GeminiService
from bot.jobs import PlatformBusy, StoredResultCache
from bot.model import TranscriptDocument
from bot.pipeline import Pipeline
from bot.storage import Job, JobStatus, Storage
from testkit.gemini import FakeGemini
from tests.helpers.pipelines import make_pipeline
from tests.helpers.runners import FAST, RecordingPort, make_runner, request, run_until_final


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


@pytest.fixture
def kept_pipeline(
    storage: Storage, gemini_service: GeminiService, audio_tools: AudioTools, tmp_path: Path
) -> Pipeline:
    """A pipeline keeping its results in ``storage``, as the bot's does."""
    cache = StoredResultCache(storage, ttl_s=60)
    return make_pipeline(gemini_service, audio_tools, tmp_path, cache=cache)


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
