"""Rows of moderators' review: cards, their flags, what a card shows, list filters.

A card stands for one voice note of one server (its ``note_key``) and keeps its own copy of
what moderators need (summary, flags, emotions), so a tombstone can outlive the transcript.
Every lookup is scoped to a server: an id of another server is simply not found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.model import FlagCategory, Severity


class CardStatus(StrEnum):
    """Whether a moderator marked the card reviewed."""

    UNREVIEWED = "unreviewed"
    REVIEWED = "reviewed"


class CardOutcome(StrEnum):
    """Where the note's processing stands, as the card shows it."""

    PENDING = "pending"  # reported before it had a result: being processed
    PROCESSED = "processed"
    REFUSED = "refused"  # Gemini's safety filters refused it
    FAILED = "failed"  # it could not be processed (``problem`` says why)


class CardAction(StrEnum):
    """The last moderator action, shown in the card's status line."""

    REVIEWED = "reviewed"
    FLAGGED = "flagged"
    UNFLAGGED = "unflagged"


class ListStatus(StrEnum):
    """``/review list status:``."""

    UNREVIEWED = "unreviewed"
    FLAGGED = "flagged"
    REPORTED = "reported"
    REVIEWED = "reviewed"
    ALL = "all"


SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3}


@dataclass(frozen=True)
class CardFlag:
    """One moderation flag as the card keeps it."""

    category: FlagCategory
    severity: Severity
    reason: str
    start_s: float
    timestamp: str


@dataclass(frozen=True)
class CardContent:
    """What a result gives a card: written at creation and on every new result."""

    outcome: CardOutcome
    summary: str = ""
    flags: tuple[CardFlag, ...] = ()
    emotions: tuple[tuple[str, float], ...] = ()  # (emotion, share of the segments)
    languages: tuple[str, ...] = ()
    duration_s: float | None = None
    problem: str | None = None  # why there is no result (neutral words)
    job_id: int | None = None
    result_key: str | None = None  # where the transcript is stored, while it is

    @property
    def severity(self) -> Severity | None:
        """The highest flag severity, if any flag."""
        if not self.flags:
            return None
        return max((flag.severity for flag in self.flags), key=SEVERITY_RANK.__getitem__)

    @property
    def search_text(self) -> str:
        """What text search looks in: the summary and the flags' reasons."""
        return "\n".join([self.summary, *(flag.reason for flag in self.flags)]).strip()


@dataclass(frozen=True)
class NotePlace:
    """Where a note is: its server and channel, the channel whose permissions govern who
    may see it (a thread's parent), and its message (None for a file given to a command)."""

    guild_id: int
    channel_id: int
    access_channel_id: int
    private_thread: bool
    message_id: int | None
    attachment_id: int

    @property
    def note_key(self) -> str:
        """The one card per note: server, message (or ``upload``) and attachment."""
        return f"{self.guild_id}:{self.message_id or 'upload'}:{self.attachment_id}"


@dataclass(frozen=True, kw_only=True)
class CardDraft:
    """A new card: the note, who spoke, when, where its jump link points, and whether its
    content must be withheld in the review channel."""

    place: NotePlace
    author_id: int
    author_name: str
    note_at: datetime
    withheld: bool
    content: CardContent
    jump_channel_id: int | None = None
    jump_message_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class ReviewCard(CardDraft):
    """A stored card: the draft plus moderators' actions and its message (see the module
    docstring)."""

    id: int
    flagged: bool
    flag_set_by: int | None
    status: CardStatus
    reviewed_by: int | None
    reviewed_at: datetime | None
    action: CardAction | None
    action_by: int | None
    action_by_name: str | None
    action_at: datetime | None
    deleted_by: int | None
    deleted_by_name: str | None
    deleted_at: datetime | None
    gone_at: datetime | None
    card_channel_id: int | None
    card_message_id: int | None
    post_attempts: int
    created_at: datetime
    updated_at: datetime
    reporters: tuple[int, ...] = ()

    @property
    def guild_id(self) -> int:
        """The card's server."""
        return self.place.guild_id

    @property
    def tombstone(self) -> bool:
        """Whether the original is gone (the card keeps summary and flags only)."""
        return self.gone_at is not None

    @property
    def reported(self) -> bool:
        """Whether any member reported the note."""
        return bool(self.reporters)

    @property
    def kept_when_gone(self) -> bool:
        """The tombstone rule: a flagged or reported card, or one whose original a
        moderator deleted, outlives its original; any other card goes with it."""
        return self.flagged or self.reported or self.deleted_by is not None


@dataclass(frozen=True)
class CardQuery:
    """Filters of ``/review list`` and export, always within one server and the channels
    the requester can view (``visible``; private threads only under ``private_threads``)."""

    guild_id: int
    visible: frozenset[int]
    private_threads: frozenset[int] = frozenset()
    status: ListStatus = ListStatus.ALL
    author_id: int | None = None
    channel_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    category: FlagCategory | None = None
    words: tuple[str, ...] = field(default=())  # text search, already split into words
