"""The fake Discord against the real, unmodified discord.py client (and a test bot of its
own, :mod:`tests.testkit.discord_bot`, not the project's)."""

from __future__ import annotations

import discord
import pytest

from testkit.discord import (
    CallbackType,
    FakeAttachment,
    FakeDiscord,
    MessageFlag,
    running_bot,
)
from tests.testkit.discord_bot import OGG, THREAD_NAME, make_bot


async def test_connect_ready_and_caches(fake_discord: FakeDiscord) -> None:
    guild = fake_discord.add_guild("HQ")
    general = fake_discord.add_text_channel(guild, "general")
    closed = fake_discord.add_text_channel(guild, "no-threads", denied={"CREATE_PUBLIC_THREADS"})
    forum = fake_discord.add_forum_channel(guild, "notes")
    old = fake_discord.add_thread(general, "older thread")
    bot, _ = make_bot()
    async with running_bot(fake_discord, bot):
        assert bot.user is not None
        assert bot.user.id == fake_discord.bot_user.id
        assert bot.application_id == fake_discord.application_id
        cached = bot.get_guild(guild.id)
        assert cached is not None
        assert cached.me is not None
        assert isinstance(bot.get_channel(general.id), discord.TextChannel)
        assert isinstance(bot.get_channel(forum.id), discord.ForumChannel)
        assert isinstance(cached.get_thread(old.id), discord.Thread)
        closed_channel = cached.get_channel(closed.id)
        assert isinstance(closed_channel, discord.TextChannel)
        assert closed_channel.permissions_for(cached.me).send_messages
        assert not closed_channel.permissions_for(cached.me).create_public_threads
        identify = fake_discord.identify_payloads[-1]
        assert identify["intents"] == bot.intents.value
        session = fake_discord.sessions[-1]
        assert session.conn is not None
        # zlib-stream, or zstd-stream when the zstandard package is installed
        asked_for = discord.utils._ActiveDecompressionContext.COMPRESSION_TYPE
        assert session.conn.query["compress"] == asked_for
    assert [c.name for c in bot.tree.get_commands()]
    assert fake_discord.commands()


async def test_voice_message_gets_threaded_transcript(fake_discord: FakeDiscord) -> None:
    guild = fake_discord.add_guild()
    channel = fake_discord.add_text_channel(guild, "general")
    user = fake_discord.make_user("alice")
    bot, rec = make_bot()
    async with running_bot(fake_discord, bot):
        note = await fake_discord.post_voice_message(channel, user, OGG, duration_secs=4.5)
        await fake_discord.wait_for(lambda: fake_discord.bot_messages(), what="a transcript")
        assert rec.messages[0].attachments[0].is_voice_message()
        assert rec.messages[0].attachments[0].duration == 4.5
        assert rec.downloads == [OGG]
        [thread] = fake_discord.threads_in(channel)
        assert thread.id == note.id
        assert thread.name == THREAD_NAME[:100]
        [reply] = fake_discord.messages_in(thread)
        assert reply.content.startswith("**Transcript**")
        assert reply.flags == MessageFlag.SUPPRESS_NOTIFICATIONS
        assert reply.silent
        assert reply.allowed_mentions == {"parse": []}
        assert reply.mention_everyone is False
        assert reply.mention_ids == []
        assert [(a.filename, a.data) for a in reply.attachments] == [
            ("transcript.txt", b"hello world")
        ]
        assert reply.position == 0
        assert [f.status for f in fake_discord.cdn_fetches] == [200]


async def test_errors_for_long_content_second_thread_and_denied_threads(
    fake_discord: FakeDiscord,
) -> None:
    guild = fake_discord.add_guild()
    general = fake_discord.add_text_channel(guild, "general")
    closed = fake_discord.add_text_channel(guild, "closed", denied={"CREATE_PUBLIC_THREADS"})
    user = fake_discord.make_user("alice")
    bot, rec = make_bot()
    for status, code in ((400, 50035), (400, 160004), (403, 50013)):
        fake_discord.expect_rejection(status=status, code=code)
    async with running_bot(fake_discord, bot):
        channel = bot.get_channel(general.id)
        assert isinstance(channel, discord.TextChannel)
        with pytest.raises(discord.HTTPException) as too_long:
            await channel.send("x" * 2001)
        assert (too_long.value.status, too_long.value.code) == (400, 50035)
        assert "content" in too_long.value.text

        await fake_discord.post_message(general, user, content="first")
        await fake_discord.post_message(closed, user, content="second")
        await fake_discord.wait_for(lambda: len(rec.messages) == 2)
        first, second = rec.messages
        await first.create_thread(name="one")
        with pytest.raises(discord.HTTPException) as again:
            await first.create_thread(name="two")
        assert again.value.code == 160004
        with pytest.raises(discord.Forbidden) as denied:
            await second.create_thread(name="nope")
        assert (denied.value.status, denied.value.code) == (403, 50013)
        assert len(fake_discord.threads) == 1


async def test_slash_command_with_attachment_defers_and_follows_up(
    fake_discord: FakeDiscord,
) -> None:
    guild = fake_discord.add_guild()
    channel = fake_discord.add_text_channel(guild, "general")
    user = fake_discord.make_user("alice")
    fake_discord.add_member(guild, user)
    bot, _ = make_bot()
    async with running_bot(fake_discord, bot):
        [synced_guild, payload] = fake_discord.command_syncs[-1]
        assert synced_guild is None
        assert {c["name"] for c in payload} == {"transcribe", "Transcribe voice note"}
        inter = await fake_discord.invoke_slash_command(
            "transcribe",
            user=user,
            channel=channel,
            options={"audio": FakeAttachment("memo.ogg", OGG)},
        )
        ack = await inter.wait_ack()
        assert ack.type == CallbackType.DEFERRED_CHANNEL_MESSAGE
        assert [(a.type, a.status) for a in inter.attempts] == [(ack.type, 200)]  # once
        [followup] = await inter.wait_followups(1)
        assert followup.content == f"memo.ogg: {len(OGG)} bytes"
        assert followup.attachments[0].data == b"transcript"
        assert followup is inter.original  # the first followup replaces "thinking..."
        assert fake_discord.cdn_fetches[-1].status == 200


async def test_late_callback_and_double_ack(fake_discord: FakeDiscord) -> None:
    guild = fake_discord.add_guild()
    channel = fake_discord.add_text_channel(guild, "general")
    user = fake_discord.make_user("alice")
    fake_discord.add_member(guild, user)
    bot, rec = make_bot()
    fake_discord.expect_rejection(status=404, code=10062)
    fake_discord.expect_rejection(status=400, code=40060)
    async with running_bot(fake_discord, bot):
        rec.gate.clear()
        late = await fake_discord.invoke_slash_command(
            "transcribe",
            user=user,
            channel=channel,
            options={"audio": FakeAttachment("a.ogg", OGG)},
        )
        fake_discord.age_interaction(late, 4.0)
        rec.gate.set()
        await fake_discord.wait_for(lambda: rec.errors, what="the late defer to fail")
        assert isinstance(rec.errors[0], discord.NotFound)
        assert rec.errors[0].code == 10062
        assert late.ack is None

        inter = await fake_discord.invoke_slash_command(
            "transcribe",
            user=user,
            channel=channel,
            options={"audio": FakeAttachment("b.ogg", OGG)},
        )
        await inter.wait_followups(1)
        await fake_discord.replay_last(1, event="INTERACTION_CREATE")
        await fake_discord.wait_for(lambda: len(rec.errors) == 2, what="a second ack attempt")
        assert rec.errors[1].code == 40060
        assert rec.errors[1].status == 400
        assert [a.code for a in inter.rejected] == [40060]


async def test_message_context_menu(fake_discord: FakeDiscord) -> None:
    guild = fake_discord.add_guild()
    channel = fake_discord.add_text_channel(guild, "general")
    user = fake_discord.make_user("alice")
    bot, rec = make_bot()
    async with running_bot(fake_discord, bot):
        note = await fake_discord.post_voice_message(channel, user, OGG)
        inter = await fake_discord.invoke_message_command(
            "Transcribe voice note", user=user, target_message=note
        )
        response = await inter.wait_response()
        assert response.ephemeral
        assert response.content == f"queued {note.id}"
        assert response not in fake_discord.messages_in(channel)
        assert rec.targets[0].id == note.id
        assert rec.targets[0].flags.voice


async def test_resume_replay_duplicates_message_create(fake_discord: FakeDiscord) -> None:
    guild = fake_discord.add_guild()
    channel = fake_discord.add_text_channel(guild, "general")
    user = fake_discord.make_user("alice")
    bot, rec = make_bot()
    async with running_bot(fake_discord, bot):
        await fake_discord.post_message(channel, user, content="once")
        await fake_discord.wait_for(lambda: len(rec.messages) == 1)
        await fake_discord.replay_last(1, event="MESSAGE_CREATE")
        await fake_discord.wait_for(lambda: len(rec.messages) == 2, what="the replayed event")
        assert rec.messages[0].id == rec.messages[1].id
        assert fake_discord.sessions[-1].resumes == 1
        async with fake_discord.connection_lost():
            await fake_discord.post_message(channel, user, content="while away")
        await fake_discord.wait_for(lambda: len(rec.messages) == 3, what="the missed event")
        assert rec.messages[2].content == "while away"


async def test_nonce_with_enforce_nonce_returns_the_same_message(fake_discord: FakeDiscord) -> None:
    guild = fake_discord.add_guild()
    general = fake_discord.add_text_channel(guild, "general")
    bot, _ = make_bot()
    async with running_bot(fake_discord, bot):
        channel = bot.get_channel(general.id)
        assert isinstance(channel, discord.TextChannel)
        first = await channel.send("exactly once", nonce="job-42")
        second = await channel.send("exactly once", nonce="job-42")
        assert first.id == second.id
        assert len(fake_discord.messages_in(general)) == 1
        assert fake_discord.requests_to("POST", r"/channels/\d+/messages")[0].json["enforce_nonce"]


async def test_privileged_intent_disabled_in_portal_closes_4014(fake_discord: FakeDiscord) -> None:
    fake_discord.add_guild()
    fake_discord.granted_intents.discard("MESSAGE_CONTENT")
    bot, _ = make_bot()
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with running_bot(fake_discord, bot):
            pass


async def test_without_message_content_intent_guild_messages_are_empty(
    fake_discord: FakeDiscord,
) -> None:
    guild = fake_discord.add_guild()
    channel = fake_discord.add_text_channel(guild, "general")
    user = fake_discord.make_user("alice")
    bot, rec = make_bot(message_content=False)
    async with running_bot(fake_discord, bot):
        await fake_discord.post_voice_message(channel, user, OGG)
        await fake_discord.post_message(channel, user, content=f"<@{fake_discord.bot_user.id}> hi")
        await fake_discord.post_dm(user, content="in private")
        await fake_discord.wait_for(lambda: len(rec.messages) == 3)
        hidden, mentioned, direct = rec.messages
        assert hidden.content == ""
        assert hidden.attachments == []
        assert hidden.flags.voice
        assert mentioned.content.endswith("hi")
        assert direct.content == "in private"


async def test_expired_attachment_url_refreshes_on_refetch(fake_discord: FakeDiscord) -> None:
    guild = fake_discord.add_guild()
    channel = fake_discord.add_text_channel(guild, "general")
    user = fake_discord.make_user("alice")
    bot, rec = make_bot()
    async with running_bot(fake_discord, bot):
        await fake_discord.post_message(
            channel, user, attachments=[FakeAttachment("notes.txt", b"payload")]
        )
        await fake_discord.wait_for(lambda: rec.messages)
        [message] = rec.messages
        fake_discord.expire_attachment_urls()
        with pytest.raises(discord.NotFound):
            await message.attachments[0].read()
        fresh = await message.channel.fetch_message(message.id)
        assert fresh.attachments[0].url != message.attachments[0].url
        assert await fresh.attachments[0].read() == b"payload"


async def test_unknown_routes_are_recorded(fake_discord: FakeDiscord) -> None:
    guild = fake_discord.add_guild()
    general = fake_discord.add_text_channel(guild, "general")
    bot, _ = make_bot()
    async with running_bot(fake_discord, bot):
        channel = bot.get_channel(general.id)
        assert isinstance(channel, discord.TextChannel)
        with pytest.raises(discord.NotFound):
            await channel.create_webhook(name="hook")
        assert [(r.method, r.status) for r in fake_discord.unknown_routes] == [("POST", 404)]
        fake_discord.unknown_routes.clear()
