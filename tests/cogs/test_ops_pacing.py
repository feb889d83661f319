"""discord.py's HTTP session paces the bot-token requests under this process's share of
Discord's global limit (50 per second per bot, topics/rate-limits "Global Rate Limit"):
a process running half the shards takes half of it; requests without the bot's token
(interaction callbacks, the CDN) are not paced."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
import pytest_asyncio
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from bot.metrics import Metrics
from cogs.ops import (
    ARRIVAL_JITTER_S,
    GLOBAL_PER_SECOND,
    SendPacer,
    courtesy,
    discord_trace,
    gate_courtesies,
    global_share,
)


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


class PacingClock:
    """A monotonic clock the test moves, and a sleep that moves it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


class TracedRequest:
    """One request as aiohttp reports it to a trace config (its public signals)."""

    def __init__(self, trace: aiohttp.TraceConfig) -> None:
        self.trace = trace
        self.context = trace.trace_config_ctx()
        self.url = URL("http://127.0.0.1/api/v10/channels/1/messages")
        self.headers = CIMultiDict({"Authorization": "Bot token"})

    async def start(self) -> None:
        params = aiohttp.TraceRequestStartParams("POST", self.url, self.headers)
        for callback in self.trace.on_request_start:
            await callback(SESSION, self.context, params)

    async def headers_sent(self) -> None:
        params = aiohttp.TraceRequestHeadersSentParams("POST", self.url, self.headers)
        for callback in self.trace.on_request_headers_sent:
            await callback(SESSION, self.context, params)

    async def failed(self) -> None:
        error = aiohttp.ClientConnectionError("refused")
        params = aiohttp.TraceRequestExceptionParams("POST", self.url, self.headers, error)
        for callback in self.trace.on_request_exception:
            await callback(SESSION, self.context, params)


SESSION: aiohttp.ClientSession = None  # type: ignore[assignment]  # the callbacks ignore it


async def test_requests_count_when_sent_so_late_ones_never_crowd_the_next_second() -> None:
    """Discord counts arrivals: a second's worth of requests started together but sent late
    (waiting for connections, a busy loop) must not share a second with the next ones."""
    clock = PacingClock()
    pacer = SendPacer(3, window_s=1.0, clock=clock, sleep=clock.sleep)
    trace = discord_trace(Metrics(), pacer=pacer)
    first = [TracedRequest(trace) for _ in range(3)]
    for request in first:
        await request.start()
    clock.now = 0.75  # all three go out late
    for request in first:
        await request.headers_sent()
    clock.now = 1.0
    late = TracedRequest(trace)
    await late.start()
    assert clock.now == pytest.approx(1.75)  # not before the three sent at 0.75 leave


async def test_a_sent_request_holds_its_place_a_second_and_the_arrival_jitter() -> None:
    """Requests sent evenly can arrive bunched: each counts for a second plus the jitter."""
    clock = PacingClock()
    trace = discord_trace(Metrics(), pacer=SendPacer(1, clock=clock, sleep=clock.sleep))
    first = TracedRequest(trace)
    await first.start()
    await first.headers_sent()
    await TracedRequest(trace).start()
    assert clock.now == pytest.approx(1.0 + ARRIVAL_JITTER_S)


async def test_a_request_waits_while_every_place_is_on_its_way_out_or_failed() -> None:
    clock = PacingClock()
    trace = discord_trace(Metrics(), pacer=SendPacer(2, clock=clock, sleep=clock.sleep))
    first, second = TracedRequest(trace), TracedRequest(trace)
    await first.start()
    await second.start()
    third = asyncio.create_task(TracedRequest(trace).start())
    await asyncio.sleep(0)
    assert not third.done()  # two reserved, none sent yet
    await first.failed()  # never sent: its place is free again
    await asyncio.wait_for(third, timeout=5)
    assert clock.now == 0.0


class TracedHTTP:
    """Stands in for discord.py's HTTPClient: each request goes through the trace hooks."""

    def __init__(self, trace: aiohttp.TraceConfig) -> None:
        self.trace = trace
        self.order: list[str] = []

    async def request(self, route: str, **_kwargs: object) -> None:
        request = TracedRequest(self.trace)
        await request.start()
        self.order.append(route)
        await request.headers_sent()


async def test_courtesies_let_every_other_waiting_request_go_first() -> None:
    """Under the global limit a burst's replies go before its reactions and status
    messages, even those that were waiting already."""
    clock, gate = PacingClock(), asyncio.Event()

    async def sleep(seconds: float) -> None:
        await gate.wait()  # the first courtesy waits for room until the reply is waiting too
        await clock.sleep(seconds)

    pacer = SendPacer(1, clock=clock, sleep=sleep)
    http = TracedHTTP(discord_trace(Metrics(), pacer=pacer))
    gate_courtesies(http, pacer)  # type: ignore[arg-type]

    async def send(name: str) -> None:
        if name.startswith("courtesy"):
            with courtesy():
                await http.request(name)
        else:
            await http.request(name)

    await send("first")
    waiting = [asyncio.create_task(send(name)) for name in ("courtesy 1", "courtesy 2")]
    await asyncio.sleep(0)
    waiting.append(asyncio.create_task(send("reply")))
    await asyncio.sleep(0)
    gate.set()
    await asyncio.wait_for(asyncio.gather(*waiting), timeout=5)
    assert http.order == ["first", "reply", "courtesy 1", "courtesy 2"]


async def test_a_courtesy_waiting_for_its_turn_holds_no_place_in_discord_pys_bucket(
    arrivals: tuple[str, list[tuple[float, bool]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """discord.py lets one request at a time through a bucket it has not learnt yet: a
    courtesy that waited for its turn inside it would hold the reply to the same channel
    behind it. It waits before discord.py's bucket, so the reply goes first."""
    base, _ = arrivals
    paths: list[str] = []
    monkeypatch.setattr(discord.http.Route, "BASE", f"{base}/api/v10")
    pacer = SendPacer(1, window_s=0.3)
    trace = discord_trace(Metrics(), pacer=pacer)
    trace.on_request_start.append(lambda _s, _c, params: _record(paths, params))
    http = discord.http.HTTPClient(asyncio.get_running_loop(), http_trace=trace)
    gate_courtesies(http, pacer)
    try:
        await http.static_login("token")
        await http.get_message(1, 10)  # fills the window

        async def courtesy_fetch() -> None:
            with courtesy():
                await http.get_message(1, 11)

        waiting = asyncio.create_task(courtesy_fetch())
        await asyncio.sleep(0.05)
        await asyncio.wait_for(asyncio.gather(waiting, http.get_message(1, 12)), timeout=10)
    finally:
        await http.close()
    assert [path.rsplit("/", 1)[-1] for path in paths[-2:]] == ["12", "11"]


async def _record(paths: list[str], params: aiohttp.TraceRequestStartParams) -> None:
    paths.append(params.url.path)
