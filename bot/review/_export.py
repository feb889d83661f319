"""``/review export``: one row per card and the audit entries of the period, as CSV or JSON.

Rows carry ids, times and the moderation data; text a spreadsheet would run as a formula
(a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, as OWASP's CSV
injection guidance lists them) is prefixed with a quote in CSV: summaries and reasons are
untrusted.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.review._view import card_jump_url
from bot.storage import AuditEntry, ReviewCard

CARD_COLUMNS = (
    "card_id",
    "author_id",
    "channel_id",
    "message_id",
    "jump_link",
    "note_at",
    "card_created_at",
    "duration_s",
    "languages",
    "summary",
    "flags",
    "outcome",
    "flagged",
    "status",
    "reviewer_id",
    "reviewed_at",
    "reported_by",
    "original_deleted_at",
    "deleted_by",
)
AUDIT_COLUMNS = ("id", "at", "actor_id", "action", "card_id", "channel_id", "detail")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ExportFormat(StrEnum):
    """What the export file is."""

    CSV = "csv"
    JSON = "json"


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def card_row(card: ReviewCard) -> dict[str, Any]:
    """One card as an export row (the columns of :data:`CARD_COLUMNS`)."""
    content = card.content
    return {
        "card_id": card.id,
        "author_id": card.author_id,
        "channel_id": card.place.channel_id,
        "message_id": card.place.message_id,
        "jump_link": card_jump_url(card),
        "note_at": _time(card.note_at),
        "card_created_at": _time(card.created_at),
        "duration_s": content.duration_s,
        "languages": list(content.languages),
        "summary": content.summary,
        "flags": [
            {"category": f.category.value, "severity": f.severity.value}
            | {"timestamp": f.timestamp, "reason": f.reason}
            for f in content.flags
        ],
        "outcome": content.outcome.value,
        "flagged": card.flagged,
        "status": card.status.value,
        "reviewer_id": card.reviewed_by,
        "reviewed_at": _time(card.reviewed_at),
        "reported_by": list(card.reporters),
        "original_deleted_at": _time(card.gone_at),
        "deleted_by": card.deleted_by,
    }


def audit_row(entry: AuditEntry) -> dict[str, Any]:
    """One audit entry as an export row."""
    values = (
        entry.id,
        _time(entry.created_at),
        entry.actor_id,
        entry.action,
        entry.card_id,
        entry.channel_id,
        entry.detail,
    )
    return dict(zip(AUDIT_COLUMNS, values, strict=True))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _csv(columns: tuple[str, ...], rows: Iterable[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[name]) for name in columns])
    return out.getvalue().encode()


def export_files(
    cards: list[ReviewCard], audit: list[AuditEntry], fmt: ExportFormat, *, stem: str
) -> list[tuple[str, bytes]]:
    """The files of an export: ``stem.json`` with both lists, or two CSV files."""
    cards_rows = [card_row(card) for card in cards]
    audit_rows = [audit_row(entry) for entry in audit]
    if fmt is ExportFormat.JSON:
        body = {"cards": cards_rows, "audit": audit_rows}
        return [(f"{stem}.json", json.dumps(body, ensure_ascii=False, indent=1).encode())]
    return [
        (f"{stem}-cards.csv", _csv(CARD_COLUMNS, cards_rows)),
        (f"{stem}-audit.csv", _csv(AUDIT_COLUMNS, audit_rows)),
    ]
