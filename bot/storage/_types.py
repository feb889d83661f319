"""Rows and enums of the storage API: frozen dataclasses, timezone-aware UTC datetimes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bot.model import Mode, Severity
from bot.options import Engine, JobSpec, Origin, OutputMode

Clock = Callable[[], datetime]
"""Returns the current time as a timezone-aware datetime (injectable so tests can move time)."""

DEFAULT_RETENTION_S = 30 * 24 * 3600.0
"""How long finished jobs are kept (and the usual result-cache lifetime): 30 days."""


def utc_now() -> datetime:
    """The real clock: now, in UTC."""
    return datetime.now(UTC)


class AutoMode(StrEnum):
    """Which attachments the bot transcribes on its own in a server or channel."""

    OFF = "off"
    VOICE = "voice"
    ALL_AUDIO = "all"


class ReplyStyle(StrEnum):
    """Where automatic replies go."""

    THREAD = "thread"
    REPLY = "reply"


class ReviewCards(StrEnum):
    """Which processed notes get a card in the review channel."""

    ALL = "all"  # every processed note
    FLAGGED = "flagged"  # only notes with a flag, a refusal or a report


class JobStatus(StrEnum):
    """The life of a job: queued, running, delivering, then one of the three final states."""

    QUEUED = "queued"
    RUNNING = "running"
    DELIVERING = "delivering"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        """True for the states a job never leaves."""
        return self in FINAL_STATUSES


class JobOutcome(StrEnum):
    """Why a job ended the way it did, where its status alone does not say (queryable, e.g.
    for moderators reviewing what Gemini refused)."""

    REFUSED = "refused"  # Gemini's safety filters refused the audio (final, not retried)


FINAL_STATUSES = frozenset({JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED})
ACTIVE_STATUSES = frozenset({JobStatus.RUNNING, JobStatus.DELIVERING})
UNFINISHED_STATUSES = frozenset({JobStatus.QUEUED, *ACTIVE_STATUSES})


@dataclass(frozen=True)
class GuildSettings:
    """Per-server settings; the defaults apply to a server that never changed anything."""

    guild_id: int
    auto_mode: AutoMode = AutoMode.VOICE
    output_mode: OutputMode = OutputMode.BOTH
    translate_to: str = "English"
    reply_style: ReplyStyle = ReplyStyle.THREAD
    max_duration_s: float | None = None
    quiet: bool = False
    review_channel_id: int | None = None  # review is on while a channel is set
    exempt_role_ids: tuple[int, ...] = ()
    links_enabled: bool = False  # video links (YouTube) on /transcribe, /summarize, /ask
    transcribe_engine: Engine | None = None  # None: the bot's TRANSCRIBE_ENGINE
    word_timestamps: bool = False  # the speech engine's word timing (experimental, opt-in)
    server_context: str | None = None  # one short paragraph about the server, for Gemini
    review_role_id: int | None = None  # the moderator role (admitted to /review, pinged)
    review_cards: ReviewCards = ReviewCards.ALL
    review_min_severity: Severity = Severity.MEDIUM  # the lowest flag severity that pings

    @property
    def review_on(self) -> bool:
        """Whether moderators' review is on (a review channel is set)."""
        return self.review_channel_id is not None


@dataclass(frozen=True, kw_only=True)
class JobRequest:
    """Everything needed to run and answer one request, written before any work starts.

    ``dedupe_key`` identifies the request (e.g. ``auto:<message>:<attachment>`` or
    ``slash:<interaction>``): submitting the same key twice yields the same job.
    ``interaction_token`` is short-lived, kept out of ``repr`` and must never be logged.
    """

    dedupe_key: str
    origin: Origin
    spec: JobSpec
    channel_id: int
    requester_id: int
    guild_id: int | None = None
    message_id: int | None = None
    attachment_id: int | None = None
    attachment_url: str | None = None
    filename: str | None = None
    author_id: int | None = None
    interaction_id: int | None = None
    interaction_token: str | None = field(default=None, repr=False)
    private: bool = False
    source_channel_id: int | None = None  # where the message is, when not ``channel_id``

    def __post_init__(self) -> None:
        if not self.dedupe_key.strip():
            raise ValueError("a job needs a non-empty dedupe_key")
        object.__setattr__(self, "origin", Origin(self.origin))

    @property
    def mode(self) -> Mode:
        """What the job asks for."""
        return self.spec.mode


@dataclass(frozen=True, kw_only=True)
class Job(JobRequest):
    """A stored job: the request plus its progress."""

    id: int
    status: JobStatus
    attempts: int
    error: str | None
    result_key: str | None
    created_at: datetime
    updated_at: datetime
    claimed_by: str | None
    lease_until: datetime | None
    reply_channel_id: int | None
    thread_id: int | None
    result_reused: bool = False  # the result came from the cache: this job spent nothing
    outcome: JobOutcome | None = None
    pause_told_until: datetime | None = None  # the Gemini pause its requester was told of
    # Its "Queued"/progress message, when posted with the bot's token (a later run of the
    # bot can then edit or remove it); both None otherwise.
    status_channel_id: int | None = None
    status_message_id: int | None = None


@dataclass(frozen=True)
class Delivery:
    """One message part already posted for a job (posted with a deterministic nonce)."""

    job_id: int
    part: int
    nonce: str
    message_id: int
    channel_id: int
    created_at: datetime


@dataclass(frozen=True)
class UsageTotals:
    """Sums over usage records: how many requests, audio seconds and tokens.

    ``tokens_out`` excludes ``tokens_thought`` (both billed as output); ``tokens_cached`` is
    the part of ``tokens_in`` Gemini served from its cache; ``flex`` the part served (and
    billed at its price) on the flex tier.
    """

    requests: int = 0
    audio_s: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0
    tokens_thought: int = 0
    tokens_cached: int = 0
    flex: UsageTotals | None = None  # the part of these served on the flex tier, if any


@dataclass(frozen=True)
class AuditEntry:
    """One audit log line: who did what, where, with a JSON-able detail."""

    id: int
    guild_id: int | None
    actor_id: int
    action: str
    detail: dict[str, Any]
    created_at: datetime
    card_id: int | None = None  # the review card it is about
    channel_id: int | None = None  # the channel it touched


@dataclass(frozen=True)
class QueueStats:
    """The queue right now, across every process: jobs waiting, jobs being worked on, and
    since when the job longest in the queue has waited there (queued or put back)."""

    queued: int = 0
    running: int = 0
    oldest_queued_at: datetime | None = None


@dataclass(frozen=True)
class GuildJobCounts:
    """One server's jobs: waiting and running now, done and failed since a moment."""

    waiting: int = 0
    running: int = 0
    done: int = 0
    failed: int = 0


@dataclass(frozen=True)
class RateWindow:
    """A sliding window of request slots: how many are taken, and when the oldest of them
    leaves the window (None when none is taken)."""

    used: int
    oldest_leaves_at: datetime | None


@dataclass(frozen=True)
class ShardSet:
    """The Discord shards one process runs (``ids`` of ``count``): its workers claim the
    jobs of those shards' servers only, since only that process has those servers in its
    cache (needed to check permissions before asking Discord). DMs belong to shard 0."""

    ids: tuple[int, ...]
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not self.ids or any(not 0 <= i < self.count for i in self.ids):
            raise ValueError("shard ids must be between 0 and the shard count - 1")
