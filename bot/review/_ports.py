"""What review needs from the platform and from storage, as narrow protocols.

:class:`ReviewPort` is the chat platform (the Discord layer implements it; a dashboard
reuses it to reflect its actions on the card). :class:`ReviewStore` is the part of storage
review uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.review._view import CardView
from bot.storage import Job, JobRequest, NotePlace, ReviewCard
from bot.storage.ports import (
    AuditLog,
    CardReports,
    CardSearch,
    CardStore,
    JobQueue,
    OptOuts,
    ResultStore,
    SettingsReader,
)


@dataclass(frozen=True)
class NoteFacts:
    """What the platform knows about a note: where it is, who spoke, when, and where its
    jump link points (the original, or the bot's reply for an uploaded file)."""

    place: NotePlace
    author_id: int
    author_name: str
    note_at: datetime
    jump_channel_id: int | None
    jump_message_id: int | None


class ReviewPort(Protocol):
    """The platform side of review. Long rate limits raise :class:`bot.jobs.PlatformBusy`;
    other refusals are logged and answered with None/False, never raised."""

    async def note_facts(self, job: Job) -> NoteFacts | None:
        """Where the job's note is and who spoke; None when that can't be known."""

    async def withheld(self, place: NotePlace, review_channel_id: int) -> bool:
        """Whether some viewer of the review channel cannot see the note's channel (when
        unsure: True)."""

    async def send_card(self, channel_id: int, view: CardView, *, nonce: str) -> int | None:
        """Post a card; its message id, or None when the platform refused."""

    async def find_card(self, channel_id: int, card: ReviewCard) -> int | None:
        """A message of the card posted by an earlier attempt, if the channel shows one."""

    async def edit_card(self, card: ReviewCard, view: CardView) -> None:
        """Show the card's new state in place."""

    async def delete_message(self, channel_id: int, message_id: int) -> None:
        """Delete one of the bot's messages (a card)."""

    async def bot_may_delete(self, place: NotePlace) -> bool:
        """Whether the bot may delete others' messages in the note's channel."""

    async def delete_original(self, card: ReviewCard) -> None:
        """Delete the note's message (a file given to a command has none: its replies go
        with the erasure); raise :class:`bot.review.ReviewRefused` if the platform refuses."""


class NoteEraser(Protocol):
    """The normal erasure of what the bot made of a note (:class:`cogs.erasure.Eraser`):
    its replies and stored results, and, for a message, the tombstone rule for its cards."""

    async def erase_message(self, message_id: int) -> int:
        """A message is gone: erase every job made of it."""

    async def erase_job(self, job: Job) -> None:
        """Erase one job's replies and stored results."""


class JobSubmitter(Protocol):
    """Where reports and re-runs queue their work (:class:`bot.jobs.JobRunner`)."""

    async def submit(self, request: JobRequest) -> tuple[Job, bool]:
        """Record the job and wake a worker."""


class ReviewStore(
    CardStore,
    CardReports,
    CardSearch,
    SettingsReader,
    AuditLog,
    JobQueue,
    ResultStore,
    OptOuts,
    Protocol,
):
    """Cards, reports, search, settings, audit, jobs, results and opt-outs."""
