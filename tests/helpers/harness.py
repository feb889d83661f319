"""The end-to-end harness: the real bot, the real discord.py and google-genai clients, a fake
Discord and a fake Gemini on 127.0.0.1, real audio through real ffmpeg."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.app import open_core
from bot.jobs import RunnerConfig
from bot.settings import Settings
from cogs.bot import VoiceNotesBot
from testkit.discord import (
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeUser,
    StoredMessage,
    running_bot,
)
from testkit.discord.errors import DiscordError
from testkit.gemini import FakeGemini, Reply
from tests.helpers.clocks import OffsetClock
from tests.helpers.polling import poll_until, wait_no_unfinished_jobs

FAST_RUNNER = RunnerConfig(
    concurrency=2, lease_s=10.0, retry_delay_s=0.3, idle_poll_s=0.2, max_platform_wait_s=0.5
)


def transcript_reply(*lines: str, summary: str = "A short test note.") -> dict[str, Any]:
    """A Gemini transcript reply with one segment per line, two seconds apart."""
    segments = [
        {
            "speaker": "Speaker 1",
            "timestamp": f"00:{2 * i:02d}",
            "content": line,
            "language": "en",
            "translation": "",
            "emotion": "neutral",
        }
        for i, line in enumerate(lines)
    ]
    return {"language": "en", "summary": summary, "segments": segments, "flags": []}


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
    clock: OffsetClock

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

    def answer_slowly(self, seconds: float, *lines: str) -> None:
        """From now on the fake Gemini answers every request with ``lines``, ``seconds``
        after it arrived."""
        reply = Reply.json(transcript_reply(*lines))
        self.gemini.set_responder(lambda _request: Reply.slow(seconds, reply))

    def reacted(self, note: StoredMessage, emoji: str) -> Callable[[], bool]:
        """A wait_for predicate: the bot has put ``emoji`` on ``note``."""
        return lambda: bool(self.discord.reactions_on(note).get(emoji))

    async def post_queued_notes(self, data: bytes, count: int) -> list[StoredMessage]:
        """Alice posts ``count`` notes, each once the previous one's job is queued (its
        ⏳): their jobs are then queued in note order."""
        notes = []
        for _ in range(count):
            note = await self.post_note(data)
            await self.discord.wait_for(self.reacted(note, "⏳"))
            notes.append(note)
        return notes

    async def queued_message(self, note: StoredMessage, timeout: float = 10.0) -> StoredMessage:
        """The "Queued: N ahead" message the bot posted for ``note``, once it is there."""

        def queued() -> StoredMessage | None:
            return next((m for m in self.bot_messages(note.id) if "Queued: " in m.content), None)

        await self.discord.wait_for(lambda: queued() is not None, timeout=timeout, what="Queued")
        message = queued()
        assert message is not None
        return message

    async def wait_jobs_idle(self, timeout: float = 20.0) -> None:
        """Until no job is queued, running or delivering, and the notes' reactions are
        settled (they change in the background)."""
        await wait_no_unfinished_jobs(self.bot.core.storage, timeout)
        await poll_until(lambda: not self.bot.delivery.status.busy, timeout=timeout)

    def json_attachment(self, message: StoredMessage) -> dict[str, Any]:
        """The transcript.json attached to ``message``."""
        (attachment,) = [a for a in message.attachments if a.filename == "transcript.json"]
        return dict(json.loads(attachment.data))


def harness_settings(
    make_settings: Any, discord: FakeDiscord, gemini: FakeGemini, tmp_path: Path, **overrides: Any
) -> Settings:
    """Settings pointed at the fakes, with a database and work dir under ``tmp_path``;
    ``overrides`` change any other setting (``chunk_seconds=60``)."""
    values: dict[str, Any] = {
        "discord_token": SecretStr(discord.token),
        "gemini_api_key": SecretStr(gemini.api_key),
        "gemini_base_url": gemini.base_url,
        "gemini_attempts": 2,
        "gemini_timeout_seconds": 15.0,  # generous: the machine may be busy
        "database_url": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        "job_concurrency": 2,
        # The fake CDN serves from loopback: allowlisted explicitly, as an operator would.
        "download_hosts": ("127.0.0.1",),
        "download_private_networks": ("127.0.0.1/32",),
    }
    settings: Settings = make_settings(**(values | overrides))
    return settings


@asynccontextmanager
async def open_harness(
    discord: FakeDiscord, gemini: FakeGemini, settings: Settings
) -> AsyncIterator[Harness]:
    """The bot, connected to the fakes, in a guild with one text channel and Alice."""
    guild = discord.add_guild("Test Guild")
    channel = discord.add_text_channel(guild, "general")
    alice = discord.make_user("alice")
    discord.add_member(guild, alice)
    clock = OffsetClock()
    async with open_core(settings, clock=clock) as core:
        bot = VoiceNotesBot(core, runner_config=FAST_RUNNER, guild_ready_timeout=0.05)
        async with running_bot(discord, bot):
            yield Harness(
                discord=discord,
                gemini=gemini,
                bot=bot,
                guild=guild,
                channel=channel,
                alice=alice,
                work_dir=settings.job_root,
                clock=clock,
            )
