"""Logging in with Discord: OAuth2's authorization code grant, scopes identify and guilds.

Only what a login needs: the authorize URL (with a ``state`` and the exact redirect URI),
the code exchange, and who the person is and which servers they are in. The servers come
as partial guilds (no roles, no channel overwrites), so rights are never taken from them:
they are checked against the bot's own view of the member at every request.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bot.web._config import DashboardConfig

log = logging.getLogger(__name__)
SCOPES = "identify guilds"
PAGE = 200  # Discord's largest page of /users/@me/guilds
MAX_PAGES = 10  # a bound: 2,000 servers is more than anyone can be in


class LoginFailed(Exception):
    """Discord did not vouch for this login (a bad or reused code, a refused token)."""


@dataclass(frozen=True)
class Identity:
    """Who logged in, and the servers they are in (as Discord said at login)."""

    user_id: int
    name: str
    guild_ids: tuple[int, ...]


class DiscordOAuth:
    """The OAuth2 client (its HTTP session is the caller's)."""

    def __init__(self, http: aiohttp.ClientSession, config: DashboardConfig) -> None:
        self._http = http
        self._config = config

    def authorize_url(self, state: str) -> str:
        """Where the browser goes to log in."""
        query = {
            "response_type": "code",
            "client_id": str(self._config.client_id),
            "scope": SCOPES,
            "state": state,
            "redirect_uri": self._config.redirect_uri,
            "prompt": "none",
        }
        return f"{self._config.authorize_url}?{urlencode(query)}"

    async def identify(self, code: str) -> Identity:
        """Exchange the code, then read the user and their servers (LoginFailed if any
        step is refused)."""
        token = await self._exchange(code)
        user = await self._get("/users/@me", token)
        guild_ids: list[int] = []
        after = "0"
        for _ in range(MAX_PAGES):
            page = await self._get(f"/users/@me/guilds?limit={PAGE}&after={after}", token)
            guild_ids += [int(g["id"]) for g in page]
            if len(page) < PAGE:
                break
            after = page[-1]["id"]
        name = str(user.get("global_name") or user.get("username") or user["id"])
        return Identity(int(user["id"]), name, tuple(guild_ids))

    async def _exchange(self, code: str) -> str:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self._config.redirect_uri,
        }
        # HTTP Basic client authentication (RFC 6749 §2.3.1), which Discord accepts.
        pair = f"{self._config.client_id}:{self._config.client_secret}".encode()
        headers = {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        url = f"{self._config.api_base}/oauth2/token"
        async with self._http.post(url, data=form, headers=headers) as response:
            body = await response.json(content_type=None)
            if response.status != 200 or "access_token" not in body:
                log.info("dashboard login refused by Discord (%s)", response.status)
                raise LoginFailed(str(body.get("error", response.status)))
            return str(body["access_token"])

    async def _get(self, path: str, token: str) -> Any:
        headers = {"Authorization": f"Bearer {token}"}
        async with self._http.get(f"{self._config.api_base}{path}", headers=headers) as response:
            if response.status != 200:
                log.info("dashboard login: %s answered %s", path.split("?")[0], response.status)
                raise LoginFailed(str(response.status))
            return await response.json(content_type=None)
