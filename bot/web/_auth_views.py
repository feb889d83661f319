"""Logging in with Discord, logging out, and the list of servers one may manage."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.web._context import Dashboard
from bot.web._oauth import LoginFailed
from bot.web._security import (
    clear_login_cookie,
    clear_session_cookie,
    id_hash,
    is_https,
    login_cookie_matches,
    new_token,
    safe_next,
    set_login_cookie,
    set_session_cookie,
)

log = logging.getLogger(__name__)
STATE_TTL_S = 600.0


class AuthViews:
    """``/``, ``/login``, ``/callback`` and ``/logout``."""

    def __init__(self, dashboard: Dashboard) -> None:
        self.d = dashboard

    def routes(self) -> list[web.RouteDef]:
        """The routes these views answer."""
        return [
            web.get("/", self.index),
            web.get("/login", self.login),
            web.get("/callback", self.callback),
            web.post("/logout", self.logout),
        ]

    async def index(self, request: web.Request) -> web.Response:
        """The login page, or the servers this person may manage."""
        found = await self.d.session(request)
        if found is None:
            return self.d.render("login.html", title="Log in")
        _, session = found
        servers, complete = await self.d.rights.staff_servers(session.guild_ids, session.user_id)
        servers.sort(key=lambda item: item[1].guild_name.lower())
        return self.d.render(
            "servers.html", title="Servers", session=session, servers=servers, complete=complete
        )

    async def login(self, request: web.Request) -> web.Response:
        """Start Discord's login, remembering where to come back to (inside the dashboard)."""
        state = new_token()
        next_path = safe_next(request.query.get("next"))
        await self.d.store.save_oauth_state(state, next_path=next_path, ttl_s=STATE_TTL_S)
        response = web.HTTPFound(self.d.oauth.authorize_url(state))
        set_login_cookie(response, state, max_age_s=STATE_TTL_S, secure=self._https(request))
        raise response

    async def callback(self, request: web.Request) -> web.Response:
        """Discord sent the browser back: check the state (stored, and this browser's),
        exchange the code, start a fresh session (a new id at every login), go where the
        login began."""
        state, code = request.query.get("state", ""), request.query.get("code", "")
        if not login_cookie_matches(request, state):  # another browser's login: refused
            return self.d.render("login.html", title="Log in", status=400, problem=True)
        next_path = await self.d.store.take_oauth_state(state)
        if next_path is None or not code:
            return self.d.render("login.html", title="Log in", status=400, problem=True)
        try:
            identity = await self.d.oauth.identify(code)
        except LoginFailed:
            return self.d.render("login.html", title="Log in", status=400, problem=True)
        await self._end_current(request)
        session_id = new_token()
        await self.d.store.create_web_session(
            id_hash(self.d.config.secret_key, session_id),
            user_id=identity.user_id,
            user_name=identity.name,
            guild_ids=identity.guild_ids,
            csrf_token=new_token(),
            ttl_s=self.d.config.session_ttl_s,
        )
        log.info("dashboard login: user %d", identity.user_id)
        response = web.HTTPFound(safe_next(next_path))
        secure, max_age_s = self._https(request), self.d.config.session_ttl_s
        set_session_cookie(response, session_id, max_age_s=max_age_s, secure=secure)
        clear_login_cookie(response, secure=secure)
        raise response

    async def logout(self, request: web.Request) -> web.Response:
        """End the session for every process, and forget the cookie."""
        session = await self.d.require_session(request)
        await self.d.check_csrf(request, session)
        await self._end_current(request)
        response = web.HTTPFound("/")
        clear_session_cookie(response, secure=self._https(request))
        raise response

    async def _end_current(self, request: web.Request) -> None:
        found = await self.d.session(request)
        if found is not None:
            await self.d.store.end_web_session(id_hash(self.d.config.secret_key, found[0]))

    def _https(self, request: web.Request) -> bool:
        config = self.d.config
        return is_https(request, trust_forwarded=config.trust_forwarded, always=config.https)
