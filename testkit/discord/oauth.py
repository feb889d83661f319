"""OAuth2 as Discord runs it, for dashboards that log people in with Discord.

The authorization code grant (developers/topics/oauth2.md):

1. The browser opens ``GET /oauth2/authorize?response_type=code&client_id=..&scope=..&state=..
   &redirect_uri=..``. Discord checks the client and that ``redirect_uri`` is one of the
   application's registered redirects (exactly), shows its consent screen, and on approval
   redirects to ``redirect_uri?code=..&state=..`` (on denial ``?error=access_denied&state=..``).
   Here the "signed-in browser user" is chosen by the test (:meth:`OAuth.sign_in`) and
   consent is given (or refused) at once.
2. The app exchanges the code at ``POST /api/v10/oauth2/token`` (form-encoded,
   ``grant_type=authorization_code``, ``code``, ``redirect_uri``; client credentials as HTTP
   Basic or in the body). A code lives 10 minutes and works once; the same redirect_uri must
   be given. Errors are OAuth's: 400 ``invalid_grant``, 401 ``invalid_client``.
3. The access token (``Bearer``, 7 days) reads ``GET /users/@me`` (scope ``identify``) and
   ``GET /users/@me/guilds`` (scope ``guilds``): partial guilds (id, name, icon, owner, the
   member's base ``permissions`` as a string, features), sorted by id, paginated with
   ``before``/``after``/``limit`` (1-200, default 200), without roles or channel overwrites.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode

from aiohttp import web

from . import errors
from .errors import JSON
from .http_app import Reply, RequestContext, Router
from .ids import FakeClock
from .models import FakeUser
from .payloads import user_payload
from .world import World

CODE_LIFETIME_S = 600.0
TOKEN_LIFETIME_S = 7 * 24 * 3600.0
KNOWN_SCOPES = frozenset({"identify", "guilds", "email", "bot", "applications.commands"})


@dataclass
class Grant:
    """What a code or an access token stands for."""

    user: FakeUser
    scopes: frozenset[str]
    expires_at: float
    redirect_uri: str = ""


@dataclass
class OAuth:
    """The OAuth2 state of the fake: the client, codes, tokens and the browser's user."""

    client_id: int
    clock: FakeClock
    world: World
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    redirect_uris: set[str] = field(default_factory=set)
    signed_in: FakeUser | None = None
    consent: bool = True
    codes: dict[str, Grant] = field(default_factory=dict)
    used_codes: set[str] = field(default_factory=set)
    tokens: dict[str, Grant] = field(default_factory=dict)

    def sign_in(self, user: FakeUser | None, *, consent: bool = True) -> None:
        """The browser's Discord user (None: signed out) and whether they will approve."""
        self.signed_in, self.consent = user, consent

    def grant_for(self, token: str) -> Grant:
        """The live grant of an access token; 401 for an unknown or expired one."""
        grant = self.tokens.get(token)
        if grant is None or grant.expires_at <= self.clock.time():
            raise errors.unauthorized()
        return grant

    def expire_tokens(self) -> None:
        """Every access token given so far lapses (as after a week)."""
        for grant in self.tokens.values():
            grant.expires_at = self.clock.time()

    # ----- the browser's side -------------------------------------------------------------
    async def authorize(self, request: web.Request) -> web.StreamResponse:
        """``GET /oauth2/authorize``: checks, then the redirect back to the app."""
        query = request.query
        redirect = query.get("redirect_uri", "")
        problem = self._authorize_problem(query.get("client_id", ""), redirect, query)
        if problem is not None:
            return web.Response(status=400, text=f"Invalid OAuth2 request: {problem}")
        state = {"state": query["state"]} if "state" in query else {}
        if self.signed_in is None or not self.consent:
            target = f"{redirect}?{urlencode({'error': 'access_denied', **state})}"
            raise web.HTTPFound(target)
        code = secrets.token_urlsafe(20)
        scopes = frozenset(query.get("scope", "").split())
        self.codes[code] = Grant(
            self.signed_in, scopes, self.clock.time() + CODE_LIFETIME_S, redirect
        )
        raise web.HTTPFound(f"{redirect}?{urlencode({'code': code, **state})}")

    def _authorize_problem(self, client_id: str, redirect: str, query: object) -> str | None:
        params = dict(query)  # type: ignore[call-overload]
        if params.get("response_type") != "code":
            return "response_type must be code"
        if client_id != str(self.client_id):
            return "unknown client_id"
        if redirect not in self.redirect_uris:
            return "redirect_uri is not registered for this application"
        scopes = set(params.get("scope", "").split())
        if not scopes or not scopes <= KNOWN_SCOPES:
            return "invalid scope"
        return None

    # ----- the app's side -----------------------------------------------------------------
    def register(self, router: Router) -> None:
        """The REST routes (the browser's page is mounted by the fake's server)."""
        router.add("POST", "/oauth2/token", self.token, auth=False)
        router.add("GET", "/users/@me/guilds", self.my_guilds, auth=False, bearer=True)

    async def token(self, ctx: RequestContext) -> Reply:
        """``POST /oauth2/token``: an authorization code for an access token."""
        form = ctx.body.form
        client = self._client(ctx, form)
        if client is not None:
            return client
        if form.get("grant_type") != "authorization_code":
            return _oauth_error(400, "unsupported_grant_type", "Unsupported grant type.")
        code = form.get("code", "")
        grant = self.codes.pop(code, None)
        if code in self.used_codes or grant is None or grant.expires_at <= self.clock.time():
            self.used_codes.add(code)
            return _oauth_error(400, "invalid_grant", 'Invalid "code" in request.')
        self.used_codes.add(code)
        if form.get("redirect_uri") != grant.redirect_uri:
            return _oauth_error(400, "invalid_grant", 'Invalid "redirect_uri" in request.')
        access = secrets.token_urlsafe(24)
        self.tokens[access] = Grant(grant.user, grant.scopes, self.clock.time() + TOKEN_LIFETIME_S)
        return Reply(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": int(TOKEN_LIFETIME_S),
                "refresh_token": secrets.token_urlsafe(24),
                "scope": " ".join(sorted(grant.scopes)),
            }
        )

    def _client(self, ctx: RequestContext, form: dict[str, str]) -> Reply | None:
        """401 ``invalid_client`` unless the app's id and secret come with the request."""
        given = (form.get("client_id"), form.get("client_secret"))
        header = ctx.headers.get("Authorization", "")
        if header.startswith("Basic "):
            decoded = base64.b64decode(header[6:]).decode(errors="replace")
            client_id, _, secret = decoded.partition(":")
            given = (client_id, secret)
        if given != (str(self.client_id), self.client_secret):
            return _oauth_error(401, "invalid_client", "Invalid client.")
        return None

    async def my_guilds(self, ctx: RequestContext) -> Reply:
        """``GET /users/@me/guilds``: the user's servers, partial, paginated by id."""
        grant = ctx.grant
        if grant is None or "guilds" not in grant.scopes:
            raise errors.unauthorized()
        limit = _limit(ctx.query.get("limit", "200"))
        guilds = sorted(
            (g for g in self.world.guilds.values() if grant.user.id in g.members),
            key=lambda g: g.id,
        )
        if "before" in ctx.query:
            guilds = [g for g in guilds if g.id < int(ctx.query["before"])][-limit:]
        else:
            guilds = [g for g in guilds if g.id > int(ctx.query.get("after", "0"))][:limit]
        return Reply([self._partial(g.id, grant.user) for g in guilds])

    def _partial(self, guild_id: int, user: FakeUser) -> JSON:
        guild = self.world.guilds[guild_id]
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "banner": None,
            "owner": guild.owner_id == user.id,
            "permissions": str(self.world.base_permissions(guild, user.id)),
            "features": [],
        }

    def me(self, ctx: RequestContext) -> JSON:
        """``GET /users/@me`` with a Bearer token (scope ``identify``)."""
        grant = ctx.grant
        if grant is None or "identify" not in grant.scopes:
            raise errors.unauthorized()
        return user_payload(grant.user)


def _limit(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 200:
        raise errors.form_error(("limit",), "NUMBER_TYPE_MAX", "int value should be <= 200.")
    return int(text)


def _oauth_error(status: int, error: str, description: str) -> Reply:
    """OAuth's own error shape (RFC 6749 §5.2), which Discord's token endpoint uses."""
    return Reply({"error": error, "error_description": description}, status)
