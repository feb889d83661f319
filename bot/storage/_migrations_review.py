"""Migration 5's statements, moderators' review (kept apart to keep
:mod:`bot.storage._migrations` short; the steps themselves are listed there)."""

from __future__ import annotations

_V5_REVIEW = (
    "ALTER TABLE guild_settings ADD COLUMN review_role_id BIGINT",
    "ALTER TABLE guild_settings ADD COLUMN review_cards TEXT NOT NULL DEFAULT 'all'",
    "ALTER TABLE guild_settings ADD COLUMN review_min_severity TEXT NOT NULL DEFAULT 'medium'",
    """CREATE TABLE review_cards (
        id {pk},
        guild_id BIGINT NOT NULL,
        note_key TEXT NOT NULL UNIQUE,
        channel_id BIGINT NOT NULL,
        access_channel_id BIGINT NOT NULL,
        private_thread BOOLEAN NOT NULL,
        message_id BIGINT,
        attachment_id BIGINT NOT NULL,
        jump_channel_id BIGINT,
        jump_message_id BIGINT,
        author_id BIGINT NOT NULL,
        author_name TEXT NOT NULL,
        job_id BIGINT,
        result_key TEXT,
        note_at {ts} NOT NULL,
        duration_s DOUBLE PRECISION,
        languages TEXT NOT NULL,
        summary TEXT NOT NULL,
        emotions TEXT NOT NULL,
        search_text TEXT NOT NULL,
        severity TEXT,
        outcome TEXT NOT NULL,
        problem TEXT,
        withheld BOOLEAN NOT NULL,
        flagged BOOLEAN NOT NULL,
        flag_set_by BIGINT,
        status TEXT NOT NULL,
        reviewed_by BIGINT,
        reviewed_at {ts},
        action TEXT,
        action_by BIGINT,
        action_by_name TEXT,
        action_at {ts},
        deleted_by BIGINT,
        deleted_by_name TEXT,
        deleted_at {ts},
        gone_at {ts},
        card_channel_id BIGINT,
        card_message_id BIGINT,
        post_attempts INTEGER NOT NULL DEFAULT 0,
        created_at {ts} NOT NULL,
        updated_at {ts} NOT NULL
    )""",
    "CREATE INDEX ix_review_cards_guild_note ON review_cards (guild_id, note_at, id)",
    "CREATE INDEX ix_review_cards_message ON review_cards (message_id)",
    "CREATE INDEX ix_review_cards_author ON review_cards (author_id)",
    "CREATE INDEX ix_review_cards_created ON review_cards (created_at)",
    """CREATE TABLE review_flags (
        card_id BIGINT NOT NULL REFERENCES review_cards (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        category TEXT NOT NULL,
        severity TEXT NOT NULL,
        reason TEXT NOT NULL,
        start_s DOUBLE PRECISION NOT NULL,
        timestamp TEXT NOT NULL,
        PRIMARY KEY (card_id, position)
    )""",
    "CREATE INDEX ix_review_flags_category ON review_flags (category, card_id)",
    """CREATE TABLE review_reports (
        card_id BIGINT NOT NULL REFERENCES review_cards (id) ON DELETE CASCADE,
        reporter_id BIGINT NOT NULL,
        guild_id BIGINT NOT NULL,
        created_at {ts} NOT NULL,
        PRIMARY KEY (card_id, reporter_id)
    )""",
    "CREATE INDEX ix_review_reports_reporter ON review_reports (guild_id, reporter_id, created_at)",
    """CREATE TABLE review_pages (
        id {pk},
        guild_id BIGINT NOT NULL,
        user_id BIGINT NOT NULL,
        filters TEXT NOT NULL,
        created_at {ts} NOT NULL
    )""",
    "ALTER TABLE audit_log ADD COLUMN card_id BIGINT",
    "ALTER TABLE audit_log ADD COLUMN channel_id BIGINT",
    "CREATE INDEX ix_audit_guild_created ON audit_log (guild_id, created_at)",
    "CREATE INDEX ix_audit_created ON audit_log (created_at)",
)
# Text search over summaries and flag reasons (see bot.storage._review_search for why):
# SQLite's FTS5 as an external-content index kept in step by triggers, PostgreSQL's full-text
# search over the same column with a GIN index. Both tokenise words without stemming.
_V5_SEARCH = {
    "sqlite": (
        """CREATE VIRTUAL TABLE review_search USING fts5(
            search_text, content='review_cards', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2'
        )""",
        """CREATE TRIGGER review_search_insert AFTER INSERT ON review_cards BEGIN
            INSERT INTO review_search (rowid, search_text) VALUES (new.id, new.search_text);
        END""",
        """CREATE TRIGGER review_search_delete AFTER DELETE ON review_cards BEGIN
            INSERT INTO review_search (review_search, rowid, search_text)
            VALUES ('delete', old.id, old.search_text);
        END""",
        """CREATE TRIGGER review_search_update AFTER UPDATE OF search_text ON review_cards BEGIN
            INSERT INTO review_search (review_search, rowid, search_text)
            VALUES ('delete', old.id, old.search_text);
            INSERT INTO review_search (rowid, search_text) VALUES (new.id, new.search_text);
        END""",
    ),
    "postgresql": (
        """CREATE INDEX ix_review_cards_search ON review_cards
            USING GIN (to_tsvector('simple', search_text))""",
    ),
}
