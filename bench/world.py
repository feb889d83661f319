"""The benchmarks' world: the fake Discord and a fake Gemini with a configured latency in
this process, the real bot (``python -m bot run``) in child processes, all on loopback.

Every time here is ``time.monotonic()``, one clock for this process and the bots (Linux's
CLOCK_MONOTONIC is system-wide), so a note's post, its Gemini request and its reply line up.
"""

# Helpers take an explicit timeout like asyncio.wait_for; that is the API.

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from testkit.bot_process import BotProcess, bot_environment, http_get
from testkit.discord import FakeChannel, FakeDiscord, FakeGuild, FakeUser, StoredMessage
from testkit.discord.waiting import poll_until
from testkit.gemini import FakeGemini, RecordedRequest, Reply, default_reply
from testkit.net import free_port

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
REPLY_FILES = ("transcript.json", "summary.json")
DONE = "✅"


def transcript(request: RecordedRequest) -> dict[str, Any]:
    """A transcript answer within any chunk's length (the bot checks the times)."""
    segments = [
        {
            "speaker": "Speaker 1",
            "timestamp": f"00:0{2 * i}",
            "content": f"Benchmark sentence number {i}.",
            "language": "en",
            "translation": "",
            "emotion": "neutral",
        }
        for i in range(3)
    ]
    return {"language": "en", "summary": "A benchmark note.", "segments": segments, "flags": []}


class GeminiLatency:
    """The fake Gemini's answers, each sent ``latency_s`` after its request arrived (the
    fake's own decoding of the audio, to count tokens, is inside that time); records when
    each request arrived and was answered."""

    def __init__(self, latency_s: float) -> None:
        self.latency_s = latency_s
        self.served: list[tuple[float, float]] = []

    def __call__(self, request: RecordedRequest) -> Reply:
        schema = request.response_schema or {}
        answer = (
            Reply.json(transcript(request))
            if "segments" in schema.get("properties", {})
            else default_reply(request)
        )
        remaining = max(0.0, self.latency_s - (time.monotonic() - request.time))
        self.served.append((request.time, time.monotonic() + remaining))
        return Reply.slow(remaining, answer) if remaining > 0 else answer

    def busy_s(self, since: float) -> float:
        """Seconds after ``since`` during which at least one request was at Gemini."""
        spans = sorted((max(a, since), b) for a, b in self.served if b > since)
        total, end = 0.0, since
        for start, stop in spans:
            if stop > end:
                total += stop - max(start, end)
                end = stop
        return total


async def poll_async(
    predicate: Callable[[], Awaitable[bool]], *, timeout: float, what: str
) -> None:
    """Until ``await predicate()`` is true (TimeoutError naming ``what`` otherwise)."""
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(0.05)


def parse_metrics(text: str) -> Samples:
    """Every sample of a Prometheus exposition, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def sample(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value (0 when absent)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


@dataclass
class RunningBot:
    """A bot process and its operators' port."""

    process: BotProcess
    port: int

    async def metrics(self) -> Samples:
        """``/metrics`` now."""
        status, text = await http_get(self.port, "/metrics", timeout=30)
        if status != 200:
            raise RuntimeError(f"/metrics answered {status}")
        return parse_metrics(text)

    async def jobs_done(self) -> float:
        """Jobs this process finished, delivered or not (every origin)."""
        samples = await self.metrics()
        return sum(v for (name, _), v in samples.items() if name == "voicenotes_jobs_total")


@dataclass
class BenchWorld:
    """Servers (premium tier 3: 100 MiB uploads), their channels and a member; the bots."""

    discord: FakeDiscord
    gemini: FakeGemini
    latency: GeminiLatency
    guilds: list[FakeGuild]
    channels: list[FakeChannel]
    member: FakeUser
    tmp: Path
    posted: dict[int, float] = field(default_factory=dict)
    replied: dict[int, float] = field(default_factory=dict)
    replies: Counter[int] = field(default_factory=Counter)
    bots: list[RunningBot] = field(default_factory=list)

    def _on_bot_message(self, message: StoredMessage) -> None:
        if any(a.filename in REPLY_FILES for a in message.attachments):
            self.replies[message.channel_id] += 1  # a reply thread's id is its note's
            self.replied.setdefault(message.channel_id, time.monotonic())

    async def start_bot(self, name: str = "bot", **settings: object) -> RunningBot:
        """``python -m bot run`` on this world, connected; ``settings`` as env variables."""
        port = free_port()
        defaults: dict[str, object] = {
            "quota_user_minutes_per_day": 0,
            "quota_guild_minutes_per_day": 0,
            "gemini_requests_per_minute": 10_000,
            "gemini_timeout_seconds": 600,
        }
        data_dir = self.tmp / f"{name}-data"  # each process its own work dir
        env = bot_environment(
            self.discord, self.gemini, data_dir, http_port=port, **(defaults | settings)
        )
        before = len(self.discord.sessions)
        process = await BotProcess.start(env, cwd=self.tmp, log_path=self.tmp / f"{name}.log")
        await process.wait_connected(self.discord, before, timeout=60)
        bot = RunningBot(process, port)
        self.bots.append(bot)
        return bot

    async def post(self, data: bytes, index: int = 0) -> StoredMessage:
        """The member posts a voice note in channel ``index`` (modulo the channels)."""
        channel = self.channels[index % len(self.channels)]
        started = time.monotonic()
        note = await self.discord.post_voice_message(channel, self.member, data)
        self.posted[note.id] = started
        return note

    async def post_all(self, notes: list[bytes]) -> list[StoredMessage]:
        """Every note at once, spread over the channels."""
        return list(await asyncio.gather(*(self.post(d, i) for i, d in enumerate(notes))))

    async def wait_replies(self, notes: list[StoredMessage], timeout: float) -> None:
        """Until every note has its reply."""
        await poll_until(
            lambda: all(n.id in self.replied for n in notes),
            timeout=timeout,
            interval=0.05,
            what=f"replies to {len(notes)} notes",
        )

    async def wait_finished(self, notes: list[StoredMessage], timeout: float) -> None:
        """Until every note has its ✅ (the bot is done with it, reactions included)."""
        await poll_until(
            lambda: all(self.discord.reactions_on(n).get(DONE) for n in notes),
            timeout=timeout,
            interval=0.05,
            what=f"{len(notes)} notes to be finished",
        )

    def span_s(self, notes: list[StoredMessage]) -> float:
        """From the first post to the last reply."""
        return max(self.replied[n.id] for n in notes) - min(self.posted[n.id] for n in notes)

    def answered_once(self, notes: list[StoredMessage]) -> bool:
        """Every note has exactly one reply."""
        return all(self.replies[n.id] == 1 for n in notes)

    async def stop_bots(self) -> None:
        """Stop every bot (SIGTERM, then SIGKILL if needed)."""
        for bot in self.bots:
            if bot.process.running:
                try:
                    await bot.process.terminate(timeout=60)
                except TimeoutError:
                    await bot.process.ensure_stopped()
        self.bots.clear()


def guilds_on_shards(discord: FakeDiscord, shards: int) -> list[FakeGuild]:
    """Servers (premium tier 3: 100 MiB uploads) until every shard has one, as a bot on
    many servers has: a server's shard is ``(guild_id >> 22) % shards``, and the id's
    timestamp moves a millisecond between two servers."""
    guilds: list[FakeGuild] = []
    while len({(guild.id >> 22) % shards for guild in guilds}) < shards:
        guilds.append(discord.add_guild(f"Bench Guild {len(guilds)}", premium_tier=3))
        discord.clock.advance(0.001)
    return guilds


@asynccontextmanager
async def open_world(
    tmp: Path, *, latency_s: float, channels: int = 1, shards: int = 1
) -> AsyncIterator[BenchWorld]:
    """A started world, its channels spread over servers on every one of ``shards``; its
    bots are stopped at the end."""
    async with FakeDiscord() as discord, FakeGemini() as gemini:
        guilds = guilds_on_shards(discord, shards)
        member = discord.make_user("alice")
        for guild in guilds:
            discord.add_member(guild, member)
        made = [
            discord.add_text_channel(guilds[i % len(guilds)], f"notes-{i}") for i in range(channels)
        ]
        latency = GeminiLatency(latency_s)
        gemini.set_responder(latency)
        world = BenchWorld(discord, gemini, latency, guilds, made, member, tmp)
        discord.on_bot_message(world._on_bot_message)
        try:
            yield world
        finally:
            await world.stop_bots()
