"""The bot's one repository: settings, jobs, deliveries, cached results, usage, opt-outs,
Gemini pauses, the audit log and moderators' review cards, on SQLite (the default) or
PostgreSQL (several bot processes).

No SQL lives anywhere else. Rows are frozen dataclasses, datetimes are timezone-aware UTC,
Discord ids are plain ints. See :class:`Storage`.
"""

from bot.storage._claims import DEFAULT_MAX_ATTEMPTS
from bot.storage._engine import normalize_url
from bot.storage._migrations import LATEST_VERSION
from bot.storage._review_types import (
    SEVERITY_RANK,
    CardAction,
    CardContent,
    CardDraft,
    CardFlag,
    CardOutcome,
    CardQuery,
    CardStatus,
    ListStatus,
    NotePlace,
    ReviewCard,
)
from bot.storage._storage import Storage
from bot.storage._types import (
    DEFAULT_RETENTION_S,
    AuditEntry,
    AutoMode,
    Clock,
    Delivery,
    GuildJobCounts,
    GuildSettings,
    Job,
    JobOutcome,
    JobRequest,
    JobStatus,
    QueueStats,
    RateWindow,
    ReplyStyle,
    ReviewCards,
    ShardSet,
    UsageTotals,
    utc_now,
)
from bot.storage._usage import ChannelUsage, DailyUsage
from bot.storage._vocabulary_repo import VocabularyChange, clean_term, term_key
from bot.storage._web import WebSession

__all__ = [
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_RETENTION_S",
    "LATEST_VERSION",
    "SEVERITY_RANK",
    "AuditEntry",
    "AutoMode",
    "CardAction",
    "CardContent",
    "CardDraft",
    "CardFlag",
    "CardOutcome",
    "CardQuery",
    "CardStatus",
    "ChannelUsage",
    "Clock",
    "DailyUsage",
    "Delivery",
    "GuildJobCounts",
    "GuildSettings",
    "Job",
    "JobOutcome",
    "JobRequest",
    "JobStatus",
    "ListStatus",
    "NotePlace",
    "QueueStats",
    "RateWindow",
    "ReplyStyle",
    "ReviewCard",
    "ReviewCards",
    "ShardSet",
    "Storage",
    "UsageTotals",
    "VocabularyChange",
    "WebSession",
    "clean_term",
    "normalize_url",
    "term_key",
    "utc_now",
]
