"""Review's storage capabilities (declared here to keep :mod:`bot.storage.ports` small;
import them from there)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from bot.storage._review_types import (
    CardAction,
    CardContent,
    CardDraft,
    CardQuery,
    NotePlace,
    ReviewCard,
)
from bot.storage._types import AuditEntry


class CardStore(Protocol):
    """Review cards: one per note, their results, moderators' actions, their messages."""

    async def create_card(self, draft: CardDraft) -> tuple[ReviewCard, bool]:
        """Insert the note's card, or get the one it has; ``(card, created)``."""

    async def card(self, guild_id: int, card_id: int) -> ReviewCard | None:
        """The card with this id in this server (None for another server's)."""

    async def card_for_note(self, place: NotePlace) -> ReviewCard | None:
        """The note's card, if any."""

    async def cards_for_message(self, message_id: int) -> list[ReviewCard]:
        """Every card of notes in one message."""

    async def cards_of_author(self, user_id: int) -> list[ReviewCard]:
        """Every card of one member's notes."""

    async def set_card_content(
        self, card_id: int, content: CardContent, *, withheld: bool | None = None
    ) -> ReviewCard | None:
        """A new result for a card."""

    async def record_card_action(
        self, card_id: int, action: CardAction, actor_id: int, actor_name: str
    ) -> ReviewCard | None:
        """A moderator's review, flag or unflag."""

    async def mark_original_deleted(
        self, card_id: int, actor_id: int, actor_name: str
    ) -> ReviewCard | None:
        """A moderator is deleting the original."""

    async def mark_card_gone(self, card_id: int) -> ReviewCard | None:
        """The original is gone: a tombstone."""

    async def delete_cards(self, card_ids: list[int]) -> int:
        """Delete cards with their flags and reports."""

    async def begin_card_post(self, card_id: int) -> ReviewCard | None:
        """Count an attempt to post the card; the card."""

    async def record_card_message(self, card_id: int, channel_id: int, message_id: int) -> int:
        """Record the card's message (first wins); the recorded id."""

    async def unposted_cards(
        self, guild_ids: list[int], *, before: datetime, max_attempts: int
    ) -> list[ReviewCard]:
        """Cards of these servers that never reached Discord."""


class CardReports(Protocol):
    """Members' reports."""

    async def add_report(self, card_id: int, guild_id: int, reporter_id: int) -> bool:
        """Record a report; False when this member had reported the card already."""

    async def reports_since(self, guild_id: int, reporter_id: int, since: datetime) -> int:
        """How many reports a member made in a server since ``since``."""


class CardSearch(Protocol):
    """Listing, searching and exporting cards; the audit entries of a period."""

    async def list_cards(
        self, query: CardQuery, *, offset: int, limit: int
    ) -> tuple[list[ReviewCard], int]:
        """One page of matching cards and the total."""

    async def export_cards(self, query: CardQuery) -> list[ReviewCard]:
        """Every matching card, oldest first."""

    async def audit_entries(
        self,
        guild_id: int,
        *,
        since: datetime | None,
        until: datetime | None,
        visible: frozenset[int],
    ) -> list[AuditEntry]:
        """A server's audit entries of a period, within the channels in ``visible``."""

    async def save_page_query(self, guild_id: int, user_id: int, filters: dict[str, Any]) -> int:
        """Keep a list query for its page buttons; its id."""

    async def page_query(self, guild_id: int, query_id: int) -> tuple[int, dict[str, Any]] | None:
        """A kept query of this server: its owner and filters."""


class ReviewStats(Protocol):
    """Review cards counted, for operators."""

    async def review_cards_by_state(self) -> dict[str, int]:
        """Every server's cards by status, each status present."""
