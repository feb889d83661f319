"""What every page handler shares: the services, the session, rights, and rendering."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlencode

import jinja2
from aiohttp import web

from bot.admin import AdminStore, ServerAdmin
from bot.jobs import Policy, Prices
from bot.review import CardActions, ReviewQueries
from bot.storage import WebSession
from bot.storage.ports import CardSearch, UsageBreakdown, WebSessions
from bot.web._config import DashboardConfig
from bot.web._oauth import DiscordOAuth
from bot.web._rights import CachedRights, MemberRights
from bot.web._security import COOKIE, SECURITY_HEADERS, ascii_number, csrf_ok, id_hash


class DashboardStore(WebSessions, UsageBreakdown, AdminStore, CardSearch, Protocol):
    """Sessions, usage breakdowns, settings and the audit log (and reading it)."""


@dataclass(frozen=True)
class Dashboard:
    """The dashboard's services, built once at startup."""

    config: DashboardConfig
    store: DashboardStore
    rights: CachedRights
    admin: ServerAdmin
    oauth: DiscordOAuth
    policy: Policy
    prices: Prices
    actions: CardActions
    queries: ReviewQueries
    templates: jinja2.Environment
    clock: Callable[[], datetime]

    async def session(self, request: web.Request) -> tuple[str, WebSession] | None:
        """The request's live session (its id and row), or None."""
        session_id = request.cookies.get(COOKIE)
        if not session_id:
            return None
        found = await self.store.web_session(id_hash(self.config.secret_key, session_id))
        return None if found is None else (session_id, found)

    async def require_session(self, request: web.Request) -> WebSession:
        """The session, or a redirect to the login that comes back here."""
        found = await self.session(request)
        if found is None:
            raise web.HTTPFound("/login?" + urlencode({"next": request.rel_url.path_qs}))
        return found[1]

    async def rights_in(
        self, request: web.Request, session: WebSession, *, need: str = "staff"
    ) -> tuple[int, MemberRights]:
        """The server of the URL and the member's rights there, checked now. A server they
        may not see answers 404, exactly like one that does not exist."""
        raw = request.match_info.get("guild_id", "")
        guild_id = ascii_number(raw, max_digits=20) or 0
        # Only servers Discord listed at login are looked up at all: a probe of any other
        # id costs Discord nothing and tells the prober nothing.
        known = guild_id in session.guild_ids
        rights = await self.rights.rights(guild_id, session.user_id) if known else None
        if rights is None or not getattr(rights, need):
            raise web.HTTPNotFound
        return guild_id, rights

    async def check_csrf(self, request: web.Request, session: WebSession) -> dict[str, Any]:
        """The POSTed form, once its CSRF token is the session's (403 otherwise)."""
        form = dict(await request.post())
        if not csrf_ok(session.csrf_token, form.get("csrf")):
            raise web.HTTPForbidden
        return form

    def render(self, name: str, *, status: int = 200, **context: Any) -> web.Response:
        """A page from its template (autoescaped: everything shown is text)."""
        defaults = {"session": None, "guild_id": None, "rights": None, "problem": None}
        html = self.templates.get_template(name).render(**(defaults | context))
        return web.Response(
            text=html, status=status, content_type="text/html", headers=SECURITY_HEADERS
        )
