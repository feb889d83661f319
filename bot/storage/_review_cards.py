"""Review cards: created once per note, given results, acted on, posted exactly once.

Posting mirrors the replies' exactly-once mechanism: each attempt is counted before it is
made (:meth:`ReviewCardsRepo.begin_card_post`), the message goes out with a nonce derived
from the card id, and the first message recorded for a card wins
(:meth:`ReviewCardsRepo.record_card_message`), whichever process posted it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update

from bot.storage._base import RepoBase, fetch_one
from bot.storage._review_rows import content_columns, draft_columns, flag_rows, hydrate
from bot.storage._review_types import (
    CardAction,
    CardContent,
    CardDraft,
    CardOutcome,
    CardStatus,
    NotePlace,
    ReviewCard,
)
from bot.storage._schema import review_cards, review_flags, review_reports

cards = review_cards.c


class ReviewCardsRepo(RepoBase):
    """Cards, their flags and reports (see the module docstring)."""

    async def create_card(self, draft: CardDraft) -> tuple[ReviewCard, bool]:
        """Insert the note's card, or get the one it already has; ``(card, created)``.
        Race-safe like :meth:`submit_job`: one row per ``note_key``."""
        now = self._now()
        values = draft_columns(draft) | {"created_at": now, "updated_at": now}
        stmt = self._insert(review_cards).values(**values)
        stmt = stmt.on_conflict_do_nothing(index_elements=["note_key"])
        async with self._write() as conn:
            inserted = await fetch_one(conn, stmt.returning(cards.id))
            if inserted is not None and draft.content.flags:
                rows = flag_rows(int(inserted.id), draft.content.flags)
                await conn.execute(review_flags.insert(), rows)
            row = await fetch_one(
                conn, select(review_cards).where(cards.note_key == draft.place.note_key)
            )
            (card,) = await hydrate(conn, [row])
        return card, inserted is not None

    async def card(self, guild_id: int, card_id: int) -> ReviewCard | None:
        """The card with this id in this server; None for any other (or no) server's."""
        return await self._one(cards.id == card_id, cards.guild_id == guild_id)

    async def card_for_note(self, place: NotePlace) -> ReviewCard | None:
        """The note's card, if it has one."""
        return await self._one(cards.note_key == place.note_key)

    async def cards_for_message(self, message_id: int) -> list[ReviewCard]:
        """Every card of notes in one message (to apply the tombstone rule when it goes)."""
        return await self._many(cards.message_id == message_id)

    async def cards_of_author(self, user_id: int) -> list[ReviewCard]:
        """Every card of one member's notes."""
        return await self._many(cards.author_id == user_id)

    async def set_card_content(
        self, card_id: int, content: CardContent, *, withheld: bool | None = None
    ) -> ReviewCard | None:
        """A new result for a card (its flags replaced). Unless a moderator flagged or
        unflagged it, whether it is flagged follows the result."""
        values = content_columns(content) | {"updated_at": self._now()}
        if withheld is not None:
            values["withheld"] = withheld
        automatic = bool(content.flags) or content.outcome is CardOutcome.REFUSED
        async with self._write() as conn:
            await conn.execute(update(review_cards).where(cards.id == card_id).values(**values))
            await conn.execute(
                update(review_cards)
                .where(cards.id == card_id, cards.flag_set_by.is_(None))
                .values(flagged=automatic)
            )
            await conn.execute(delete(review_flags).where(review_flags.c.card_id == card_id))
            if content.flags:
                await conn.execute(review_flags.insert(), flag_rows(card_id, content.flags))
        return await self._one(cards.id == card_id)

    async def record_card_action(
        self, card_id: int, action: CardAction, actor_id: int, actor_name: str
    ) -> ReviewCard | None:
        """A moderator marked the card reviewed, flagged or unflagged it."""
        now = self._now()
        values: dict[str, Any] = {
            "action": action.value,
            "action_by": actor_id,
            "action_by_name": actor_name,
            "action_at": now,
            "updated_at": now,
        }
        if action is CardAction.REVIEWED:
            values |= {"status": CardStatus.REVIEWED.value, "reviewed_by": actor_id}
            values["reviewed_at"] = now
        else:
            values |= {"flagged": action is CardAction.FLAGGED, "flag_set_by": actor_id}
        return await self._update(card_id, values)

    async def mark_original_deleted(
        self, card_id: int, actor_id: int, actor_name: str
    ) -> ReviewCard | None:
        """A moderator is deleting the original: the card will stay as a tombstone."""
        now = self._now()
        values = {"deleted_by": actor_id, "deleted_by_name": actor_name, "deleted_at": now}
        return await self._update(card_id, values | {"updated_at": now})

    async def mark_card_gone(self, card_id: int) -> ReviewCard | None:
        """The original is gone: the card becomes a tombstone. It keeps its summary and
        flags; the transcript (the stored result) is no longer its to show."""
        now = self._now()
        values = {"gone_at": now, "result_key": None, "job_id": None, "updated_at": now}
        return await self._update(card_id, values)

    async def delete_cards(self, card_ids: list[int]) -> int:
        """Delete cards with their flags and reports; how many went."""
        if not card_ids:
            return 0
        async with self._write() as conn:
            done = await conn.execute(delete(review_cards).where(cards.id.in_(card_ids)))
        return int(done.rowcount)

    async def begin_card_post(self, card_id: int) -> ReviewCard | None:
        """Count an attempt to post the card (before it is made) and return the card:
        ``post_attempts > 1`` says an earlier attempt may have reached Discord."""
        async with self._write() as conn:
            await conn.execute(
                update(review_cards)
                .where(cards.id == card_id, cards.card_message_id.is_(None))
                .values(post_attempts=cards.post_attempts + 1)
            )
        return await self._one(cards.id == card_id)

    async def record_card_message(self, card_id: int, channel_id: int, message_id: int) -> int:
        """Record the card's message; the first record wins. Returns the recorded id
        (another process's, when it recorded first)."""
        async with self._write() as conn:
            await conn.execute(
                update(review_cards)
                .where(cards.id == card_id, cards.card_message_id.is_(None))
                .values(card_channel_id=channel_id, card_message_id=message_id)
            )
            row = await fetch_one(conn, select(cards.card_message_id).where(cards.id == card_id))
        return int(row.card_message_id) if row is not None and row.card_message_id else 0

    async def unposted_cards(
        self, guild_ids: list[int], *, before: datetime, max_attempts: int
    ) -> list[ReviewCard]:
        """Cards of these servers made before ``before`` that never reached Discord."""
        if not guild_ids:
            return []
        return await self._many(
            cards.guild_id.in_(guild_ids),
            cards.card_message_id.is_(None),
            cards.created_at < before,
            cards.post_attempts < max_attempts,
        )

    async def add_report(self, card_id: int, guild_id: int, reporter_id: int) -> bool:
        """Record a member's report of a card; False when they had reported it already."""
        values = {
            "card_id": card_id,
            "guild_id": guild_id,
            "reporter_id": reporter_id,
            "created_at": self._now(),
        }
        stmt = self._insert(review_reports).values(**values).on_conflict_do_nothing()
        async with self._write() as conn:
            done = await conn.execute(stmt)
        return bool(done.rowcount)

    async def reports_since(self, guild_id: int, reporter_id: int, since: datetime) -> int:
        """How many reports a member made in a server since ``since``."""
        reports = review_reports.c
        stmt = select(func.count()).where(
            reports.guild_id == guild_id,
            reports.reporter_id == reporter_id,
            reports.created_at >= since,
        )
        async with self._read() as conn:
            return int((await conn.execute(stmt)).scalar_one())

    async def review_cards_by_state(self) -> dict[str, int]:
        """Every server's cards by status (each status present, 0 when it has none), for
        the operators' metrics."""
        stmt = select(cards.status, func.count()).group_by(cards.status)
        async with self._read() as conn:
            counts = {status: int(n) for status, n in (await conn.execute(stmt)).all()}
        return {status.value: counts.get(status.value, 0) for status in CardStatus}

    async def _update(self, card_id: int, values: dict[str, Any]) -> ReviewCard | None:
        async with self._write() as conn:
            await conn.execute(update(review_cards).where(cards.id == card_id).values(**values))
        return await self._one(cards.id == card_id)

    async def _one(self, *where: Any) -> ReviewCard | None:
        found = await self._many(*where)
        return found[0] if found else None

    async def _many(self, *where: Any) -> list[ReviewCard]:
        async with self._read() as conn:
            rows = (await conn.execute(select(review_cards).where(*where).order_by(cards.id))).all()
            return await hydrate(conn, list(rows))
