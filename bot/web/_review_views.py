"""Moderators' pages: the review queue and a card with its transcript and actions.

Every page calls :mod:`bot.review` with the member's :class:`bot.review.Viewer`, the same
object the card's buttons and ``/review`` use: the same cards, filters and refusals, the
same audit log, and every action shows on the Discord card. A card of another server, or
of a channel the moderator cannot view, answers 404 exactly like an id that does not exist.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.errors import InvalidOptions
from bot.model import FlagCategory, TranscriptDocument
from bot.render import render_json, render_plain_text, render_srt
from bot.review import ReviewRefused, UnknownCard, Viewer, WebRequest, card_jump_url
from bot.storage import ListStatus, ReviewCard, WebSession
from bot.timecodes import format_duration
from bot.web._context import Dashboard
from bot.web._review_forms import (
    download,
    entered,
    form_nonce,
    list_filters,
    page_link,
    page_number,
)
from bot.web._security import ascii_number, new_token

CARD = "/servers/{guild_id}/cards/{card_id}"
DONE = {
    "reviewed": "Marked reviewed: the card in Discord says so too.",
    "flag": "Done: the card in Discord shows it.",
    "rerun": "Queued again: the card updates when the new result is in.",
    "deleted": "The original is deleted; the card stays as a record.",
}
FILES = {
    "json": (render_json, "application/json"),
    "txt": (render_plain_text, "text/plain"),
    "srt": (render_srt, "application/x-subrip"),
}


def card_id_of(request: web.Request) -> int:
    """The card id of the address (404 for anything that is not one)."""
    raw = request.match_info.get("card_id", "")
    card_id = ascii_number(raw, max_digits=18)
    if card_id is None:
        raise web.HTTPNotFound
    return card_id


class ReviewViews:
    """``/servers/{guild_id}/review`` and ``/servers/{guild_id}/cards/...``."""

    def __init__(self, dashboard: Dashboard) -> None:
        self.d = dashboard

    def routes(self) -> list[web.RouteDef]:
        """The routes these views answer."""
        return [
            web.get("/servers/{guild_id}/review", self.queue),
            web.get(CARD, self.card_page),
            web.get(CARD + "/transcript.{kind}", self.transcript_file),
            web.get(CARD + "/delete", self.confirm_delete),
            web.post(CARD + "/{action}", self.act),
        ]

    async def _viewer(self, request: web.Request) -> tuple[WebSession, int, Any, Viewer]:
        session = await self.d.require_session(request)
        guild_id, rights = await self.d.rights_in(request, session, need="moderator")
        return session, guild_id, rights, rights.viewer

    async def queue(self, request: web.Request) -> web.Response:
        """The cards of ``/review list``, filtered and searched, a page at a time."""
        session, guild_id, rights, viewer = await self._viewer(request)
        fields = entered(request.query)
        problem, page = None, None
        try:
            filters = list_filters(fields, self.d.clock())
            page = await self.d.queries.browse(viewer, filters, page_number(request.query))
        except InvalidOptions as error:
            problem = error.user_message
        base = f"/servers/{guild_id}/review"
        view = self.d.rights.guild_view(guild_id)
        return self.d.render(
            "review.html",
            status=400 if problem else 200,
            title=f"Review · {rights.guild_name}",
            session=session,
            guild_id=guild_id,
            rights=rights,
            fields=fields,
            page=page,
            problem=problem,
            link=lambda n: page_link(base, fields, n),
            statuses=list(ListStatus),
            categories=list(FlagCategory),
            channels=[c for c in view.channels if c.id in viewer.visible],
            channel_name=view.channel_label,
            duration=format_duration,
        )

    async def card_page(
        self, request: web.Request, *, problem: str | None = None, status: int = 200
    ) -> web.Response:
        """A card: its summary and flags, the full transcript while it is stored, and the
        card's actions."""
        session, guild_id, rights, viewer = await self._viewer(request)
        card_id = card_id_of(request)
        card, document = await self._transcript(viewer, card_id, "dashboard.show")
        return self.d.render(
            "card.html",
            status=status,
            title=f"Card {card.id}",
            session=session,
            guild_id=guild_id,
            rights=rights,
            card=card,
            document=document,
            problem=problem,
            done=DONE.get(request.query.get("done", "")),
            nonce=new_token(),
            jump=card_jump_url(card),
            may_delete=not card.tombstone and viewer.may_delete_in(card.place),
            channel_name=self.d.rights.guild_view(guild_id).channel_label,
            duration=format_duration,
        )

    async def transcript_file(self, request: web.Request) -> web.Response:
        """The stored transcript as JSON, plain text or SRT, named after the card."""
        _, _, _, viewer = await self._viewer(request)
        kind = request.match_info["kind"]
        if kind not in FILES:
            raise web.HTTPNotFound
        card, document = await self._transcript(viewer, card_id_of(request), "dashboard.download")
        if document is None:
            raise web.HTTPNotFound
        render, content_type = FILES[kind]
        return download(
            f"card-{card.id}-transcript.{kind}", render(document).encode(), content_type
        )

    async def confirm_delete(self, request: web.Request) -> web.Response:
        """Ask before deleting the original (after both permission checks)."""
        session, guild_id, rights, viewer = await self._viewer(request)
        try:
            card = await self.d.actions.check_delete(viewer, card_id_of(request))
        except UnknownCard:
            raise web.HTTPNotFound from None
        except ReviewRefused as error:
            return await self.card_page(request, problem=error.user_message, status=409)
        return self.d.render(
            "confirm_delete.html",
            title="Delete the original?",
            session=session,
            guild_id=guild_id,
            rights=rights,
            card=card,
            channel_name=self.d.rights.guild_view(guild_id).channel_label,
        )

    async def act(self, request: web.Request) -> web.Response:
        """One of the card's buttons, POSTed with the session's CSRF token."""
        session, guild_id, _, viewer = await self._viewer(request)
        form = await self.d.check_csrf(request, session)
        card_id = card_id_of(request)
        action = request.match_info["action"]
        try:
            done = await self._perform(viewer, card_id, action, form)
        except UnknownCard:
            raise web.HTTPNotFound from None
        except ReviewRefused as error:
            return await self.card_page(request, problem=error.user_message, status=409)
        raise web.HTTPSeeOther(f"/servers/{guild_id}/cards/{card_id}?done={done}")

    async def _perform(
        self, viewer: Viewer, card_id: int, action: str, form: dict[str, Any]
    ) -> str:
        actions = self.d.actions
        if action == "reviewed":
            await actions.mark_reviewed(viewer, card_id)
        elif action == "flag":
            await actions.toggle_flag(viewer, card_id)
        elif action == "rerun":
            await actions.rerun(viewer, card_id, WebRequest(card_id, form_nonce(form)))
        elif action == "delete":
            await actions.delete_original(viewer, card_id)
            return "deleted"
        else:
            raise web.HTTPNotFound
        return action

    async def _transcript(
        self, viewer: Viewer, card_id: int, audit_as: str
    ) -> tuple[ReviewCard, TranscriptDocument | None]:
        try:
            return await self.d.actions.transcript(viewer, card_id, audit_as=audit_as)
        except UnknownCard:
            raise web.HTTPNotFound from None
