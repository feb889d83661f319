"""Storage's capabilities as narrow protocols: each consumer states the ones it uses.

:class:`bot.storage.Storage` implements all of them; a consumer (the job runner, the
policy, a cog) asks for the combination it needs, e.g. ``class DeliveryStore(DeliveryLog,
ReplyTargets, SettingsReader, Protocol)``, so what it can touch is visible in its signature
and a test double implements only that. Each method is declared here once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from bot.storage._review_ports import CardReports, CardSearch, CardStore, ReviewStats
from bot.storage._types import (
    AuditEntry,
    AutoMode,
    Delivery,
    GuildJobCounts,
    GuildSettings,
    Job,
    JobOutcome,
    JobRequest,
    JobStatus,
    QueueStats,
    RateWindow,
    ShardSet,
    UsageTotals,
)
from bot.storage._usage import ChannelUsage, DailyUsage
from bot.storage._vocabulary_repo import VocabularyChange
from bot.storage._web import WebSession


class SettingsReader(Protocol):
    """Server settings and per-channel automatic modes."""

    async def guild_settings(self, guild_id: int) -> GuildSettings:
        """A server's settings; the defaults when it never changed any."""

    async def channel_auto_mode(self, channel_id: int) -> AutoMode | None:
        """The channel's own automatic mode, or None when it follows the server's."""


class SettingsWriter(Protocol):
    """Changing server and channel settings."""

    async def update_guild_settings(self, guild_id: int, **changes: Any) -> GuildSettings:
        """Change some settings of a server and return all of them."""

    async def set_exempt_role(self, guild_id: int, role_id: int, *, exempt: bool) -> GuildSettings:
        """Add one quota-exempt role or take it out (atomically); all the settings after."""

    async def set_channel_auto_mode(
        self, guild_id: int, channel_id: int, mode: AutoMode | None
    ) -> None:
        """Override the server's automatic mode in one channel (None: follow the server)."""


class OptOuts(Protocol):
    """Members who asked the bot to leave their audio alone."""

    async def is_opted_out(self, user_id: int) -> bool:
        """True when the user opted out."""

    async def set_opt_out(self, user_id: int, opted_out: bool) -> None:
        """Record (or withdraw) a user's opt-out."""


class AuditLog(Protocol):
    """Who changed what."""

    async def audit(
        self,
        guild_id: int | None,
        actor_id: int,
        action: str,
        detail: dict[str, Any],
        *,
        card_id: int | None = None,
        channel_id: int | None = None,
    ) -> None:
        """Append an audit entry (ids only, never secrets or text), tied to a review card
        and a channel when it is about them."""

    async def audit_log(self, guild_id: int | None, limit: int = 50) -> list[AuditEntry]:
        """The newest audit entries of a server."""


class JobQueue(Protocol):
    """Job rows: submitting, reading and moving them."""

    async def submit_job(self, req: JobRequest) -> tuple[Job, bool]:
        """Insert the job, or get the one stored under its dedupe key; ``(job, created)``."""

    async def get_job(self, job_id: int) -> Job | None:
        """The job with this id, or None."""

    async def set_job_status(
        self,
        job_id: int,
        status: JobStatus,
        *,
        error: str | None = None,
        result_key: str | None = None,
        result_reused: bool = False,
        worker_id: str | None = None,
        outcome: JobOutcome | None = None,
        refund_attempt: bool = False,
    ) -> bool:
        """Move a job to ``status`` (only while ``worker_id`` holds it, when given);
        ``refund_attempt`` gives back the attempt its claim counted."""

    async def queue_position(self, job_id: int) -> int:
        """How many queued jobs were submitted before this one."""

    async def jobs_for_message(self, message_id: int) -> list[Job]:
        """Every job made from one message."""

    async def unfinished_jobs(self) -> list[Job]:
        """Queued, running and delivering jobs, oldest first."""


class JobClaims(Protocol):
    """Workers claiming jobs with leases."""

    async def claim_next_job(
        self,
        worker_id: str,
        *,
        lease_s: float,
        max_attempts: int = ...,
        gemini_model: str | None = None,
        shards: ShardSet | None = None,
    ) -> Job | None:
        """Claim the next job for ``worker_id``, or None when there is nothing to do (with
        ``gemini_model``: no job that still needs Gemini while that model is paused; with
        ``shards``: only jobs of servers on those shards)."""

    async def renew_lease(self, job_id: int, worker_id: str, lease_s: float) -> bool:
        """Extend the worker's lease; False when it no longer holds the job."""

    async def give_up_exhausted(
        self, *, max_attempts: int = ..., shards: ShardSet | None = None
    ) -> list[Job]:
        """Fail the jobs (of ``shards``) whose worker died too often; each returned to
        exactly one caller."""


class DeliveryLog(Protocol):
    """The message parts already posted for each job."""

    async def record_delivery(
        self, job_id: int, part: int, nonce: str, message_id: int, channel_id: int
    ) -> None:
        """Record that part ``part`` was posted (the first record of a part wins)."""

    async def deliveries(self, job_id: int) -> list[Delivery]:
        """The parts already posted for a job, in part order."""

    async def forget_posts(self, job_id: int) -> None:
        """Forget a job's posted parts and thread (they were deleted)."""


class ReplyTargets(Protocol):
    """Where each job's answer goes."""

    async def set_job_reply_target(
        self, job_id: int, *, reply_channel_id: int | None, thread_id: int | None
    ) -> None:
        """Remember the channel, and the thread once made."""


class StatusMessages(Protocol):
    """Each job's status message, so a later run of the bot can edit or remove it."""

    async def set_job_status_message(
        self, job_id: int, *, channel_id: int | None, message_id: int | None
    ) -> None:
        """Remember the job's status message (None, None: it is gone)."""


class ResultStore(Protocol):
    """Stored result documents by key."""

    async def save_result(
        self, key: str, document: dict[str, Any], *, sha256: str, ttl_s: float
    ) -> None:
        """Store (or replace) a result under ``key``, readable for ``ttl_s`` seconds."""

    async def load_result(self, key: str) -> dict[str, Any] | None:
        """The stored document, or None when missing or expired."""

    async def forget_results(self, *, keys: list[str], sha256: str | None = None) -> int:
        """Delete results by key and, with ``sha256``, every result of that audio."""


class UsageLedger(Protocol):
    """What was spent, by whom and where."""

    async def add_usage(
        self,
        *,
        guild_id: int | None,
        user_id: int,
        audio_s: float,
        tokens_in: int,
        tokens_out: int,
        tokens_thought: int = 0,
        tokens_cached: int = 0,
        service_tier: str = "standard",
        channel_id: int | None = None,
    ) -> None:
        """Record one processed job (or the tokens a failed attempt spent), per tier."""

    async def usage_since(
        self, *, since: datetime, guild_id: int | None = None, user_id: int | None = None
    ) -> UsageTotals:
        """Totals recorded at or after ``since``, for a server and/or a user."""


class GeminiPauses(Protocol):
    """Pauses of Gemini work per model (a used-up daily quota), obeyed by every process."""

    async def pause_gemini(self, model: str, *, resume_at: datetime, reason: str) -> None:
        """Pause work for ``model`` until ``resume_at`` (pauses only ever extend)."""

    async def gemini_paused_until(self, model: str) -> datetime | None:
        """When work for ``model`` may resume; None when it is not paused."""

    async def claim_pause_notices(
        self, resume_at: datetime, *, shards: ShardSet | None = None
    ) -> list[Job]:
        """Queued jobs (of ``shards``) waiting for Gemini not yet told of the pause ending
        at ``resume_at``; each returned to exactly one caller."""


class Vocabulary(Protocol):
    """A server's vocabulary terms (names and jargon Gemini should spell right)."""

    async def vocabulary(self, guild_id: int) -> tuple[str, ...]:
        """A server's terms, in a stable (alphabetical) order."""

    async def add_vocabulary(self, guild_id: int, terms: list[str]) -> VocabularyChange:
        """Add terms (InvalidOptions past the limit or for a malformed term: none added)."""

    async def remove_vocabulary(self, guild_id: int, term: str) -> bool:
        """Remove a term (any case); False when there was none."""


class Retention(Protocol):
    """Forgetting what is older than the retention period."""

    async def purge_expired(self) -> int:
        """Delete expired results, old finished jobs and old audit entries; how many."""

    async def purge_review(self) -> int:
        """Delete review cards and tombstones older than retention; how many."""

    async def purge_web_state(self) -> int:
        """Delete lapsed dashboard sessions and logins in progress; how many rows went."""


class Erasure(Protocol):
    """Wholesale erasure: servers the bot left, a member's notes."""

    async def mark_guild_departed(self, guild_id: int) -> None:
        """Start a server's grace period."""

    async def clear_guild_departed(self, guild_id: int) -> None:
        """The bot is back: cancel the erasure."""

    async def guild_departed_at(self, guild_id: int) -> datetime | None:
        """When the bot left a server it has not come back to, or None."""

    async def erase_departed_guilds(self, grace_s: float) -> list[int]:
        """Erase the servers left more than ``grace_s`` ago; their ids."""

    async def jobs_of_author(self, user_id: int) -> list[Job]:
        """Every job made from one member's notes."""

    async def erase_jobs(self, job_ids: list[int]) -> None:
        """Delete jobs and every result of their audio."""


class UsageBreakdown(Protocol):
    """A server's usage by day and by channel (the dashboard's charts)."""

    async def usage_by_day(self, *, guild_id: int, since: datetime) -> list[DailyUsage]:
        """Totals per UTC day at or after ``since``, oldest first (days without usage absent)."""

    async def usage_by_channel(
        self, *, guild_id: int, since: datetime, limit: int = 10
    ) -> list[ChannelUsage]:
        """The channels that used the most audio since ``since``, most first."""


class WebSessions(Protocol):
    """The dashboard's sessions and OAuth2 logins in progress."""

    async def create_web_session(
        self,
        id_hash: str,
        *,
        user_id: int,
        user_name: str,
        guild_ids: tuple[int, ...],
        csrf_token: str,
        ttl_s: float,
    ) -> None:
        """Store a new session."""

    async def web_session(self, id_hash: str) -> WebSession | None:
        """The live session under ``id_hash``, or None."""

    async def end_web_session(self, id_hash: str) -> None:
        """Log out everywhere."""

    async def save_oauth_state(self, state: str, *, next_path: str, ttl_s: float) -> None:
        """Remember a login in progress."""

    async def take_oauth_state(self, state: str) -> str | None:
        """Use up a login state; its ``next`` path, or None."""


class Health(Protocol):
    """Whether the database answers."""

    async def ping(self) -> None:
        """One round trip to the database (raises when it does not answer)."""


class JobStats(Protocol):
    """Summaries of the jobs, for operators and admins."""

    async def queue_stats(self) -> QueueStats:
        """Queued and running jobs of every process, and when the oldest queued one entered
        the queue."""

    async def guild_job_counts(self, guild_id: int, *, since: datetime) -> GuildJobCounts:
        """One server's jobs waiting and running now, done and failed since ``since``."""


class RateSlots(Protocol):
    """Request slots in a sliding window, shared by every process (one rate limit)."""

    async def take_rate_slot(self, bucket: str, *, limit: int, window_s: float) -> float:
        """Take a slot if fewer than ``limit`` were taken in the last ``window_s`` seconds:
        0.0 when taken, else the seconds to wait before asking again."""

    async def rate_window(self, bucket: str, *, window_s: float) -> RateWindow:
        """Slots taken in the last ``window_s`` seconds, and when the oldest leaves."""


__all__ = [
    "AuditLog",
    "CardReports",
    "CardSearch",
    "CardStore",
    "DeliveryLog",
    "Erasure",
    "GeminiPauses",
    "Health",
    "JobClaims",
    "JobQueue",
    "JobStats",
    "OptOuts",
    "RateSlots",
    "ReplyTargets",
    "ResultStore",
    "Retention",
    "ReviewStats",
    "SettingsReader",
    "SettingsWriter",
    "StatusMessages",
    "UsageBreakdown",
    "UsageLedger",
    "WebSessions",
]
