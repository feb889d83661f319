"""The Discord side of operations: shard state, and what Discord's HTTP answers say.

* :func:`discord_trace` is an aiohttp trace config for discord.py's own HTTP session
  (``Client(http_trace=...)``). Before each request made with the bot's token it waits for
  room under Discord's global limit: "all bots can make up to 50 requests per second to our
  API" (topics/rate-limits, "Global Rate Limit"), interaction endpoints excepted, which need
  no token. discord.py only reacts to a global 429 after the fact, and every such 429 is an
  invalid request; a burst of notes (a reaction, a thread and a reply each) would meet it.
  The limit is the bot's, across processes: each process takes the share of it that its
  shards are of all shards (``SHARD_IDS`` of ``SHARD_COUNT``). Discord counts a request when
  it arrives, so :class:`SendPacer` counts each one when its headers are written, not when it
  starts: a burst's requests all start at once, then wait for connections and for the event
  loop, and a second's worth of them started together can be sent late, in the next second,
  beside that second's own (the first benchmark's burst met the global limit so). And
  between a send and its arrival lies the network's jitter: requests sent evenly can arrive
  bunched. So a sent request holds its place for a second plus ``ARRIVAL_JITTER_S``: as long
  as no request takes longer than that margin more than another to arrive, no second of
  arrivals holds more than the pace (45, with room to 50 besides). The price is a pace of
  45 per 1.25 s (36 a second) once it binds, which a voice-note bot seldom meets. When it
  binds, what can wait does: requests made inside :func:`courtesy` (reactions, status
  messages) let every other waiting request go first, so a burst's replies are not queued
  behind hundreds of ⏳ and "Queued" messages. They wait for their turn *before*
  discord.py takes their place in the route's bucket (:func:`gate_courtesies`): a bucket
  discord.py has not learnt yet lets one request through at a time, and a courtesy
  yielding inside it held the reply to the same thread or channel behind it for seconds.
  After each answer it counts 429s by their ``X-RateLimit-Scope`` and the answers Discord
  counts toward its ban on invalid requests: 401, 403 and 429, except 429s of the
  ``shared`` scope ("Invalid Request Limit").
* :class:`ShardMonitor` follows the shards' connections (``on_shard_ready``/``resumed``/
  ``disconnect``); :class:`DiscordCheck` turns that into the readiness check: every shard
  this process runs is connected.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import SimpleNamespace
from typing import Any

import aiohttp
import discord
from discord.ext import commands
from multidict import CIMultiDictProxy

from bot.metrics import Metrics
from bot.ops import CheckResult

# Discord allows 50 per second; the margin covers the jitter between our clock and its.
GLOBAL_PER_SECOND = 45
ARRIVAL_JITTER_S = 0.25  # how much later one request may arrive than another sent with it
_MIN_WAIT_S = 0.001  # a rounded-down wait must still move the clock on
_COURTESY: ContextVar[bool] = ContextVar("discord_courtesy", default=False)
_ADMITTED: ContextVar[list[bool] | None] = ContextVar("discord_admitted", default=None)


@contextmanager
def courtesy() -> Iterator[None]:
    """Bot-token requests made inside (in this task and the ones it starts) wait while any
    other request waits for its place under the global limit."""
    token = _COURTESY.set(True)
    try:
        yield
    finally:
        _COURTESY.reset(token)


def count_discord_answer(metrics: Metrics, status: int, headers: CIMultiDictProxy[str]) -> None:
    """Count one answer of Discord's API (see the module docstring)."""
    if status == 429:
        scope = headers.get("X-RateLimit-Scope", "unknown")
        metrics.discord_rate_limited(scope)
        if scope != "shared":
            metrics.discord_invalid(status)
    elif status in (401, 403):
        metrics.discord_invalid(status)


def global_share(shard_ids: tuple[int, ...], shard_count: int | None) -> float:
    """This process's share of the bot's global request limit: its shards of all shards."""
    if not shard_ids or not shard_count:
        return 1.0
    return len(shard_ids) / shard_count


class SendPacer:
    """At most ``limit`` requests sent in any sliding ``window_s``, each counted from when it
    is sent (:meth:`sent`); a reserved request not yet sent holds its place meanwhile.
    Courtesies are let through (:meth:`admit_courtesy`) only when no other request waits
    for a place and one is free, counting those let through that have not reserved yet."""

    def __init__(
        self,
        limit: int,
        *,
        window_s: float = 1.0 + ARRIVAL_JITTER_S,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._limit = limit
        self._window_s = window_s
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._pending = 0
        self._admitted = 0  # courtesies let through, not reserved yet
        self._changed = asyncio.Event()
        self._lock = asyncio.Lock()
        self._admit_lock = asyncio.Lock()
        self._waiting = 0  # requests waiting for a place
        self._none_waiting = asyncio.Event()
        self._none_waiting.set()

    async def reserve(self) -> None:
        """Wait for a place; the caller then calls :meth:`sent` or :meth:`released`."""
        self._waiting += 1
        self._none_waiting.clear()
        try:
            async with self._lock:
                await self._wait_for_room(lambda used: used < self._limit)
                self._pending += 1
        finally:
            self._waiting -= 1
            if not self._waiting:
                self._none_waiting.set()

    async def admit_courtesy(self) -> None:
        """Wait until no request waits for a place and one is free (counting the courtesies
        let through before), then let this one through; it reserves like any request, and
        calls :meth:`courtesy_settled` once it did (or ended without)."""
        async with self._admit_lock:
            while True:
                await self._none_waiting.wait()
                await self._wait_for_room(lambda used: used + self._admitted < self._limit)
                if not self._waiting:
                    self._admitted += 1
                    return

    def courtesy_settled(self) -> None:
        """A courtesy let through reserved its place (or ended before it asked for one)."""
        self._admitted -= 1
        self._changed.set()

    async def _wait_for_room(self, room: Callable[[int], bool]) -> None:
        """Until ``room(places in use)`` holds: sent in the window, or reserved and unsent."""
        while True:
            now = self._clock()
            while self._sent and now - self._sent[0] >= self._window_s:
                self._sent.popleft()
            if room(len(self._sent) + self._pending):
                return
            if self._sent:
                await self._sleep(max(_MIN_WAIT_S, self._window_s - (now - self._sent[0])))
            else:  # every place is a request still on its way out, or a courtesy let through
                self._changed.clear()
                await self._changed.wait()

    def sent(self) -> None:
        """A reserved request was sent now."""
        self._pending -= 1
        self._sent.append(self._clock())
        self._changed.set()

    def released(self) -> None:
        """A reserved request failed before it was sent."""
        self._pending -= 1
        self._changed.set()


def share_pacer(share: float) -> SendPacer:
    """A pacer for ``share`` of the bot's global limit (see :func:`global_share`)."""
    return SendPacer(max(1, int(GLOBAL_PER_SECOND * share)))


def gate_courtesies(http: discord.http.HTTPClient, pacer: SendPacer) -> None:
    """Make discord.py's REST requests made inside :func:`courtesy` wait for
    :meth:`SendPacer.admit_courtesy` before discord.py takes their place in the route's
    bucket (see the module docstring); the pacing hook then reserves their place."""
    request = http.request

    async def gated(route: discord.http.Route, **kwargs: Any) -> Any:
        if not _COURTESY.get():
            return await request(route, **kwargs)
        await pacer.admit_courtesy()
        admitted = [True]  # until the hook reserves (discord.py may retry: only once)
        token = _ADMITTED.set(admitted)
        try:
            return await request(route, **kwargs)
        finally:
            _ADMITTED.reset(token)
            if admitted[0]:
                pacer.courtesy_settled()

    http.request = gated  # type: ignore[method-assign]


def discord_trace(
    metrics: Metrics, *, share: float = 1.0, pacer: SendPacer | None = None
) -> aiohttp.TraceConfig:
    """A trace config pacing the bot-token requests under ``share`` of the global limit (or
    with ``pacer``) and counting the API's answers into ``metrics`` (CDN downloads and the
    gateway's upgrade are not API requests and are left out)."""

    async def on_request_end(
        _session: aiohttp.ClientSession,
        _context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        if "/api/" in params.url.path:
            count_discord_answer(metrics, params.response.status, params.response.headers)

    trace = aiohttp.TraceConfig()
    _pace(trace, pacer or share_pacer(share))
    trace.on_request_end.append(on_request_end)
    return trace


def _pace(trace: aiohttp.TraceConfig, pace: SendPacer) -> None:
    """Each bot-token request reserves its place in ``pace`` before it starts, and counts
    once its headers are sent (or gives the place back if it fails before)."""

    async def on_request_start(
        _session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        if params.headers.get("Authorization", "").startswith("Bot "):
            admitted = _ADMITTED.get()
            if admitted is not None and admitted[0]:
                admitted[0] = False
                pace.courtesy_settled()
            await pace.reserve()
            context.paced = True

    def settle(context: SimpleNamespace, *, sent: bool) -> None:
        if getattr(context, "paced", False):
            context.paced = False
            if sent:
                pace.sent()
            else:
                pace.released()

    async def on_request_headers_sent(
        _session: aiohttp.ClientSession, context: SimpleNamespace, _params: object
    ) -> None:
        settle(context, sent=True)

    async def on_request_exception(
        _session: aiohttp.ClientSession, context: SimpleNamespace, _params: object
    ) -> None:
        settle(context, sent=False)

    trace.on_request_start.append(on_request_start)
    trace.on_request_headers_sent.append(on_request_headers_sent)
    trace.on_request_exception.append(on_request_exception)


class ShardMonitor(commands.Cog):
    """Which of this process's shards are connected (ready or resumed, not closed since)."""

    def __init__(self, bot: commands.AutoShardedBot, metrics: Metrics) -> None:
        self._bot = bot
        self._metrics = metrics
        self._up: set[int] = set()

    def expected(self) -> list[int]:
        """The shards this process runs (none known before the first connection)."""
        if self._bot.shard_ids is not None:
            return sorted(self._bot.shard_ids)
        return list(range(self._bot.shard_count or 0))

    def connected(self) -> list[int]:
        """The shards connected now."""
        return [
            shard_id
            for shard_id in self.expected()
            if shard_id in self._up
            and (shard := self._bot.get_shard(shard_id)) is not None
            and not shard.is_closed()
        ]

    def _changed(self) -> None:
        self._metrics.shards(connected=len(self.connected()), total=len(self.expected()))

    @commands.Cog.listener()
    async def on_shard_ready(self, shard_id: int) -> None:
        """A shard identified and received its guilds."""
        self._up.add(shard_id)
        self._changed()

    @commands.Cog.listener()
    async def on_shard_resumed(self, shard_id: int) -> None:
        """A shard resumed its session."""
        self._up.add(shard_id)
        self._changed()

    @commands.Cog.listener()
    async def on_shard_disconnect(self, shard_id: int) -> None:
        """A shard lost its connection (discord.py reconnects it)."""
        self._up.discard(shard_id)
        self._changed()


class DiscordCheck:
    """Readiness: every shard this process runs is connected to Discord's gateway."""

    name = "discord"
    needs: tuple[str, ...] = ()

    def __init__(self, monitor: Callable[[], ShardMonitor | None]) -> None:
        self._monitor = monitor

    async def run(self) -> CheckResult:
        """The shards' state now."""
        monitor = self._monitor()
        expected = monitor.expected() if monitor is not None else []
        if monitor is None or not expected:
            return CheckResult(False, "not connected to Discord yet")
        connected = monitor.connected()
        summary = f"{len(connected)} of {len(expected)} shards connected"
        down = sorted(set(expected) - set(connected))
        if down:
            return CheckResult(False, f"{summary} (down: {', '.join(map(str, down))})")
        return CheckResult(True, summary)
