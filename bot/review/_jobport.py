"""Review's place in a job's life: a :class:`bot.jobs.JobPort` wrapped around the
platform's, so every job, whatever its entry point, feeds the cards.

* An ordinary job is delivered as before, then its note's card is made or updated.
* A ``report`` job's only output is its card: no reply, no progress, no reaction, nothing
  in the source channel; its reporter was answered when they reported.
* A ``rerun`` job updates the card, and its moderator gets the new result privately; one
  asked for on the dashboard (no interaction to answer) leaves only the card, like a report.

Making a card is best effort for the member's sake (their reply is already out), except a
long platform rate limit (:class:`bot.jobs.PlatformBusy`), which sends the job back to the
queue with its result: its reply parts are recorded, so the retry posts only the card.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from pathlib import Path

from bot.errors import VoiceNoteError
from bot.jobs import JobPort, PlatformBusy
from bot.model import TranscriptDocument
from bot.options import Origin
from bot.pipeline import Progress
from bot.review._intake import NoteIntake
from bot.storage import Job

log = logging.getLogger(__name__)


def card_only(job: Job) -> bool:
    """Whether the job's only output is its card (see the module docstring)."""
    web_rerun = job.origin is Origin.RERUN and job.interaction_token is None
    return job.origin is Origin.REPORT or web_rerun


class ReviewedPort:
    """A :class:`bot.jobs.JobPort` feeding review (see the module docstring)."""

    def __init__(self, inner: JobPort, intake: NoteIntake) -> None:
        self._inner = inner
        self._intake = intake

    async def fetch_audio(self, job: Job, destination: Path, max_bytes: int) -> None:
        """The platform's download."""
        await self._inner.fetch_audio(job, destination, max_bytes)

    async def report_progress(self, job: Job, progress: Progress) -> None:
        """Progress, except for a card-only job (it leaves no trace)."""
        if not card_only(job):
            await self._inner.report_progress(job, progress)

    async def deliver(self, job: Job, document: TranscriptDocument) -> None:
        """The reply (not for a card-only job), then the card."""
        if not card_only(job):
            await self._inner.deliver(job, document)
        await self._carefully(job, self._intake.delivered(job, document))

    async def deliver_failure(self, job: Job, error: VoiceNoteError, *, will_retry: bool) -> None:
        """The requester is told (not for a card-only job); a final failure reaches the
        card."""
        if not card_only(job):
            await self._inner.deliver_failure(job, error, will_retry=will_retry)
        if not will_retry:
            await self._carefully(job, self._intake.failed(job, error))

    async def _carefully(self, job: Job, step: Awaitable[None]) -> None:
        try:
            await step
        except PlatformBusy:
            raise
        except Exception:  # the card is not worth the member's reply or a crashed worker
            log.exception("job %d: its review card could not be updated", job.id)
