"""The current shape of every table, as SQLAlchemy Core objects used to build statements.

The tables themselves are created and changed only by :mod:`bot.storage._migrations`; a test
checks that these definitions and the migrated database agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend.

    PostgreSQL stores ``TIMESTAMPTZ``; SQLite stores naive UTC text in a fixed format, so
    comparisons in SQL still order correctly. Naive datetimes are refused on the way in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC (and drop the zone for SQLite); refuse naive values."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("storage only accepts timezone-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Always hand back an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = MetaData()


def _ts(name: str, *, nullable: bool = False) -> Column[Any]:
    return Column(name, UtcDateTime(), nullable=nullable)


schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("description", Text, nullable=False),
    _ts("applied_at"),
)

guild_settings = Table(
    "guild_settings",
    metadata,
    Column("guild_id", BigInteger, primary_key=True, autoincrement=False),
    Column("auto_mode", Text, nullable=False),
    Column("output_mode", Text, nullable=False),
    Column("translate_to", Text, nullable=False),
    Column("reply_style", Text, nullable=False),
    Column("max_duration_s", Float, nullable=True),
    Column("quiet", Boolean, nullable=False),
    Column("review_channel_id", BigInteger, nullable=True),
    Column("exempt_role_ids", Text, nullable=False),
    _ts("updated_at"),
    Column("review_role_id", BigInteger, nullable=True),
    Column("review_cards", Text, nullable=False, default="all"),
    Column("review_min_severity", Text, nullable=False, default="medium"),
    Column("links_enabled", Boolean, nullable=False, default=False),
    Column("transcribe_engine", Text, nullable=True),
    Column("word_timestamps", Boolean, nullable=False, default=False),
    Column("server_context", Text, nullable=True),
)

guild_vocabulary = Table(
    "guild_vocabulary",
    metadata,
    Column("guild_id", BigInteger, primary_key=True, autoincrement=False),
    Column("term_key", Text, primary_key=True),
    Column("term", Text, nullable=False),
    _ts("created_at"),
)

channel_settings = Table(
    "channel_settings",
    metadata,
    Column("channel_id", BigInteger, primary_key=True, autoincrement=False),
    Column("guild_id", BigInteger, nullable=False),
    Column("auto_mode", Text, nullable=False),
    _ts("updated_at"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("dedupe_key", Text, nullable=False, unique=True),
    Column("origin", Text, nullable=False),
    Column("mode", Text, nullable=False),
    Column("options", Text, nullable=False),
    Column("guild_id", BigInteger, nullable=True),
    Column("channel_id", BigInteger, nullable=False),
    Column("message_id", BigInteger, nullable=True),
    Column("attachment_id", BigInteger, nullable=True),
    Column("attachment_url", Text, nullable=True),
    Column("filename", Text, nullable=True),
    Column("author_id", BigInteger, nullable=True),
    Column("requester_id", BigInteger, nullable=False),
    Column("interaction_id", BigInteger, nullable=True),
    Column("interaction_token", Text, nullable=True),
    Column("private", Boolean, nullable=False),
    Column("status", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("error", Text, nullable=True),
    Column("result_key", Text, nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
    Column("claimed_by", Text, nullable=True),
    _ts("lease_until", nullable=True),
    Column("reply_channel_id", BigInteger, nullable=True),
    Column("thread_id", BigInteger, nullable=True),
    Column("result_reused", Boolean, nullable=False, default=False),
    Column("outcome", Text, nullable=True),
    _ts("pause_told_until", nullable=True),
    Column("source_channel_id", BigInteger, nullable=True),
    Column("status_channel_id", BigInteger, nullable=True),
    Column("status_message_id", BigInteger, nullable=True),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column(
        "job_id",
        BigInteger,
        ForeignKey("jobs.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("part", Integer, primary_key=True, autoincrement=False),
    Column("nonce", Text, nullable=False),
    Column("message_id", BigInteger, nullable=False),
    Column("channel_id", BigInteger, nullable=False),
    _ts("created_at"),
)

result_cache = Table(
    "result_cache",
    metadata,
    Column("cache_key", Text, primary_key=True),
    Column("sha256", Text, nullable=False),
    Column("document", Text, nullable=False),
    _ts("created_at"),
    _ts("expires_at"),
)

usage_records = Table(
    "usage_records",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("guild_id", BigInteger, nullable=True),
    Column("user_id", BigInteger, nullable=False),
    Column("audio_s", Float, nullable=False),
    Column("tokens_in", BigInteger, nullable=False),
    Column("tokens_out", BigInteger, nullable=False),
    _ts("created_at"),
    Column("tokens_thought", BigInteger, nullable=False, default=0),
    Column("tokens_cached", BigInteger, nullable=False, default=0),
    Column("service_tier", Text, nullable=False, default="standard"),
    Column("channel_id", BigInteger, nullable=True),
)

gemini_pauses = Table(
    "gemini_pauses",
    metadata,
    Column("model", Text, primary_key=True),
    _ts("resume_at"),
    Column("reason", Text, nullable=False),
    _ts("created_at"),
)

opt_outs = Table(
    "opt_outs",
    metadata,
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    _ts("created_at"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("guild_id", BigInteger, nullable=True),
    Column("actor_id", BigInteger, nullable=False),
    Column("action", Text, nullable=False),
    Column("detail", Text, nullable=False),
    _ts("created_at"),
    Column("card_id", BigInteger, nullable=True),  # a review card the entry is about
    Column("channel_id", BigInteger, nullable=True),  # the channel it touched, if any
)

departed_guilds = Table(
    "departed_guilds",
    metadata,
    Column("guild_id", BigInteger, primary_key=True, autoincrement=False),
    _ts("left_at"),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", Text, primary_key=True),
    Column("user_id", BigInteger, nullable=False),
    Column("user_name", Text, nullable=False),
    Column("guild_ids", Text, nullable=False),
    Column("csrf_token", Text, nullable=False),
    _ts("created_at"),
    _ts("expires_at"),
)

oauth_states = Table(
    "oauth_states",
    metadata,
    Column("state", Text, primary_key=True),
    Column("next_path", Text, nullable=False),
    _ts("expires_at"),
)

review_cards = Table(
    "review_cards",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("guild_id", BigInteger, nullable=False),
    Column("note_key", Text, nullable=False, unique=True),
    Column("channel_id", BigInteger, nullable=False),
    Column("access_channel_id", BigInteger, nullable=False),
    Column("private_thread", Boolean, nullable=False),
    Column("message_id", BigInteger, nullable=True),
    Column("attachment_id", BigInteger, nullable=False),
    Column("jump_channel_id", BigInteger, nullable=True),
    Column("jump_message_id", BigInteger, nullable=True),
    Column("author_id", BigInteger, nullable=False),
    Column("author_name", Text, nullable=False),
    Column("job_id", BigInteger, nullable=True),
    Column("result_key", Text, nullable=True),
    _ts("note_at"),
    Column("duration_s", Float, nullable=True),
    Column("languages", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("emotions", Text, nullable=False),
    Column("search_text", Text, nullable=False),
    Column("severity", Text, nullable=True),
    Column("outcome", Text, nullable=False),
    Column("problem", Text, nullable=True),
    Column("withheld", Boolean, nullable=False),
    Column("flagged", Boolean, nullable=False),
    Column("flag_set_by", BigInteger, nullable=True),
    Column("status", Text, nullable=False),
    Column("reviewed_by", BigInteger, nullable=True),
    _ts("reviewed_at", nullable=True),
    Column("action", Text, nullable=True),
    Column("action_by", BigInteger, nullable=True),
    Column("action_by_name", Text, nullable=True),
    _ts("action_at", nullable=True),
    Column("deleted_by", BigInteger, nullable=True),
    Column("deleted_by_name", Text, nullable=True),
    _ts("deleted_at", nullable=True),
    _ts("gone_at", nullable=True),
    Column("card_channel_id", BigInteger, nullable=True),
    Column("card_message_id", BigInteger, nullable=True),
    Column("post_attempts", Integer, nullable=False, default=0),
    _ts("created_at"),
    _ts("updated_at"),
)

review_flags = Table(
    "review_flags",
    metadata,
    Column(
        "card_id",
        BigInteger,
        ForeignKey("review_cards.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("category", Text, nullable=False),
    Column("severity", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("start_s", Float, nullable=False),
    Column("timestamp", Text, nullable=False),
)

review_reports = Table(
    "review_reports",
    metadata,
    Column(
        "card_id",
        BigInteger,
        ForeignKey("review_cards.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("reporter_id", BigInteger, primary_key=True, autoincrement=False),
    Column("guild_id", BigInteger, nullable=False),
    _ts("created_at"),
)

review_pages = Table(
    "review_pages",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("guild_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("filters", Text, nullable=False),
    _ts("created_at"),
)

rate_slots = Table(
    "rate_slots",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("bucket", Text, nullable=False),
    _ts("taken_at"),
)
