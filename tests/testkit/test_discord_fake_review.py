"""What moderators' review needs from the fake, as strict as Discord: persistent buttons
across a restart, component limits, resolved channel/role/user options, role pings, private
channels and a second server."""

from __future__ import annotations

import discord
import pytest

from testkit.discord import FakeDiscord, running_bot
from testkit.discord.permissions import DEFAULT_EVERYONE_PERMISSIONS
from tests.testkit.component_bot import PREFIX, ComponentBot, Seen
from tests.testkit.discord_bot import bot_in, raw, small_world

NO_MENTION_EVERYONE = DEFAULT_EVERYONE_PERMISSIONS - {"MENTION_EVERYONE"}


async def post_counter(bot: ComponentBot, channel_id: int, n: int) -> discord.Message:
    """The bot posts a message with the persistent button for ``n``."""
    channel = bot.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    view = discord.ui.View(timeout=None)
    view.add_item(bot.counter(n))
    return await channel.send("count", view=view)


async def test_a_persistent_button_works_after_a_restart(fake_discord: FakeDiscord) -> None:
    _, general, alice = small_world(fake_discord)
    first = Seen()
    bot = ComponentBot(first)
    async with running_bot(fake_discord, bot):
        sent = await post_counter(bot, general.id, 1)
    second = Seen()
    async with running_bot(fake_discord, ComponentBot(second)):  # a new client, no memory
        click = await fake_discord.click_button(sent.id, f"{PREFIX}1", user=alice)
        ack = await click.wait_ack()
        await fake_discord.wait_for(lambda: fake_discord.message(sent.id).edits)
    assert (first.clicks, second.clicks) == ([], [1])
    assert ack.type == 6  # DEFERRED_UPDATE_MESSAGE, then @original is the button's message
    stored = fake_discord.message(sent.id)
    assert stored.content == "counted 1"
    assert stored.components[0]["components"][0]["custom_id"] == f"{PREFIX}2"


async def test_only_shown_components_can_be_clicked_and_late_acks_die(
    fake_discord: FakeDiscord,
) -> None:
    _, general, alice = small_world(fake_discord)
    bot = ComponentBot(Seen())
    fake_discord.expect_rejection(code=10062)
    async with running_bot(fake_discord, bot):
        sent = await post_counter(bot, general.id, 5)
        with pytest.raises(ValueError, match="shows no usable component"):
            await fake_discord.click_button(sent.id, f"{PREFIX}6", user=alice)
        click = await fake_discord.click_button(sent.id, f"{PREFIX}5", user=alice)
        fake_discord.age_interaction(click, 3.5)  # past Discord's 3 seconds
        (refused,) = await click.wait_rejections()
    assert refused.code == 10062


async def test_component_limits_are_enforced(fake_discord: FakeDiscord) -> None:
    _, general, _ = small_world(fake_discord)
    path = f"/channels/{general.id}/messages"
    button = {"type": 2, "style": 1, "label": "Go"}
    cases = [
        [{"type": 1, "components": [button | {"custom_id": "x" * 101}]}],
        [{"type": 1, "components": [button | {"custom_id": "a"}, button | {"custom_id": "a"}]}],
        [{"type": 1, "components": [button]}],  # no custom id
        [{"type": 1, "components": [button | {"custom_id": "a", "label": "y" * 81}]}],
        [{"type": 1, "components": [button | {"custom_id": f"b{i}"} for i in range(6)]}],
    ]
    async with bot_in(fake_discord, general):
        for components in cases:
            fake_discord.clock.advance(5)  # raw requests ignore the rate-limit headers
            fake_discord.expect_rejection(status=400, code=50035)
            status, body, _ = await raw(
                fake_discord, "POST", path, json={"content": "x", "components": components}
            )
            assert (status, body["code"]) == (400, 50035), components
        fake_discord.clock.advance(5)
        status, _, _ = await raw(
            fake_discord,
            "POST",
            path,
            json={"embeds": [{"title": "t", "fields": [{"name": "n", "value": " "}]}]},
        )
        fake_discord.expect_rejection(status=400, code=50035)
    assert status == 400


async def test_resolved_options_carry_the_invokers_permissions(fake_discord: FakeDiscord) -> None:
    guild, general, alice = small_world(fake_discord)
    mods = fake_discord.add_role(guild, "mods", mentionable=True)
    staff = fake_discord.add_text_channel(guild, "staff", private=True, visible_to=[mods])
    bob = fake_discord.make_user("bob")
    fake_discord.add_member(guild, bob, roles=[mods], permissions={"MANAGE_MESSAGES"})
    seen = Seen()
    async with running_bot(fake_discord, ComponentBot(seen)):
        options = {"channel": staff, "role": mods, "user": bob}
        for who in (alice, bob):
            inter = await fake_discord.invoke_slash_command(
                "pick", user=who, channel=general, options=options
            )
            await inter.wait_ack()
    (alice_view, *_), (bob_view, channel, role, member) = seen.options
    assert not alice_view.view_channel  # the invoker's permissions, not the bot's
    assert (bob_view.view_channel, bob_view.manage_messages) == (True, True)
    assert (channel.id, role.id, role.mentionable, member.id) == (staff.id, mods.id, True, bob.id)
    assert member.guild_permissions.manage_messages


async def test_role_mentions_notify_only_as_discord_allows(fake_discord: FakeDiscord) -> None:
    guild = fake_discord.add_guild("Quiet", everyone_permissions=NO_MENTION_EVERYONE)
    general = fake_discord.add_text_channel(guild, "general")
    loud = fake_discord.add_role(guild, "loud", mentionable=True)
    shy = fake_discord.add_role(guild, "shy")
    only_loud = discord.AllowedMentions(everyone=False, users=False, roles=[loud])
    async with bot_in(fake_discord, general) as (_, channel):
        both = f"<@&{loud.id}> <@&{shy.id}> @everyone"
        pinged = fake_discord.message((await channel.send(both, allowed_mentions=only_loud)).id)
        defaults = await channel.send(both, allowed_mentions=discord.AllowedMentions.all())
        embedded = await channel.send(
            embed=discord.Embed(description=f"<@&{loud.id}>"),
            allowed_mentions=discord.AllowedMentions.all(),
        )
        fake_discord.set_permissions(general, guild.roles[guild.id], allowed={"MENTION_EVERYONE"})
        await fake_discord.flush_events()
        privileged = await channel.send(both, allowed_mentions=discord.AllowedMentions.all())
    assert (pinged.mention_role_ids, pinged.mention_everyone) == ([loud.id], False)
    # The shy role is not mentionable and the bot lacks Mention Everyone: no ping, no @everyone.
    assert fake_discord.message(defaults.id).mention_role_ids == [loud.id]
    assert not fake_discord.message(defaults.id).mention_everyone
    assert fake_discord.message(embedded.id).mention_role_ids == []  # embeds never notify
    stored = fake_discord.message(privileged.id)
    assert (stored.mention_role_ids, stored.mention_everyone) == ([loud.id, shy.id], True)


async def test_private_channels_and_a_second_server(fake_discord: FakeDiscord) -> None:
    guild, general, alice = small_world(fake_discord)
    mods = fake_discord.add_role(guild, "mods")
    staff = fake_discord.add_text_channel(guild, "staff", private=True, visible_to=[mods])
    other = fake_discord.add_guild("Other")
    elsewhere = fake_discord.add_text_channel(other, "general")
    carol = fake_discord.make_user("carol")
    fake_discord.add_member(other, carol, permissions={"MANAGE_MESSAGES"})
    fake_discord.add_member(guild, carol, roles=[mods])
    async with bot_in(fake_discord, general) as (bot, _):
        cached_staff = bot.get_channel(staff.id)
        assert isinstance(cached_staff, discord.TextChannel)
        first, second = bot.get_guild(guild.id), bot.get_guild(other.id)
        assert first is not None
        assert second is not None
        alice_member = first.get_member(alice.id) or await first.fetch_member(alice.id)
        carol_here = first.get_member(carol.id) or await first.fetch_member(carol.id)
        carol_there = second.get_member(carol.id) or await second.fetch_member(carol.id)
        assert cached_staff.permissions_for(first.me).view_channel
        assert not cached_staff.permissions_for(alice_member).view_channel
        assert cached_staff.permissions_for(carol_here).view_channel
        assert not carol_here.guild_permissions.manage_messages  # a moderator there, not here
        assert carol_there.guild_permissions.manage_messages
    assert elsewhere.guild_id == other.id
