"""``/review list`` and ``export``: always one server's cards, only from channels the
requester can view, for moderators only; exporting is audited (``/review show`` is
:meth:`bot.review.CardActions.transcript`).

A list's filters are kept in storage under an id its Previous/Next buttons carry, so the
buttons work in any process and after a restart (for a day), for the member who asked.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from bot.model import FlagCategory
from bot.review._access import ReviewRefused, Viewer
from bot.review._export import ExportFormat, export_files
from bot.review._filters import check_period, search_words
from bot.review._ports import ReviewStore
from bot.storage import CardQuery, Clock, ListStatus, ReviewCard

PAGE_SIZE = 10
EXPIRED = "This list has expired; run `/review list` again."


@dataclass(frozen=True)
class ListFilters:
    """The options of ``/review list``."""

    status: ListStatus = ListStatus.UNREVIEWED
    author_id: int | None = None
    channel_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    category: FlagCategory | None = None
    text: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The filters as JSON (kept for the page buttons)."""
        data = asdict(self)
        for name in ("since", "until"):
            data[name] = data[name].isoformat() if data[name] else None
        return data | {"status": self.status.value}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ListFilters:
        """The inverse of :meth:`to_json`."""
        when = {n: datetime.fromisoformat(data[n]) if data[n] else None for n in ("since", "until")}
        category = FlagCategory(data["category"]) if data["category"] else None
        return cls(**{**data, **when, "status": ListStatus(data["status"]), "category": category})

    def query(self, viewer: Viewer) -> CardQuery:
        """The storage query for this viewer: their server, the channels they can view."""
        check_period(self.since, self.until)
        return CardQuery(
            guild_id=viewer.guild_id,
            visible=viewer.visible,
            private_threads=viewer.private_threads,
            status=self.status,
            author_id=self.author_id,
            channel_id=self.channel_id,
            since=self.since,
            until=self.until,
            category=self.category,
            words=search_words(self.text) if self.text else (),
        )


@dataclass(frozen=True)
class ListPage:
    """One page of a list: its cards, where it is, and the id its buttons carry."""

    cards: list[ReviewCard]
    page: int
    pages: int
    total: int
    query_id: int
    filters: ListFilters


class ReviewQueries:
    """Listing, showing and exporting cards (see the module docstring)."""

    def __init__(self, store: ReviewStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def first_page(self, viewer: Viewer, filters: ListFilters) -> ListPage:
        """The first page of a new list."""
        viewer.require_moderator()
        filters.query(viewer)  # refuse bad filters before keeping them
        query_id = await self._store.save_page_query(
            viewer.guild_id, viewer.user_id, filters.to_json()
        )
        return await self._page(viewer, filters, query_id, 0)

    async def page(self, viewer: Viewer, query_id: int, page: int) -> ListPage:
        """Another page of a kept list (its owner only; with today's permissions)."""
        viewer.require_moderator()
        kept = await self._store.page_query(viewer.guild_id, query_id)
        if kept is None or kept[0] != viewer.user_id:
            raise ReviewRefused(EXPIRED)
        return await self._page(viewer, ListFilters.from_json(kept[1]), query_id, page)

    async def browse(self, viewer: Viewer, filters: ListFilters, page: int) -> ListPage:
        """A page of a list that is not kept (the dashboard carries its filters in the
        page's address, so looking changes nothing); its ``query_id`` is 0."""
        viewer.require_moderator()
        return await self._page(viewer, filters, 0, page)

    async def _page(
        self, viewer: Viewer, filters: ListFilters, query_id: int, page: int
    ) -> ListPage:
        query = filters.query(viewer)
        cards, total = await self._store.list_cards(
            query, offset=max(0, page) * PAGE_SIZE, limit=PAGE_SIZE
        )
        pages = max(1, math.ceil(total / PAGE_SIZE))
        if page >= pages and total:  # the list shrank meanwhile: its last page
            return await self._page(viewer, filters, query_id, pages - 1)
        return ListPage(cards, max(0, page), pages, total, query_id, filters)

    async def export(
        self,
        viewer: Viewer,
        *,
        since: datetime | None,
        until: datetime | None,
        fmt: ExportFormat,
    ) -> list[tuple[str, bytes]]:
        """The export files of a period (cards and audit entries); audited."""
        viewer.require_moderator()
        check_period(since, until)
        query = CardQuery(
            guild_id=viewer.guild_id,
            visible=viewer.visible,
            private_threads=viewer.private_threads,
            since=since,
            until=until,
        )
        cards = await self._store.export_cards(query)
        audit = await self._store.audit_entries(
            viewer.guild_id, since=since, until=until, visible=viewer.visible
        )
        period = {"since": since.isoformat() if since else None}
        period["until"] = until.isoformat() if until else None
        await self._store.audit(
            viewer.guild_id, viewer.user_id, "review.export", {**period, "cards": len(cards)}
        )
        stem = f"review-{viewer.guild_id}-{self._clock():%Y%m%d-%H%M}"
        return export_files(cards, audit, fmt, stem=stem)
