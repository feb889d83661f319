"""Streaming downloads with a byte cap, against a small local HTTP server."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from bot.audio import DownloadPolicy, DownloadRefused, LinkExpired, download
from bot.errors import AudioTooLarge, ServiceError
from tests.helpers.loopback import serve_on_loopback

BODY = b"OggS" + bytes(300_000)
LOOPBACK = DownloadPolicy(
    frozenset({"127.0.0.1"}), (ipaddress.ip_network("127.0.0.1/32"),)
)  # the test server, allowlisted explicitly as an operator would


@pytest_asyncio.fixture
async def server() -> AsyncIterator[tuple[str, list[str]]]:
    hits: list[str] = []
    failures = {"flaky": 2}

    async def handle(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        hits.append(name)
        if name == "gone":
            return web.Response(status=404)
        if name == "flaky" and failures["flaky"] > 0:
            failures["flaky"] -= 1
            return web.Response(status=503)
        if name == "broken":
            return web.Response(status=500)
        if name == "to-ok":  # a redirect on the allowlist is followed, hop by hop
            return web.Response(status=302, headers={"Location": "/ok"})
        if name == "to-elsewhere":  # off the allowlist: never followed
            return web.Response(status=302, headers={"Location": "http://example.com/x"})
        if name == "to-loopback-alias":  # loopback, but not the allowlisted address
            return web.Response(status=307, headers={"Location": "http://127.0.0.2/ok"})
        if name == "unannounced":  # chunked: no Content-Length to trust or refuse
            response = web.StreamResponse()
            await response.prepare(request)
            for start in range(0, len(BODY), 65536):
                await response.write(BODY[start : start + 65536])
            await response.write_eof()
            return response
        return web.Response(body=BODY)

    app = web.Application()
    app.router.add_get("/{name}", handle)
    async with serve_on_loopback(app) as port:
        yield f"http://127.0.0.1:{port}", hits


async def fetch(base: str, name: str, dest: Path, max_bytes: int = 1_000_000) -> int:
    async with aiohttp.ClientSession() as session:
        return await download(session, f"{base}/{name}", dest, max_bytes=max_bytes, policy=LOOPBACK)


async def test_downloads_to_disk(server: tuple[str, list[str]], tmp_path: Path) -> None:
    base, _ = server
    assert await fetch(base, "ok", tmp_path / "a") == len(BODY)
    assert (tmp_path / "a").read_bytes() == BODY


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("ok", r"This file is 293 KB; the limit is 98 KB\."),  # announced size, not read
        ("unannounced", r"This file is larger than the 98 KB limit\."),
    ],
)
async def test_over_the_cap_is_refused(
    server: tuple[str, list[str]], tmp_path: Path, name: str, message: str
) -> None:
    base, _ = server
    with pytest.raises(AudioTooLarge, match=message):
        await fetch(base, name, tmp_path / "a", max_bytes=100_000)


async def test_expired_links_and_server_errors(
    server: tuple[str, list[str]], tmp_path: Path
) -> None:
    base, hits = server
    with pytest.raises(LinkExpired):
        await fetch(base, "gone", tmp_path / "a")
    assert await fetch(base, "flaky", tmp_path / "b") == len(BODY)
    assert hits.count("flaky") == 3
    with pytest.raises(ServiceError, match="couldn't download"):
        await fetch(base, "broken", tmp_path / "c")
    assert not (tmp_path / "c").exists()


async def test_redirects_are_followed_only_on_the_allowlist(
    server: tuple[str, list[str]], tmp_path: Path
) -> None:
    base, hits = server
    assert await fetch(base, "to-ok", tmp_path / "a") == len(BODY)
    assert hits == ["to-ok", "ok"]
    for name in ("to-elsewhere", "to-loopback-alias"):
        with pytest.raises(DownloadRefused):
            await fetch(base, name, tmp_path / name)
        assert not (tmp_path / name).exists()
    assert hits == ["to-ok", "ok", "to-elsewhere", "to-loopback-alias"]  # one request each


async def test_loopback_is_refused_unless_explicitly_allowlisted(
    server: tuple[str, list[str]], tmp_path: Path
) -> None:
    base, hits = server
    host_only = DownloadPolicy(frozenset({"127.0.0.1"}))  # on the list, not as private
    async with aiohttp.ClientSession() as session:
        with pytest.raises(DownloadRefused):
            await download(session, f"{base}/ok", tmp_path / "a", max_bytes=10**6, policy=host_only)
    assert hits == []  # refused before any connection
