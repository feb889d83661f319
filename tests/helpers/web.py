"""The dashboard end to end: the bot with its dashboard on, and a cookie-keeping HTTP client
that logs in through the fake Discord's OAuth2 exactly as a browser does (redirects
followed, cookies kept per host)."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from pydantic import SecretStr
from yarl import URL

from bot.settings import Settings
from testkit.discord import FakeDiscord, FakeUser
from testkit.gemini import FakeGemini
from tests.helpers.harness import harness_settings

SECRET_KEY = "dashboard-test-key-" + "k" * 32
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def free_port() -> int:
    """A port free on 127.0.0.1 now (the dashboard's URL must be known before it starts)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def dashboard_settings(
    make_settings: Any,
    discord: FakeDiscord,
    gemini: FakeGemini,
    tmp_path: Path,
    **overrides: Any,
) -> Settings:
    """Harness settings with the dashboard on a free port, its redirect registered with the
    fake Discord's application, as an operator registers it in the developer portal."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    discord.oauth.redirect_uris.add(f"{url}/callback")
    values: dict[str, Any] = {
        "dashboard_port": port,
        "dashboard_url": url,
        "discord_client_id": discord.application_id,
        "discord_client_secret": SecretStr(discord.oauth.client_secret),
        "dashboard_secret_key": SecretStr(SECRET_KEY),
        "discord_oauth_url": discord.authorize_url,
        "discord_api_base": discord.api_base,
    }
    return harness_settings(make_settings, discord, gemini, tmp_path, **(values | overrides))


@dataclass(frozen=True)
class Page:
    """One answer: where the client ended up, its status, headers and text."""

    url: str
    status: int
    headers: dict[str, str]
    text: str

    @property
    def path(self) -> str:
        """The final URL's path and query."""
        return str(URL(self.url).path_qs)

    def csrf(self) -> str:
        """The CSRF token of the page's forms."""
        found = _CSRF.search(self.text)
        assert found is not None, "no form with a CSRF token on this page"
        return found.group(1)


class _FormReader(HTMLParser):
    """What a browser would submit from a page's first POST form, unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._in_form = self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method") == "post" and not self._done:
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and "name" in a:
            self._input(a)
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select is not None:
            if "selected" in a or self._select not in self.fields:
                self.fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields[a["name"]] = ""

    def _input(self, a: dict[str, str]) -> None:
        if a.get("type") in ("checkbox", "radio"):
            if "checked" in a:
                self.fields[a["name"]] = a.get("value", "on")
        elif a.get("type") != "submit":
            self.fields[a["name"]] = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form, self._done = False, True


def form_fields(html: str, *, skip_logout: bool = True) -> dict[str, str]:
    """The fields of the page's main form (the logout form in the header skipped), as a
    browser would submit it untouched: inputs, checked boxes, selected options."""
    if skip_logout:
        html = re.sub(r'<form method="post" action="/logout".*?</form>', "", html, flags=re.S)
    reader = _FormReader()
    reader.feed(html)
    return reader.fields


class WebClient:
    """A browser without a screen: follows redirects, keeps cookies."""

    def __init__(self, base_url: str, discord: FakeDiscord, http: aiohttp.ClientSession) -> None:
        self.base_url = base_url
        self._discord = discord
        self.http = http

    async def get(self, path: str, **kwargs: Any) -> Page:
        """GET a dashboard path (or an absolute URL)."""
        return await self._request("GET", path, **kwargs)

    async def post(self, path: str, form: dict[str, str], **kwargs: Any) -> Page:
        """POST a form to a dashboard path."""
        return await self._request("POST", path, data=form, **kwargs)

    async def login(
        self, user: FakeUser, next_path: str | None = None, *, status: int = 200
    ) -> Page:
        """Log in as ``user`` through Discord's consent screen; the page landed on (which
        must answer ``status``)."""
        self._discord.oauth.sign_in(user)
        path = "/login" if next_path is None else f"/login?{urlencode({'next': next_path})}"
        page = await self.get(path)
        assert page.status == status, page.text
        return page

    def session_cookie(self) -> str | None:
        """The dashboard's session cookie value, if any."""
        for cookie in self.http.cookie_jar:
            if cookie.key == "vn_session":
                return cookie.value
        return None

    async def _request(self, method: str, path: str, **kwargs: Any) -> Page:
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        async with self.http.request(method, url, **kwargs) as response:
            return Page(
                url=str(response.url),
                status=response.status,
                headers=dict(response.headers),
                text=await response.text(),
            )


@asynccontextmanager
async def web_client(base_url: str, discord: FakeDiscord) -> AsyncIterator[WebClient]:
    """A fresh client (its own cookie jar: another person, another browser)."""
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1, as a browser keeps them
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        yield WebClient(base_url, discord, http)
