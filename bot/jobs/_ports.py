"""What the job runner needs from the outside world, as narrow protocols.

:class:`JobPort` is the chat platform (the Discord layer implements it), :class:`JobStore`
the part of storage the runner uses, :class:`JobPolicy` the rules applied before money is
spent (:class:`bot.jobs.Policy`). Each consumer states what it uses, so a test or a new
platform implements only that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from bot.audio import AudioLimits
from bot.errors import VoiceNoteError, quota_resume_text
from bot.model import TranscriptDocument
from bot.options import Hearing
from bot.pipeline import Progress
from bot.storage import Job
from bot.storage.ports import GeminiPauses, JobClaims, JobQueue, ResultStore, UsageLedger


class SourceGone(VoiceNoteError):
    """The message or attachment disappeared before the job could read it."""


class QueuedForGemini(VoiceNoteError):
    """Not a failure: the job waits, queued, for Gemini's daily quota to reset at
    ``resume_at``; told once to its requester (``deliver_failure(..., will_retry=True)``),
    whose note is processed automatically then."""

    def __init__(self, resume_at: datetime) -> None:
        self.resume_at = resume_at
        super().__init__(
            "Gemini's daily quota for this bot is used up; your note is queued and will be "
            f"processed after {quota_resume_text(resume_at)}."
        )


class PlatformBusy(VoiceNoteError):
    """The chat platform asked to wait ``retry_after_s`` before the job's next request (a
    long rate limit). Nothing is lost: the job goes back to the queue with its result and is
    retried after the wait, without a word to the person (the reply is only late)."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(
            "Discord kept asking me to slow down, so I couldn't finish this; "
            "please try again later."
        )
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class WorkerLoad:
    """How many workers this runner has started, and how many are running a job."""

    workers: int
    busy: int

    @property
    def idle(self) -> int:
        """Workers waiting for a job."""
        return self.workers - self.busy


class JobPort(Protocol):
    """What a job needs from the chat platform."""

    async def fetch_audio(self, job: Job, destination: Path, max_bytes: int) -> None:
        """Write the job's audio to ``destination`` (raise AudioTooLarge past max_bytes,
        SourceGone when it no longer exists)."""

    async def report_progress(self, job: Job, progress: Progress) -> None:
        """Show how far the job is (edited in place; may do nothing for short jobs)."""

    async def deliver(self, job: Job, document: TranscriptDocument) -> None:
        """Post the result. Must be idempotent: a retried delivery posts nothing twice.
        Raise PlatformBusy (here or in ``fetch_audio``) to be retried after a wait."""

    async def deliver_failure(self, job: Job, error: VoiceNoteError, *, will_retry: bool) -> None:
        """Tell the requester, in plain words, why there is no result (yet)."""


class JobPolicy(Protocol):
    """Rules applied to a job before money is spent (see :class:`bot.jobs.Policy`)."""

    async def check_start(self, job: Job) -> None:
        """Raise a VoiceNoteError (e.g. OptedOut) to drop a job before any work starts."""

    async def limits_for(self, job: Job, limits: AudioLimits) -> AudioLimits:
        """``limits`` as they apply to this job (a server may lower the maximum duration)."""

    async def admit(self, job: Job, audio_s: float) -> None:
        """Raise a VoiceNoteError (e.g. QuotaExceeded) to refuse ``audio_s`` of Gemini time."""

    async def hearing_for(self, job: Job) -> Hearing:
        """How the job's audio is heard (engine, server vocabulary and context, tier)."""


class JobStore(JobQueue, JobClaims, ResultStore, UsageLedger, GeminiPauses, Protocol):
    """The job rows, their claims and results, usage records and Gemini pauses."""
