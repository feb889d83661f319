"""A job worker as its own OS process, for the multi-process test.

It runs the real JobRunner, policy and pipeline (without a result cache, so every job asks
Gemini) against a shared database and appends each delivered job id to a file. Usage:
``python -m tests.bot.jobs.worker_process DATABASE_URL OUT_FILE AUDIO_FILE MAX_SECONDS``.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

from bot.app import open_pipeline, runner_config_from
from bot.errors import VoiceNoteError
from bot.jobs import Consent, JobRunner, Policy, QuotaLimits
from bot.model import TranscriptDocument
from bot.pipeline import Progress
from bot.settings import Settings
from bot.storage import Job, Storage
from tests.helpers.polling import wait_no_unfinished_jobs


class FilePort:
    """Copies a local file as the download; appends delivered job ids to ``out``."""

    def __init__(self, audio: Path, out: Path) -> None:
        self._audio = audio
        self._out = out

    async def fetch_audio(self, job: Job, destination: Path, max_bytes: int) -> None:
        await asyncio.to_thread(shutil.copyfile, self._audio, destination)

    async def report_progress(self, job: Job, progress: Progress) -> None:
        return None

    async def deliver(self, job: Job, document: TranscriptDocument) -> None:
        with self._out.open("a") as sink:
            sink.write(f"{job.id}\n")

    async def deliver_failure(self, job: Job, error: VoiceNoteError, *, will_retry: bool) -> None:
        with self._out.open("a") as sink:
            sink.write(f"failed {job.id} {type(error).__name__}\n")


async def main(url: str, out: Path, audio: Path, seconds: float) -> None:
    """Work until no job is left unfinished (at most ``seconds``), then stop gracefully."""
    settings = Settings(database_url=url)
    storage = await Storage.open(url)
    policy = Policy(storage, QuotaLimits(0, 0), Consent(storage))
    try:
        async with open_pipeline(settings) as pipeline:
            port = FilePort(audio, out)
            runner = JobRunner(storage, pipeline, port, policy, runner_config_from(settings))
            runner.start()
            try:
                await wait_no_unfinished_jobs(storage, seconds)
            finally:
                await runner.stop(10)
    finally:
        await storage.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4])))
