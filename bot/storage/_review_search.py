"""Finding review cards: ``/review list`` filters and pages, text search, export, the
audit entries of a period, and the retention of everything review keeps.

Text search uses each backend's own full-text index, not ``LIKE``: SQLite's FTS5 (an
external-content index over ``review_cards.search_text``, kept in step by triggers) and
PostgreSQL's full-text search (``to_tsvector('simple', ...)`` with a GIN index). Both are
built in (no extension, no extra service), match whole words at index speed however many
cards a server keeps, and are told to behave alike: words are tokenised without a
language's stemmer (summaries are written in whatever language a server translates to, so
an English stemmer would be wrong for many servers), every word the moderator types must
appear, and each may be the start of a longer word (``threat`` finds ``threatened``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
)

from bot.storage._base import RepoBase, dump_json, fetch_one, load_json
from bot.storage._records import audit_entry
from bot.storage._review_rows import hydrate
from bot.storage._review_types import CardQuery, CardStatus, ListStatus, ReviewCard
from bot.storage._schema import audit_log, review_cards, review_flags, review_pages, review_reports
from bot.storage._types import AuditEntry

cards = review_cards.c
PAGE_QUERY_TTL = timedelta(days=1)


def search_expression(dialect: str, words: tuple[str, ...]) -> ColumnElement[bool]:
    """Cards whose summary or flag reasons contain every word (as a word prefix). ``words``
    hold letters and digits only (see :func:`bot.review.search_words`), so nothing in them
    is query syntax; they are passed as bound parameters all the same."""
    if dialect == "postgresql":
        query = " & ".join(f"{word}:*" for word in words)
        vector = func.to_tsvector(literal_column("'simple'"), cards.search_text)
        tsquery = func.to_tsquery(literal_column("'simple'"), query)
        return vector.bool_op("@@")(tsquery)
    query = " ".join(f'"{word}"*' for word in words)
    matching = text("SELECT rowid FROM review_search WHERE review_search MATCH :q").bindparams(
        q=query
    )
    return cards.id.in_(matching)


def _status(status: ListStatus) -> ColumnElement[bool] | None:
    reported = exists().where(review_reports.c.card_id == cards.id)
    return {
        ListStatus.UNREVIEWED: cards.status == CardStatus.UNREVIEWED.value,
        ListStatus.REVIEWED: cards.status == CardStatus.REVIEWED.value,
        ListStatus.FLAGGED: cards.flagged.is_(True),
        ListStatus.REPORTED: reported,
        ListStatus.ALL: None,
    }[status]


def _visible(query: CardQuery) -> ColumnElement[bool]:
    """Only notes of channels the requester can view; private threads only where they
    may see every private thread (Manage Threads)."""
    if not query.visible:
        return false()
    public = and_(cards.access_channel_id.in_(query.visible), cards.private_thread.is_(False))
    if not query.private_threads:
        return public
    private = and_(
        cards.access_channel_id.in_(query.private_threads), cards.private_thread.is_(True)
    )
    return or_(public, private)


def _conditions(query: CardQuery, dialect: str) -> list[ColumnElement[bool]]:
    where = [cards.guild_id == query.guild_id, _visible(query)]
    optional = [
        _status(query.status),
        None if query.author_id is None else cards.author_id == query.author_id,
        None if query.since is None else cards.note_at >= query.since,
        None if query.until is None else cards.note_at < query.until,
        None if not query.words else search_expression(dialect, query.words),
    ]
    if query.channel_id is not None:
        optional.append(
            or_(cards.channel_id == query.channel_id, cards.access_channel_id == query.channel_id)
        )
    if query.category is not None:
        flags = review_flags.c
        optional.append(
            exists().where(flags.card_id == cards.id, flags.category == query.category.value)
        )
    return where + [condition for condition in optional if condition is not None]


class ReviewSearchRepo(RepoBase):
    """Listing, searching and exporting cards; audit entries of a period; review retention."""

    def _selected(self, query: CardQuery) -> Select[Any]:
        return select(review_cards).where(*_conditions(query, self.dialect))

    async def list_cards(
        self, query: CardQuery, *, offset: int, limit: int
    ) -> tuple[list[ReviewCard], int]:
        """One page of matching cards, newest note first, and how many match in all."""
        selected = self._selected(query)
        count = select(func.count()).select_from(selected.subquery())
        page = selected.order_by(cards.note_at.desc(), cards.id.desc()).offset(offset).limit(limit)
        async with self._read() as conn:
            total = int((await conn.execute(count)).scalar_one())
            rows = (await conn.execute(page)).all()
            return await hydrate(conn, list(rows)), total

    async def export_cards(self, query: CardQuery) -> list[ReviewCard]:
        """Every matching card, oldest note first (for an export)."""
        stmt = self._selected(query).order_by(cards.note_at, cards.id)
        async with self._read() as conn:
            rows = (await conn.execute(stmt)).all()
            return await hydrate(conn, list(rows))

    async def audit_entries(
        self,
        guild_id: int,
        *,
        since: datetime | None,
        until: datetime | None,
        visible: frozenset[int],
    ) -> list[AuditEntry]:
        """A server's audit entries of a period, oldest first, leaving out entries about a
        channel outside ``visible`` (entries about no channel, such as settings, stay)."""
        log = audit_log.c
        stmt = select(audit_log).where(
            log.guild_id == guild_id, or_(log.channel_id.is_(None), log.channel_id.in_(visible))
        )
        if since is not None:
            stmt = stmt.where(log.created_at >= since)
        if until is not None:
            stmt = stmt.where(log.created_at < until)
        async with self._read() as conn:
            rows = (await conn.execute(stmt.order_by(log.created_at, log.id))).all()
        return [audit_entry(row) for row in rows]

    async def save_page_query(self, guild_id: int, user_id: int, filters: dict[str, Any]) -> int:
        """Keep a ``/review list`` query for its Previous/Next buttons (any process, after a
        restart); its id goes in their custom ids."""
        values = {
            "guild_id": guild_id,
            "user_id": user_id,
            "filters": dump_json(filters),
            "created_at": self._now(),
        }
        async with self._write() as conn:
            row = await fetch_one(
                conn, review_pages.insert().values(**values).returning(review_pages.c.id)
            )
        return int(row.id)

    async def page_query(self, guild_id: int, query_id: int) -> tuple[int, dict[str, Any]] | None:
        """A kept query of this server: who made it and its filters; None when unknown,
        another server's, or older than a day."""
        pages = review_pages.c
        stmt = select(review_pages).where(
            pages.id == query_id,
            pages.guild_id == guild_id,
            pages.created_at > self._now() - PAGE_QUERY_TTL,
        )
        async with self._read() as conn:
            row = await fetch_one(conn, stmt)
        return None if row is None else (int(row.user_id), load_json(row.filters))

    async def purge_review(self) -> int:
        """Retention for review: cards and tombstones made before the retention period (with
        their flags and reports), and list queries past a day; how many cards went."""
        now = self._now()
        cutoff = now - timedelta(seconds=self._retention_s)
        async with self._write() as conn:
            removed = await conn.execute(delete(review_cards).where(cards.created_at < cutoff))
            await conn.execute(
                delete(review_pages).where(review_pages.c.created_at < now - PAGE_QUERY_TTL)
            )
        return int(removed.rowcount)
