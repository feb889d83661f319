"""discord.py's HTTP session paces the bot-token requests under this process's share of
Discord's global limit (50 per second per bot, topics/rate-limits "Global Rate Limit"):
a process running half the shards takes half of it; requests without the bot's token
(interaction callbacks, the CDN) are not paced."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest_asyncio
from aiohttp import web

from bot.metrics import Metrics
from cogs.ops import GLOBAL_PER_SECOND, discord_trace, global_share


def test_each_process_takes_its_shards_share_of_the_global_limit() -> None:
    assert global_share((), None) == 1.0
    assert global_share((0, 1), 4) == 0.5
    assert global_share((3,), 4) == 0.25


@pytest_asyncio.fixture
async def arrivals() -> AsyncIterator[tuple[str, list[tuple[float, bool]]]]:
    """A loopback server recording when each request arrived and whether it had a token."""
    seen: list[tuple[float, bool]] = []

    async def answer(request: web.Request) -> web.Response:
        seen.append((time.monotonic(), "Authorization" in request.headers))
        return web.Response(text="{}")

    app = web.Application()
    app.router.add_get("/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


def most_within(times: list[float], window_s: float) -> int:
    ordered, best, start = sorted(times), 0, 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= window_s:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_bot_requests_stay_within_the_share_and_others_are_not_paced(
    arrivals: tuple[str, list[tuple[float, bool]]],
) -> None:
    base, seen = arrivals
    share = int(GLOBAL_PER_SECOND * 0.5)
    trace = discord_trace(Metrics(), share=0.5)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:

        async def get(path: str, headers: dict[str, str]) -> None:
            async with session.get(base + path, headers=headers) as response:
                await response.read()

        bot = [get(f"/api/{i}", {"Authorization": "Bot token"}) for i in range(2 * share)]
        await asyncio.gather(*bot)
        paced = [at for at, token in seen]
        # a second's share at once, then the next only as the first leaves the window
        # (0.75 s: room for loopback's jitter on a busy machine)
        assert len(paced) == 2 * share
        assert most_within(paced, 0.75) <= share
        seen.clear()
        await asyncio.gather(*(get(f"/cdn/{i}", {}) for i in range(2 * share)))
        assert most_within([at for at, _ in seen], 0.75) == 2 * share
