"""Builders of review cards for storage and core tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.model import FlagCategory, Severity
from bot.storage import CardContent, CardDraft, CardFlag, CardOutcome, NotePlace

GUILD, OTHER_GUILD = 100, 900
GENERAL, STAFF = 200, 201
ALICE, BOB = 500, 501


def place(message_id: int = 300, **overrides: Any) -> NotePlace:
    """A note in #general of GUILD (message ``message_id``, one attachment)."""
    values: dict[str, Any] = {
        "guild_id": GUILD,
        "channel_id": GENERAL,
        "access_channel_id": GENERAL,
        "private_thread": False,
        "message_id": message_id,
        "attachment_id": message_id + 1,
    }
    return NotePlace(**(values | overrides))


def flag(
    category: FlagCategory = FlagCategory.THREAT,
    severity: Severity = Severity.HIGH,
    reason: str = "A threat against a neighbour.",
) -> CardFlag:
    """One flag at 00:02."""
    return CardFlag(
        category=category, severity=severity, reason=reason, start_s=2.0, timestamp="00:02"
    )


def content(summary: str = "Alice talks about the garden.", *flags: CardFlag) -> CardContent:
    """A processed note's content."""
    return CardContent(
        outcome=CardOutcome.PROCESSED,
        summary=summary,
        flags=tuple(flags),
        emotions=(("neutral", 0.7), ("angry", 0.3)),
        languages=("en",),
        duration_s=4.0,
        job_id=1,
        result_key="sha:model:schema:opts",
    )


def draft(
    message_id: int = 300,
    body: CardContent | None = None,
    *,
    note_at: datetime | None = None,
    **place_overrides: Any,
) -> CardDraft:
    """A card for a note by Alice."""
    return CardDraft(
        place=place(message_id, **place_overrides),
        author_id=ALICE,
        author_name="Alice",
        note_at=note_at or datetime(2030, 1, 1, 11, 0, tzinfo=UTC),
        withheld=False,
        content=body or content(),
        jump_channel_id=GENERAL,
        jump_message_id=message_id,
    )
