"""Review across real restarts of the bot process (``python -m bot run``, see
:mod:`testkit.bot_process`): a card's buttons work in a new process, and a card is posted
exactly once even when the process dies between posting it and recording it."""

# Test helpers take an explicit timeout like asyncio.wait_for; that is the API.

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_asyncio

from bot.storage import Storage
from testkit.bot_process import BotProcess, bot_environment, database_url
from testkit.discord import FakeChannel, FakeDiscord, FakeUser, StoredMessage
from testkit.gemini import FakeGemini, Reply
from tests.helpers.fakes import check_fake_discord
from tests.helpers.polling import wait_for_async
from tests.helpers.review import flagged_reply

SETTINGS = {"JOB_LEASE_SECONDS": 2, "JOB_RETRY_DELAY_SECONDS": 0.5, "GEMINI_ATTEMPTS": 1}


@dataclass
class World:
    """A server with #general, a private #mods for the moderator role, Bob (a moderator)
    and Dave (a member), the two fakes and the runs of the bot so far."""

    discord: FakeDiscord
    gemini: FakeGemini
    general: FakeChannel
    mods: FakeChannel
    alice: FakeUser
    bob: FakeUser
    dave: FakeUser
    tmp: Path
    runs: list[BotProcess] = field(default_factory=list)

    async def start_bot(self) -> BotProcess:
        """A new run on the same database, once connected."""
        env = bot_environment(self.discord, self.gemini, self.tmp / "data", **SETTINGS)
        before = len(self.discord.sessions)
        run = await BotProcess.start(env, cwd=self.tmp, log_path=self.tmp / "bot.log")
        self.runs.append(run)
        await run.wait_connected(self.discord, before)
        return run

    def cards(self) -> list[StoredMessage]:
        """The cards in #mods."""
        return self.discord.messages_in(self.mods)

    async def turn_review_on(self, role_id: int) -> None:
        """Review in #mods for the moderator role, stored before the bot starts."""
        storage = await Storage.open(database_url(self.tmp / "data"))
        try:
            await storage.update_guild_settings(
                self.mods.guild_id or 0, review_channel_id=self.mods.id, review_role_id=role_id
            )
        finally:
            await storage.close()


@pytest_asyncio.fixture
async def world(tmp_path: Path, pytestconfig: pytest.Config) -> AsyncIterator[World]:
    """The fakes with secrets unique to this test, the server, and cleanup of every run."""
    async with (
        FakeDiscord(token=f"review-token.{secrets.token_hex(12)}") as discord,
        FakeGemini(api_key=f"review-key-{secrets.token_hex(12)}") as gemini,
    ):
        guild = discord.add_guild("Review Guild")
        role = discord.add_role(guild, "mods", mentionable=True)
        general = discord.add_text_channel(guild, "general")
        mods = discord.add_text_channel(guild, "mods", private=True, visible_to=[role])
        alice, bob, dave = (discord.make_user(name) for name in ("alice", "bob", "dave"))
        discord.add_member(guild, alice)
        discord.add_member(guild, bob, roles=[role])
        discord.add_member(guild, dave)
        made = World(discord, gemini, general, mods, alice, bob, dave, tmp_path)
        await made.turn_review_on(role.id)
        try:
            yield made
        finally:
            discord.on_bot_message(None)
            await asyncio.gather(*(run.ensure_stopped() for run in made.runs))
    check_fake_discord(discord, pytestconfig)


def button(card: StoredMessage, label: str) -> str:
    (custom_id,) = [
        b["custom_id"] for row in card.components for b in row["components"] if b["label"] == label
    ]
    return str(custom_id)


async def test_buttons_work_after_a_restart(world: World, voice_note_bytes: bytes) -> None:
    world.gemini.enqueue(Reply.json(flagged_reply()))
    first = await world.start_bot()
    await world.discord.post_voice_message(world.general, world.alice, voice_note_bytes)
    await world.discord.wait_for(lambda: world.cards(), timeout=30, what="the card")
    assert await first.terminate() == 0

    second = await world.start_bot()  # a new process: nothing of the first in memory
    (card,) = world.cards()
    refused = await world.discord.click_button(card, button(card, "Mark reviewed"), user=world.dave)
    assert (await refused.wait_response(timeout=10)).content.startswith("⚠️ Only moderators")
    click = await world.discord.click_button(card, button(card, "Mark reviewed"), user=world.bob)
    assert (await click.wait_ack(timeout=10)).type == 6
    await world.discord.wait_for(lambda: world.discord.message(card.id).edits, what="an edit")
    flag = await world.discord.click_button(card, button(card, "Unflag"), user=world.bob)
    await flag.wait_ack(timeout=10)
    await world.discord.wait_for(
        lambda: len(world.discord.message(card.id).edits) >= 2, what="a second edit"
    )
    assert await second.terminate() == 0
    fields = {f["name"]: f["value"] for f in world.discord.message(card.id).embeds[0]["fields"]}
    assert fields["Status"].startswith("Unflagged by bob")
    assert len(world.cards()) == 1


@pytest.mark.parametrize("nonces_forgotten", [False, True], ids=["nonce-window", "nonce-expired"])
async def test_a_card_is_posted_once_across_a_kill(
    world: World, voice_note_bytes: bytes, nonces_forgotten: bool
) -> None:
    world.gemini.enqueue(Reply.json(flagged_reply()))
    first = await world.start_bot()

    def kill_at_the_card(message: StoredMessage) -> None:
        if message.channel_id == world.mods.id:
            first.kill()  # on Discord, but the bot never hears back: not recorded

    world.discord.on_bot_message(kill_at_the_card)
    await world.discord.post_voice_message(world.general, world.alice, voice_note_bytes)
    assert await first.wait(timeout=30) == -9
    world.discord.on_bot_message(None)
    (posted,) = world.cards()
    if nonces_forgotten:
        world.discord.forget_nonces()  # the restart comes after Discord's nonce window

    second = await world.start_bot()

    async def recorded() -> bool:
        storage = await Storage.open(database_url(world.tmp / "data"))
        try:
            cards = await storage.cards_for_message(posted_note_id(world))
            return bool(cards) and cards[0].card_message_id == posted.id
        finally:
            await storage.close()

    await wait_for_async(recorded, timeout=30, what="the first run's card recorded")
    assert await second.terminate() == 0
    assert world.cards() == [posted]
    assert len(world.gemini.requests) == 1  # the result was kept: nothing asked again
    log = (world.tmp / "bot.log").read_text(errors="replace")
    assert "card" in log  # the bot's output was captured ...
    assert "neighbour" not in log  # ... and carries ids, never what was said or flagged


def posted_note_id(world: World) -> int:
    (note,) = [m for m in world.discord.messages_in(world.general) if m.author.id == world.alice.id]
    return note.id
