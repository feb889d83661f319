"""The fake Discord's OAuth2 behaves as Discord's (developers/topics/oauth2.md)."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import aiohttp
import pytest
import pytest_asyncio

from testkit.discord import FakeDiscord, FakeUser

REDIRECT = "http://127.0.0.1:9/callback"


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def user(fake_discord: FakeDiscord) -> FakeUser:
    fake_discord.oauth.redirect_uris.add(REDIRECT)
    ada = fake_discord.make_user("ada")
    fake_discord.oauth.sign_in(ada)
    return ada


def _authorize_query(fake: FakeDiscord, **overrides: str) -> str:
    query = {
        "response_type": "code",
        "client_id": str(fake.application_id),
        "scope": "identify guilds",
        "state": "st",
        "redirect_uri": REDIRECT,
    }
    return urlencode(query | overrides)


async def _code(fake: FakeDiscord, http: aiohttp.ClientSession, **overrides: str) -> str:
    url = f"{fake.authorize_url}?{_authorize_query(fake, **overrides)}"
    async with http.get(url, allow_redirects=False) as response:
        assert response.status == 302
        target = urlparse(response.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == REDIRECT
    params = parse_qs(target.query)
    assert params["state"] == ["st"]
    return params["code"][0]


async def _token(
    fake: FakeDiscord, http: aiohttp.ClientSession, code: str, **overrides: str
) -> tuple[int, dict[str, Any]]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": str(fake.application_id),
        "client_secret": fake.oauth.client_secret,
    } | overrides
    async with http.post(f"{fake.api_base}/oauth2/token", data=form) as response:
        return response.status, await response.json()


async def _get(
    fake: FakeDiscord, http: aiohttp.ClientSession, path: str, token: str
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    async with http.get(f"{fake.api_base}{path}", headers=headers) as response:
        return response.status, await response.json()


async def test_the_code_grant_end_to_end(
    fake_discord: FakeDiscord, http: aiohttp.ClientSession, user: FakeUser
) -> None:
    guild = fake_discord.add_guild("Shared")
    fake_discord.add_member(guild, user, permissions={"MANAGE_GUILD"})
    fake_discord.add_guild("Not theirs")
    status, body = await _token(fake_discord, http, await _code(fake_discord, http))
    assert status == 200
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "guilds identify"
    assert body["expires_in"] == 604800
    _, me = await _get(fake_discord, http, "/users/@me", body["access_token"])
    assert me["id"] == str(user.id)
    _, guilds = await _get(fake_discord, http, "/users/@me/guilds", body["access_token"])
    assert [g["name"] for g in guilds] == ["Shared"]
    (partial,) = guilds
    assert set(partial) == {"id", "name", "icon", "banner", "owner", "permissions", "features"}
    assert int(partial["permissions"]) & (1 << 5)  # MANAGE_GUILD, base permissions only


async def test_basic_client_authentication_is_accepted(
    fake_discord: FakeDiscord, http: aiohttp.ClientSession, user: FakeUser
) -> None:
    code = await _code(fake_discord, http)
    pair = f"{fake_discord.application_id}:{fake_discord.oauth.client_secret}".encode()
    headers = {"Authorization": "Basic " + base64.b64encode(pair).decode()}
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    async with http.post(
        f"{fake_discord.api_base}/oauth2/token", data=form, headers=headers
    ) as response:
        assert response.status == 200


async def test_a_code_works_once(
    fake_discord: FakeDiscord, http: aiohttp.ClientSession, user: FakeUser
) -> None:
    code = await _code(fake_discord, http)
    assert (await _token(fake_discord, http, code))[0] == 200
    fake_discord.expect_rejection(status=400)
    status, body = await _token(fake_discord, http, code)
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_a_bad_or_expired_code_is_invalid_grant(
    fake_discord: FakeDiscord, http: aiohttp.ClientSession, user: FakeUser
) -> None:
    fake_discord.expect_rejection(status=400)
    assert (await _token(fake_discord, http, "made-up"))[1]["error"] == "invalid_grant"
    code = await _code(fake_discord, http)
    fake_discord.clock.advance(601)  # codes live ten minutes
    assert (await _token(fake_discord, http, code))[1]["error"] == "invalid_grant"


async def test_the_redirect_uri_must_match_the_authorize_request(
    fake_discord: FakeDiscord, http: aiohttp.ClientSession, user: FakeUser
) -> None:
    code = await _code(fake_discord, http)
    fake_discord.expect_rejection(status=400)
    status, body = await _token(fake_discord, http, code, redirect_uri="http://127.0.0.1:9/x")
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_a_wrong_client_secret_is_invalid_client(
    fake_discord: FakeDiscord, http: aiohttp.ClientSession, user: FakeUser
) -> None:
    code = await _code(fake_discord, http)
    fake_discord.expect_rejection(status=401)
    status, body = await _token(fake_discord, http, code, client_secret="guess")
    assert (status, body["error"]) == (401, "invalid_client")


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        ({"redirect_uri": "http://127.0.0.1:9/elsewhere"}, "redirect_uri"),
        ({"client_id": "1"}, "client_id"),
        ({"response_type": "token"}, "response_type"),
        ({"scope": "identify admin"}, "scope"),
    ],
)
async def test_authorize_refuses_what_discord_refuses(
    fake_discord: FakeDiscord,
    http: aiohttp.ClientSession,
    user: FakeUser,
    override: dict[str, str],
    problem: str,
) -> None:
    url = f"{fake_discord.authorize_url}?{_authorize_query(fake_discord, **override)}"
    async with http.get(url, allow_redirects=False) as response:
        assert response.status == 400
        assert problem in await response.text()


async def test_denied_consent_redirects_with_access_denied(
    fake_discord: FakeDiscord, http: aiohttp.ClientSession, user: FakeUser
) -> None:
    fake_discord.oauth.sign_in(user, consent=False)
    url = f"{fake_discord.authorize_url}?{_authorize_query(fake_discord)}"
    async with http.get(url, allow_redirects=False) as response:
        params = parse_qs(urlparse(response.headers["Location"]).query)
    assert params == {"error": ["access_denied"], "state": ["st"]}


async def test_expired_and_unknown_tokens_are_401(
    fake_discord: FakeDiscord, http: aiohttp.ClientSession, user: FakeUser
) -> None:
    _, body = await _token(fake_discord, http, await _code(fake_discord, http))
    token = body["access_token"]
    assert (await _get(fake_discord, http, "/users/@me", token))[0] == 200
    fake_discord.oauth.expire_tokens()
    fake_discord.expect_rejection(status=401)
    assert (await _get(fake_discord, http, "/users/@me", token))[0] == 401
    assert (await _get(fake_discord, http, "/users/@me", "forged"))[0] == 401


async def test_scopes_limit_what_a_token_reads(
    fake_discord: FakeDiscord, http: aiohttp.ClientSession, user: FakeUser
) -> None:
    code = await _code(fake_discord, http, scope="identify")
    _, body = await _token(fake_discord, http, code)
    fake_discord.expect_rejection(status=401)
    assert (await _get(fake_discord, http, "/users/@me/guilds", body["access_token"]))[0] == 401


async def test_guilds_are_paginated_by_id(
    fake_discord: FakeDiscord, http: aiohttp.ClientSession, user: FakeUser
) -> None:
    for n in range(5):
        fake_discord.add_member(fake_discord.add_guild(f"g{n}"), user)
    _, body = await _token(fake_discord, http, await _code(fake_discord, http))
    token = body["access_token"]
    _, first = await _get(fake_discord, http, "/users/@me/guilds?limit=2", token)
    _, second = await _get(
        fake_discord, http, f"/users/@me/guilds?limit=2&after={first[-1]['id']}", token
    )
    _, everything = await _get(fake_discord, http, "/users/@me/guilds", token)
    assert [g["name"] for g in first + second] == ["g0", "g1", "g2", "g3"]
    assert len(everything) == 5
    fake_discord.expect_rejection(status=400)
    assert (await _get(fake_discord, http, "/users/@me/guilds?limit=201", token))[0] == 400
