"""End-to-end harness: the real bot, the real discord.py and google-genai clients, a fake
Discord and a fake Gemini on 127.0.0.1, real audio through real ffmpeg."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from pydantic import SecretStr

from bot.app import core_services
from bot.discord_bot import VoiceNotesBot
from bot.jobs import RunnerConfig
from tests.fakes.discord import (
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeUser,
    StoredMessage,
    fake_discord,
    running_bot,
)
from tests.fakes.discord.errors import DiscordError
from tests.fakes.gemini import FakeGemini

__all__ = ["fake_discord"]  # the fixture, re-exported for pytest


def transcript_reply(*lines: str, summary: str = "A short test note.") -> dict[str, Any]:
    """A Gemini transcript reply with one segment per line, two seconds apart."""
    segments = [
        {"speaker": "Speaker 1", "timestamp": f"00:{2 * i:02d}", "content": line,
         "language": "en", "translation": "", "emotion": "neutral"}
        for i, line in enumerate(lines)
    ]  # fmt: skip
    return {"language": "en", "summary": summary, "segments": segments, "flags": []}


class HarnessClock:
    """The bot's "now" (storage and quotas): real time plus whatever :meth:`advance` added.

    Only ever moved forward: job rows then look younger than they are, never older, so the
    delivery's interaction-token check (on real time) keeps holding while a token lives.
    """

    def __init__(self) -> None:
        self._offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, seconds: float) -> None:
        """Jump ``seconds`` ahead; only while no job runs (running jobs' leases lapse)."""
        self._offset += timedelta(seconds=seconds)

    def advance_to_midday(self) -> None:
        """Jump to the next 12:00 UTC, far from a day boundary, so quota tests are exact."""
        now = self()
        midday = now.replace(hour=12, minute=0, second=0, microsecond=0)
        if midday <= now:
            midday += timedelta(days=1)
        self.advance((midday - now).total_seconds())


@pytest.fixture(scope="session")
def voice_note_bytes(voice_note: Path) -> bytes:
    """A real Discord-style voice message (48 kHz mono Opus in OGG) as uploaded bytes."""
    return voice_note.read_bytes()


@dataclass
class Harness:
    """The running bot and the world it lives in."""

    discord: FakeDiscord
    gemini: FakeGemini
    bot: VoiceNotesBot
    guild: FakeGuild
    channel: FakeChannel
    alice: FakeUser
    work_dir: Path
    clock: HarnessClock

    def bot_messages(self, channel: FakeChannel | int | None = None) -> list[StoredMessage]:
        """What the bot posted (in ``channel``, or anywhere); nothing for a channel or
        thread that does not exist yet."""
        try:
            return self.discord.bot_messages(channel)
        except DiscordError:
            return []

    async def post_note(self, data: bytes, channel: FakeChannel | None = None) -> StoredMessage:
        """Alice posts a voice message (in the default channel unless told otherwise)."""
        return await self.discord.post_voice_message(channel or self.channel, self.alice, data)

    async def wait_jobs_idle(self, timeout: float = 20.0) -> None:
        """Until no job is queued, running or delivering."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while await self.bot.services.storage.unfinished_jobs():
            if loop.time() > deadline:
                raise AssertionError("jobs still unfinished")
            await asyncio.sleep(0.05)

    def json_attachment(self, message: StoredMessage) -> dict[str, Any]:
        """The transcript.json attached to ``message``."""
        (attachment,) = [a for a in message.attachments if a.filename == "transcript.json"]
        return dict(json.loads(attachment.data))


@pytest_asyncio.fixture
async def harness(
    fake_discord: FakeDiscord, fake_gemini: FakeGemini, make_settings: Any, tmp_path: Path
) -> AsyncIterator[Harness]:
    """The bot, connected to the fakes, in a guild with one text channel."""
    guild = fake_discord.add_guild("Test Guild")
    channel = fake_discord.add_text_channel(guild, "general")
    alice = fake_discord.make_user("alice")
    fake_discord.add_member(guild, alice)
    settings = make_settings(
        discord_token=SecretStr(fake_discord.token),
        gemini_api_key=SecretStr(fake_gemini.api_key),
        gemini_base_url=fake_gemini.base_url,
        gemini_attempts=2,
        gemini_timeout_seconds=5.0,
        database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        job_concurrency=2,
    )
    config = RunnerConfig(concurrency=2, lease_s=10.0, retry_delay_s=0.3, idle_poll_s=0.2)
    clock = HarnessClock()
    async with core_services(settings, clock=clock) as services:
        bot = VoiceNotesBot(services, runner_config=config, guild_ready_timeout=0.05)
        async with running_bot(fake_discord, bot):
            yield Harness(
                discord=fake_discord, gemini=fake_gemini, bot=bot, guild=guild,
                channel=channel, alice=alice, work_dir=settings.job_root, clock=clock,
            )  # fmt: skip
