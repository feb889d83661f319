"""Putting cards in the review channel exactly once, and keeping them up to date.

The mechanism is the replies' (see :mod:`cogs.delivery._transport`): an attempt is counted
before it is made, the message carries a nonce derived from the card id (Discord returns
the existing message for a repeated nonce within its window), an attempt after one that
may have reached Discord first looks for the card in the channel, and the first message
recorded for a card wins. Should two processes race past the nonce window, the loser
deletes its copy. A card that never got out (a crash, a refusal) is posted by the sweep.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.review._ports import ReviewPort, ReviewStore
from bot.review._view import card_view
from bot.storage import Clock, ReviewCard

log = logging.getLogger(__name__)
MAX_POST_ATTEMPTS = 5
SWEEP_AFTER = timedelta(seconds=30)  # the normal path's time to post a new card itself


def card_nonce(card_id: int) -> str:
    """Deterministic per card, ≤ 25 characters as Discord requires (replies use ``vn``)."""
    return f"vrc{card_id}"[:25]


class CardPublisher:
    """Posts, edits and removes cards (see the module docstring)."""

    def __init__(self, store: ReviewStore, port: ReviewPort, clock: Clock) -> None:
        self._store = store
        self._port = port
        self._clock = clock

    async def show(self, card: ReviewCard) -> ReviewCard:
        """Post the card, or edit it in place when it is already posted."""
        settings = await self._store.guild_settings(card.guild_id)
        if card.card_message_id is not None:
            await self._port.edit_card(card, card_view(card, settings))
            return card
        channel_id = settings.review_channel_id
        if channel_id is None:
            return card  # review was turned off meanwhile: nowhere to post
        attempt = await self._store.begin_card_post(card.id)
        if attempt is None or attempt.card_message_id is not None:
            return attempt or card  # gone, or posted by another process meanwhile
        return await self._post(attempt, channel_id)

    async def _post(self, card: ReviewCard, channel_id: int) -> ReviewCard:
        settings = await self._store.guild_settings(card.guild_id)
        found = None
        if card.post_attempts > 1:
            found = await self._port.find_card(channel_id, card)
        message_id = found or await self._port.send_card(
            channel_id, card_view(card, settings), nonce=card_nonce(card.id)
        )
        if message_id is None:
            log.info("card %d: the review channel refused it", card.id)
            return card
        recorded = await self._store.record_card_message(card.id, channel_id, message_id)
        if recorded != message_id:
            log.info("card %d: posted twice by a race; removing the copy", card.id)
            await self._port.delete_message(channel_id, message_id)
        log.info("card %d posted in channel %d", card.id, channel_id)
        posted = await self._store.card(card.guild_id, card.id)
        if posted is not None and posted.updated_at > card.updated_at:
            await self._port.edit_card(posted, card_view(posted, settings))  # changed meanwhile
        return posted or card

    async def remove(self, card: ReviewCard) -> None:
        """Delete the card's message and the card with its stored data."""
        if card.card_channel_id is not None and card.card_message_id is not None:
            await self._port.delete_message(card.card_channel_id, card.card_message_id)
        await self._store.delete_cards([card.id])
        log.info("card %d removed with its original", card.id)

    async def post_pending(self, guild_ids: list[int]) -> int:
        """Post the cards of these servers that never reached the review channel; how many
        were tried."""
        before = self._clock() - SWEEP_AFTER
        pending = await self._store.unposted_cards(
            guild_ids, before=before, max_attempts=MAX_POST_ATTEMPTS
        )
        for card in pending:
            await self.show(card)
        return len(pending)
