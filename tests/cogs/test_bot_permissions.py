"""The bot's own permissions: declared once, in the README, checked per channel, and a reply
that can't carry its files still carries its words."""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from typing import Any

import pytest

from bot.app import open_core
from cogs.bot import VoiceNotesBot
from cogs.bot_permissions import (
    BOT_PERMISSIONS,
    client_id_from_token,
    invite_url,
    permission_value,
    permissions_table,
)
from cogs.delivery._transport import FILES_REFUSED
from testkit.discord import FakeDiscord, running_bot
from testkit.gemini import FakeGemini, Reply
from tests.helpers.harness import FAST_RUNNER, Harness, harness_settings, transcript_reply
from tests.helpers.polling import poll_until

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_shows_the_declared_permissions() -> None:
    text = README.read_text()
    block = text[text.index("<!-- invite:start") : text.index("<!-- invite:end -->")]
    url = invite_url(1).replace("client_id=1&", "client_id=APP_ID&")
    assert f"`{url}`" in block
    shown = "\n".join(line.strip() for line in block.splitlines() if line.strip().startswith("|"))
    assert shown == permissions_table(), "regenerate with: python -m bot invite-url --table"


def test_the_invite_asks_for_files_embeds_and_the_optional_ones() -> None:
    value = permission_value()
    assert value == 326417640512
    required = {need.label for need in BOT_PERMISSIONS if need.required}
    optional = {need.label for need in BOT_PERMISSIONS if not need.required}
    assert {"Attach Files", "Embed Links", "View Channels"} <= required
    assert optional == {"Manage Threads", "Manage Messages"}
    assert all(need.without for need in BOT_PERMISSIONS if not need.required)


def test_the_application_id_is_read_from_a_bot_token() -> None:
    head = base64.b64encode(b"1234567890123456789").decode().rstrip("=")
    assert client_id_from_token(f"{head}.GhIjKl.secretpart") == 1234567890123456789
    assert client_id_from_token("not-a-token") is None
    assert client_id_from_token("") is None


async def test_without_attach_files_the_reply_keeps_its_words_and_says_why(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    harness.discord.set_bot_permissions(harness.channel, denied={"ATTACH_FILES"})
    harness.gemini.enqueue(Reply.json(transcript_reply("Words without files.")))
    note = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))
    (thread,) = harness.discord.threads_in(harness.channel)
    reply, notice = harness.bot_messages(thread)
    assert "Words without files." in reply.content
    assert reply.attachments == []
    assert notice.content == FILES_REFUSED
    assert notice.allowed_mentions == {"parse": []}
    refused = [r for r in harness.discord.requests if r.status == 403]
    assert refused == []  # known from the permission cache: no invalid request


async def test_startup_logs_the_invite_and_channels_lacking_permissions(
    fake_discord: FakeDiscord,
    fake_gemini: FakeGemini,
    make_settings: Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    guild = fake_discord.add_guild("Owner's Guild")
    fine = fake_discord.add_text_channel(guild, "fine")
    no_files = fake_discord.add_text_channel(guild, "no-files", denied={"ATTACH_FILES"})
    hidden = fake_discord.add_text_channel(guild, "hidden", denied={"VIEW_CHANNEL"})
    caplog.set_level(logging.INFO, logger="cogs.setup_check")
    settings = harness_settings(make_settings, fake_discord, fake_gemini, tmp_path)
    async with open_core(settings) as core:
        bot = VoiceNotesBot(core, runner_config=FAST_RUNNER, guild_ready_timeout=0.05)
        async with running_bot(fake_discord, bot):
            await poll_until(lambda: "invite URL" in caplog.text, what="the invite URL line")
            application_id = bot.application_id
    assert application_id is not None
    assert invite_url(application_id) in caplog.text
    assert f"guild {guild.id}: channel {no_files.id} lacks Attach Files" in caplog.text
    assert f"channel {fine.id}" not in caplog.text
    assert f"channel {hidden.id}" not in caplog.text  # kept from the bot on purpose


async def test_joining_a_server_logs_what_it_lacks(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="cogs.setup_check")
    await harness.discord.remove_bot_from_guild(harness.guild)
    await harness.discord.wait_for(lambda: harness.bot.get_guild(harness.guild.id) is None)
    quiet = harness.discord.add_text_channel(harness.guild, "quiet", denied={"ADD_REACTIONS"})
    await harness.discord.add_bot_to_guild(harness.guild)
    await poll_until(lambda: f"joined guild {harness.guild.id}" in caplog.text, what="the join")
    assert f"guild {harness.guild.id}: channel {quiet.id} lacks Add Reactions" in caplog.text
