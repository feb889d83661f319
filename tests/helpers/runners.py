"""The job runner's test bench: a recording JobPort, requests and a runner on real storage."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from bot.errors import VoiceNoteError
from bot.jobs import (
    Consent,
    HearingDefaults,
    JobPort,
    JobRunner,
    Policy,
    QuotaLimits,
    RunnerConfig,
)
from bot.model import TranscriptDocument
from bot.options import Origin
from bot.pipeline import Pipeline, Progress
from bot.storage import Job, JobRequest, Storage
from tests.helpers.jobs import job_request
from tests.helpers.polling import wait_jobs_final

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


def request(n: int, guild: int = 1) -> JobRequest:
    """Automatic job ``n`` in ``guild``, requested (and authored) by user 7."""
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
    storage: Storage,
    pipeline: Pipeline,
    port: JobPort,
    worker_id: str | None = None,
    hearing: HearingDefaults | None = None,
) -> JobRunner:
    """A runner with the real policy (no quotas, ``hearing`` defaults) on ``storage``."""
    defaults = hearing or HearingDefaults()
    policy = Policy(storage, QuotaLimits(0, 0), Consent(storage), hearing=defaults)
    return JobRunner(storage, pipeline, port, policy, FAST, worker_id=worker_id)


async def run_until_final(runner: JobRunner, storage: Storage, ids: list[int]) -> None:
    """Start ``runner``, wait until every job in ``ids`` is final, stop it."""
    runner.start()
    try:
        await wait_jobs_final(storage, ids)
    finally:
        await runner.stop(5)
