"""When a note's original disappears: the tombstone rule, and the sweep of unposted cards.

Deleted by its author or anyone else (alone, in bulk, or erased at its author's request),
an unflagged, unreported card is deleted with its stored data, as the replies are. A
flagged or reported card, or one whose original a moderator deleted, becomes a tombstone
that keeps the summary and the flags (never the transcript): deleting a message is not a
way around moderation.
"""

from __future__ import annotations

import logging

from bot.review._ports import ReviewStore
from bot.review._publish import CardPublisher
from bot.storage import ReviewCard

log = logging.getLogger(__name__)


class CardLifecycle:
    """Applies the tombstone rule (see the module docstring)."""

    def __init__(self, store: ReviewStore, publisher: CardPublisher) -> None:
        self._store = store
        self._publisher = publisher

    async def original_gone(self, message_id: int) -> int:
        """A message was deleted: the tombstone rule for each of its notes' cards."""
        found = await self._store.cards_for_message(message_id)
        for card in found:
            await self.gone(card)
        return len(found)

    async def author_erased(self, user_id: int) -> int:
        """A member had everything about their notes erased: the same rule for their cards."""
        found = await self._store.cards_of_author(user_id)
        for card in found:
            await self.gone(card)
        return len(found)

    async def gone(self, card: ReviewCard) -> None:
        """One card whose original is gone: a tombstone, or removed with its data."""
        current = await self._store.card(card.guild_id, card.id)
        if current is None or current.tombstone:
            return
        if not current.kept_when_gone:
            await self._publisher.remove(current)
            return
        tombstone = await self._store.mark_card_gone(current.id)
        if tombstone is not None:
            log.info("card %d is a tombstone now", current.id)
            await self._publisher.show(tombstone)
