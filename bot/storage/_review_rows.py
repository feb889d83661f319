"""Review cards to and from rows: one place that knows the columns of a card."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.model import FlagCategory, Severity
from bot.storage._base import dump_json, load_json
from bot.storage._review_types import (
    CardAction,
    CardContent,
    CardDraft,
    CardFlag,
    CardOutcome,
    CardStatus,
    NotePlace,
    ReviewCard,
)
from bot.storage._schema import review_flags, review_reports

_PLACE = ("guild_id", "channel_id", "access_channel_id", "private_thread", "message_id")


def content_columns(content: CardContent) -> dict[str, Any]:
    """The columns a result writes (its flags go to ``review_flags``)."""
    severity = content.severity
    return {
        "outcome": content.outcome.value,
        "summary": content.summary,
        "emotions": dump_json([[name, share] for name, share in content.emotions]),
        "languages": dump_json(list(content.languages)),
        "duration_s": content.duration_s,
        "problem": content.problem,
        "job_id": content.job_id,
        "result_key": content.result_key,
        "severity": None if severity is None else severity.value,
        "search_text": content.search_text,
    }


def draft_columns(draft: CardDraft) -> dict[str, Any]:
    """Every column of a new card."""
    place = draft.place
    return {
        **{name: getattr(place, name) for name in _PLACE},
        "attachment_id": place.attachment_id,
        "note_key": place.note_key,
        "jump_channel_id": draft.jump_channel_id,
        "jump_message_id": draft.jump_message_id,
        "author_id": draft.author_id,
        "author_name": draft.author_name,
        "note_at": draft.note_at,
        "withheld": draft.withheld,
        "flagged": bool(draft.content.flags) or draft.content.outcome is CardOutcome.REFUSED,
        "status": CardStatus.UNREVIEWED.value,
        "post_attempts": 0,
        **content_columns(draft.content),
    }


def flag_rows(card_id: int, flags: Iterable[CardFlag]) -> list[dict[str, Any]]:
    """``review_flags`` rows of a card, in order."""
    return [
        {
            "card_id": card_id,
            "position": position,
            "category": flag.category.value,
            "severity": flag.severity.value,
            "reason": flag.reason,
            "start_s": flag.start_s,
            "timestamp": flag.timestamp,
        }
        for position, flag in enumerate(flags)
    ]


def _flag(row: Any) -> CardFlag:
    return CardFlag(
        category=FlagCategory(row.category),
        severity=Severity(row.severity),
        reason=row.reason,
        start_s=float(row.start_s),
        timestamp=row.timestamp,
    )


def _content(row: Any, flags: tuple[CardFlag, ...]) -> CardContent:
    return CardContent(
        outcome=CardOutcome(row.outcome),
        summary=row.summary,
        flags=flags,
        emotions=tuple((str(name), float(share)) for name, share in load_json(row.emotions)),
        languages=tuple(str(language) for language in load_json(row.languages)),
        duration_s=row.duration_s,
        problem=row.problem,
        job_id=row.job_id,
        result_key=row.result_key,
    )


_PLAIN = [
    "id",
    "author_id",
    "author_name",
    "note_at",
    "withheld",
    "jump_channel_id",
    "jump_message_id",
    "flagged",
    "flag_set_by",
    "reviewed_by",
    "reviewed_at",
    "action_by",
    "action_by_name",
    "action_at",
    "deleted_by",
    "deleted_by_name",
    "deleted_at",
    "gone_at",
    "card_channel_id",
    "card_message_id",
    "post_attempts",
    "created_at",
    "updated_at",
]


def card_from_row(row: Any, flags: tuple[CardFlag, ...], reporters: tuple[int, ...]) -> ReviewCard:
    """A :class:`ReviewCard` from a ``review_cards`` row, its flags and its reporters."""
    data = {name: getattr(row, name) for name in _PLAIN}
    data["withheld"], data["flagged"] = bool(row.withheld), bool(row.flagged)
    place = NotePlace(
        guild_id=row.guild_id,
        channel_id=row.channel_id,
        access_channel_id=row.access_channel_id,
        private_thread=bool(row.private_thread),
        message_id=row.message_id,
        attachment_id=row.attachment_id,
    )
    return ReviewCard(
        **data,
        place=place,
        content=_content(row, flags),
        status=CardStatus(row.status),
        action=CardAction(row.action) if row.action else None,
        reporters=reporters,
    )


async def hydrate(conn: AsyncConnection, rows: list[Any]) -> list[ReviewCard]:
    """Cards for ``rows``, with their flags and reporters read in two queries."""
    ids = [row.id for row in rows]
    if not ids:
        return []
    flags: dict[int, list[CardFlag]] = {}
    found = await conn.execute(
        select(review_flags)
        .where(review_flags.c.card_id.in_(ids))
        .order_by(review_flags.c.card_id, review_flags.c.position)
    )
    for flag in found.all():
        flags.setdefault(flag.card_id, []).append(_flag(flag))
    reporters: dict[int, list[int]] = {}
    reports = await conn.execute(
        select(review_reports.c.card_id, review_reports.c.reporter_id)
        .where(review_reports.c.card_id.in_(ids))
        .order_by(review_reports.c.created_at, review_reports.c.reporter_id)
    )
    for report in reports.all():
        reporters.setdefault(report.card_id, []).append(int(report.reporter_id))
    return [
        card_from_row(row, tuple(flags.get(row.id, ())), tuple(reporters.get(row.id, ())))
        for row in rows
    ]
