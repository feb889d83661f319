"""What the review pages read from their addresses and forms, checked the way the
``/review`` commands check their options (the same filters, dates and words)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import TypeVar
from urllib.parse import urlencode

from aiohttp import web

from bot.errors import InvalidOptions
from bot.model import FlagCategory
from bot.review import ListFilters, parse_when
from bot.storage import ListStatus
from bot.web._security import ascii_number

FILTER_FIELDS = ("status", "channel", "author", "category", "since", "until", "text")
MAX_FIELD_CHARS = 200
_NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}")
E = TypeVar("E", bound=StrEnum)


def _choice(enum: type[E], raw: str, field: str, default: E | None) -> E | None:
    if not raw:
        return default
    try:
        return enum(raw)
    except ValueError:
        raise InvalidOptions(f"There is no {field} {raw[:30]!r}.") from None


def _snowflake(raw: str, field: str) -> int | None:
    if not raw:
        return None
    number = ascii_number(raw, max_digits=20)
    if number is None:
        raise InvalidOptions(f"The {field} must be a Discord id (digits only).")
    return number


def _moment(raw: str, field: str, now: datetime, *, end: bool = False) -> datetime | None:
    return parse_when(raw, now=now, field=field, end=end) if raw else None


def entered(query: Mapping[str, str]) -> dict[str, str]:
    """The filter fields as typed (trimmed and bounded), for the form to show again."""
    return {name: query.get(name, "").strip()[:MAX_FIELD_CHARS] for name in FILTER_FIELDS}


def list_filters(fields: Mapping[str, str], now: datetime) -> ListFilters:
    """The filters of ``/review list`` from the queue page's address (InvalidOptions, with
    the command's words, for anything it cannot read)."""
    status = _choice(ListStatus, fields["status"], "status", ListStatus.UNREVIEWED)
    assert status is not None  # it has a default
    return ListFilters(
        status=status,
        author_id=_snowflake(fields["author"], "author"),
        channel_id=_snowflake(fields["channel"], "channel"),
        since=_moment(fields["since"], "since", now),
        until=_moment(fields["until"], "until", now, end=True),
        category=_choice(FlagCategory, fields["category"], "category", None),
        text=fields["text"] or None,
    )


def page_number(query: Mapping[str, str]) -> int:
    """The page asked for, from 0 (anything unreadable is the first page)."""
    raw = query.get("page", "")
    return min(ascii_number(raw, max_digits=20) or 0, 100_000)


def page_link(base: str, fields: Mapping[str, str], page: int) -> str:
    """The address of another page of the same list (only non-empty filters)."""
    kept = {name: value for name, value in fields.items() if value}
    return base + "?" + urlencode({**kept, "page": page})


def form_nonce(form: Mapping[str, object]) -> str:
    """The one-time value a re-run form carries (400 when it is not one)."""
    nonce = str(form.get("nonce", ""))
    if not _NONCE.fullmatch(nonce):
        raise web.HTTPBadRequest
    return nonce


def download(name: str, data: bytes, content_type: str) -> web.Response:
    """A file to save. Its name is built by the dashboard from ids and dates only, never
    from what people named their files, and checked again here, so the header cannot be
    broken or spoofed (RFC 6266: a quoted token of safe characters)."""
    if not _SAFE_NAME.fullmatch(name):
        raise ValueError("unsafe download name")
    return web.Response(
        body=data,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
