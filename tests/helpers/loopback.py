"""A small HTTP server on 127.0.0.1 for tests that need one (downloads, refusals)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web


@asynccontextmanager
async def serve_on_loopback(app: web.Application) -> AsyncIterator[int]:
    """Serve ``app`` on 127.0.0.1 (a free port, yielded) until the block ends."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield int(runner.addresses[0][1])
    finally:
        await runner.cleanup()


@asynccontextmanager
async def recording_server(body: bytes = b"audio") -> AsyncIterator[tuple[int, list[str]]]:
    """A loopback server answering every GET with ``body``; yields its port and the paths
    it was asked for (a test asserts the list stays empty when nothing may reach it)."""
    hits: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response(body=body)

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    async with serve_on_loopback(app) as port:
        yield port, hits
