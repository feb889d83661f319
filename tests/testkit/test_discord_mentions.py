"""Who a message pings, as Discord decides it: the defaults of each kind of message, and
edits, which re-parse the new content with the edit's own allowed mentions."""

from __future__ import annotations

import discord

from testkit.discord import FakeDiscord, running_bot
from tests.testkit.discord_bot import OGG, bot_in, make_bot, raw, small_world


async def test_an_edit_without_allowed_mentions_pings_by_the_defaults(
    fake_discord: FakeDiscord,
) -> None:
    guild, general, alice = small_world(fake_discord)
    team = fake_discord.add_role(guild, "team")
    loud = f"<@{alice.id}> <@&{team.id}> @everyone"
    async with bot_in(fake_discord, general) as (_, channel):
        sent = await channel.send(loud, allowed_mentions=discord.AllowedMentions.none())
        stored = fake_discord.message(sent.id)
        assert (stored.mention_ids, stored.mention_role_ids, stored.mention_everyone) == (
            [],
            [],
            False,
        )
        # A raw edit (as a webhook or a future code path might make it) sends no
        # allowed_mentions: the creation's "none" no longer applies.
        path = f"/channels/{general.id}/messages/{sent.id}"
        status, _, _ = await raw(fake_discord, "PATCH", path, json={"content": loud + "!"})
        assert status == 200
        assert stored.allowed_mentions is None
        assert (stored.mention_ids, stored.mention_role_ids, stored.mention_everyone) == (
            [alice.id],
            [team.id],
            True,
        )
        await sent.edit(content=loud, allowed_mentions=discord.AllowedMentions.none())
        assert (stored.mention_ids, stored.mention_everyone) == ([], False)
        # An edit that leaves the content alone leaves the mentions alone.
        await raw(fake_discord, "PATCH", path, json={"flags": 4})
        assert (stored.mention_ids, stored.mention_everyone) == ([], False)


async def test_interaction_messages_parse_only_user_mentions_by_default(
    fake_discord: FakeDiscord,
) -> None:
    _, general, alice = small_world(fake_discord)
    bot, _ = make_bot()
    async with running_bot(fake_discord, bot):
        note = await fake_discord.post_voice_message(general, alice, OGG)
        inter = await fake_discord.invoke_message_command(
            "Transcribe voice note", user=alice, target_message=note
        )
        response = await inter.wait_response()
        path = f"/webhooks/{fake_discord.application_id}/{inter.token}/messages/@original"
        status, _, _ = await raw(
            fake_discord, "PATCH", path, json={"content": f"<@{alice.id}> @everyone"}
        )
    assert status == 200
    # resources/message: in interactions and webhooks "only user mentions are parsed".
    assert (response.mention_ids, response.mention_everyone) == ([alice.id], False)
