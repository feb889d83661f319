"""The operators' endpoints of the real ``python -m bot run`` (``HTTP_PORT`` set).

``/readyz`` goes 503 naming the failed check when the fake Discord's gateway is out or the
database is unreachable, and back to 200 when they return, while ``/livez`` stays 200 all
along (a container runtime must not restart the bot for an outage). ``/metrics`` parses
with prometheus_client's own parser and its counters move by exactly one for one note.
"""

# Test helpers take an explicit timeout like asyncio.wait_for; that is the API.

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio
from prometheus_client.parser import text_string_to_metric_families

from testkit.bot_process import BotProcess, bot_environment, http_get
from testkit.discord import FakeChannel, FakeDiscord, FakeUser
from testkit.gemini import FakeGemini, Reply
from testkit.net import free_port
from testkit.postgres import PostgresServer
from testkit.tcp_proxy import TcpProxy
from tests.helpers.harness import transcript_reply
from tests.helpers.polling import wait_for_async

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


class OpsBot:
    """A bot process with its operators' port."""

    def __init__(self, process: BotProcess, port: int) -> None:
        self.process = process
        self.port = port

    async def readiness(self, status: int, timeout: float = 60.0) -> dict[str, Any]:
        """Poll ``/readyz`` until it answers ``status``; its JSON body."""
        seen: dict[str, Any] = {}

        async def answers() -> bool:
            code, text = await http_get(self.port, "/readyz")
            seen["body"] = json.loads(text)
            return code == status

        await wait_for_async(answers, timeout=timeout, interval=0.1, what=f"/readyz {status}")
        body: dict[str, Any] = seen["body"]
        return body

    async def alive(self) -> bool:
        """Whether ``/livez`` answers 200."""
        return (await http_get(self.port, "/livez"))[0] == 200

    async def metrics(self) -> Samples:
        """Every sample of ``/metrics``, parsed by prometheus_client."""
        status, text = await http_get(self.port, "/metrics")
        assert status == 200
        return {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }


@pytest_asyncio.fixture
async def world(
    fake_discord: FakeDiscord, fake_gemini: FakeGemini
) -> tuple[FakeDiscord, FakeChannel, FakeUser]:
    guild = fake_discord.add_guild("Ops Guild")
    channel = fake_discord.add_text_channel(guild, "general")
    alice = fake_discord.make_user("alice")
    fake_discord.add_member(guild, alice)
    return fake_discord, channel, alice


async def start_bot(
    discord: FakeDiscord, gemini: FakeGemini, tmp_path: Path, **settings: object
) -> OpsBot:
    """The bot with ``HTTP_PORT`` set, connected."""
    port = free_port()
    (tmp_path / "run").mkdir(exist_ok=True)
    env = bot_environment(discord, gemini, tmp_path / "data", http_port=port, **settings)
    before = len(discord.sessions)
    process = await BotProcess.start(env, cwd=tmp_path / "run", log_path=tmp_path / "bot.log")
    await process.wait_connected(discord, before)
    return OpsBot(process, port)


@pytest_asyncio.fixture
async def ops_bot(
    world: tuple[FakeDiscord, FakeChannel, FakeUser], fake_gemini: FakeGemini, tmp_path: Path
) -> AsyncIterator[OpsBot]:
    bot = await start_bot(world[0], fake_gemini, tmp_path)
    try:
        yield bot
    finally:
        await bot.process.ensure_stopped()


async def test_readyz_follows_a_gateway_outage_while_livez_stays_up(
    ops_bot: OpsBot, fake_discord: FakeDiscord
) -> None:
    body = await ops_bot.readiness(200)
    assert body["ready"] is True
    assert body["failed"] == []
    assert body["checks"]["discord"] == {"ok": True, "detail": "1 of 1 shards connected"}
    async with fake_discord.gateway_outage():
        body = await ops_bot.readiness(503)
        assert body["failed"] == ["discord"]
        assert body["checks"]["discord"]["detail"].startswith("0 of 1 shards connected")
        assert body["checks"]["database"]["ok"] is True
        assert await ops_bot.alive()
    body = await ops_bot.readiness(200)
    assert body["checks"]["discord"]["ok"] is True
    assert await ops_bot.alive()
    assert ops_bot.process.running


async def test_readyz_follows_an_unreachable_database_while_livez_stays_up(
    world: tuple[FakeDiscord, FakeChannel, FakeUser],
    fake_gemini: FakeGemini,
    postgres_server: PostgresServer,
    tmp_path: Path,
) -> None:
    name = postgres_server.create_database()
    try:
        async with TcpProxy(postgres_server.port) as proxy:
            url = f"postgresql://postgres@127.0.0.1:{proxy.port}/{name}"
            bot = await start_bot(world[0], fake_gemini, tmp_path, database_url=url)
            try:
                await ops_bot_through_a_database_outage(bot, proxy)
            finally:
                await bot.process.ensure_stopped()
    finally:
        postgres_server.drop_database(name)


async def ops_bot_through_a_database_outage(bot: OpsBot, proxy: TcpProxy) -> None:
    """Ready, not ready naming the database while it is cut off, ready again."""
    assert (await bot.readiness(200))["ready"] is True
    async with proxy.cut():
        body = await bot.readiness(503)
        assert body["failed"] == ["database"]
        # what needs the database is not reported as failing on its own account
        assert body["checks"]["workers"]["ok"] is None
        assert body["checks"]["gemini"]["ok"] is None
        assert await bot.alive()
    assert (await bot.readiness(200))["failed"] == []
    assert await bot.alive()


def delta(after: Samples, before: Samples, name: str, **labels: str) -> float:
    """How much one sample moved."""
    key = (name, frozenset(labels.items()))
    return after[key] - before.get(key, 0.0)


async def test_metrics_parse_and_move_by_exactly_one_for_one_note(
    ops_bot: OpsBot,
    world: tuple[FakeDiscord, FakeChannel, FakeUser],
    fake_gemini: FakeGemini,
    voice_note_bytes: bytes,
) -> None:
    discord, channel, alice = world
    before = await ops_bot.metrics()
    fake_gemini.enqueue(Reply.json(transcript_reply("Metrics, please.")))
    note = await discord.post_voice_message(channel, alice, voice_note_bytes)
    done = ("voicenotes_jobs_total", frozenset({("origin", "auto"), ("outcome", "done")}))
    after: Samples = {}

    async def finished() -> bool:
        after.update(await ops_bot.metrics())
        return after[done] > before[done]

    await wait_for_async(finished, timeout=30, interval=0.1, what="the job to be counted")
    assert_moved_by_one_note(before, after)
    [reply] = [m for m in discord.bot_messages() if m.channel_id == note.id]
    usage = json.loads(next(a.data for a in reply.attachments if a.filename.endswith(".json")))
    tokens = usage["usage"]
    assert (
        delta(after, before, "voicenotes_gemini_tokens_total", kind="input")
        == tokens["input_tokens"]
    )
    assert delta(after, before, "voicenotes_audio_seconds_total") == usage["source"]["duration_s"]
    assert after[("voicenotes_queue_jobs", frozenset({("state", "queued")}))] == 0
    assert after[("voicenotes_database_up", frozenset())] == 1


def assert_moved_by_one_note(before: Samples, after: Samples) -> None:
    """One note done: each counter it touches moved by exactly one, the others not at all."""
    moved = {
        key: after[key] - before.get(key, 0.0)
        for key in after
        if key[0].endswith(("_total", "_count")) and after[key] != before.get(key, 0.0)
    }
    names = {
        (name, dict(labels).get("outcome") or dict(labels).get("stage")) for name, labels in moved
    }
    assert ("voicenotes_jobs_total", "done") in names
    for (name, labels), change in moved.items():
        if name in ("voicenotes_gemini_tokens_total", "voicenotes_audio_seconds_total"):
            continue
        if name == "voicenotes_event_loop_lag_seconds_count":
            continue  # sampled all the time
        assert change == 1, (name, dict(labels), change)
    assert {name for name, _ in names} >= {
        "voicenotes_jobs_total",
        "voicenotes_gemini_requests_total",
        "voicenotes_job_seconds_count",
        "voicenotes_job_stage_seconds_count",
    }
    stages = {stage for name, stage in names if name == "voicenotes_job_stage_seconds_count"}
    assert stages == {"download", "prepare", "gemini", "deliver"}
    assert ("voicenotes_gemini_requests_total", "ok") in names
