"""Scenario actions: what users and Discord itself do to the bot (messages, commands, resumes)."""

# Test helpers take an explicit timeout like asyncio.wait_for; that is the API.

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from .core import Core
from .gateway import GatewaySession
from .interaction_builder import InteractionBuilder
from .interactions import FakeInteraction
from .messages import FORWARD, MessageDraft
from .models import JSON, FakeAttachment, FakeGuild, FakeUser, MessageFlag, StoredMessage
from .rest_messages import reaction_event
from .waiting import poll_until
from .world import ChannelRef

MessageRef = StoredMessage | int


class ScenarioActions:
    """Async scenario methods of ``FakeDiscord`` (mixed in; needs ``self._core``)."""

    _core: Core

    async def post_message(
        self,
        channel: ChannelRef,
        author: FakeUser,
        *,
        content: str = "",
        attachments: Iterable[FakeAttachment] = (),
        embeds: Iterable[JSON] = (),
        reply_to: MessageRef | None = None,
        flags: int = 0,
    ) -> StoredMessage:
        """A user posts a message; stores it and dispatches MESSAGE_CREATE.

        An attachment with ``voice=True`` makes a voice message (flag 8192, no content).
        """
        core = self._core
        target = core.world.channel(channel)
        files = list(attachments)
        if any(f.voice for f in files):
            if content or len(files) != 1:
                raise ValueError("a voice message has exactly one attachment and no content")
            flags |= MessageFlag.IS_VOICE_MESSAGE
        guild = core.world.guild_of(target)
        if guild is not None and author.id not in guild.members:
            core.world.add_member(guild, author)
        draft = MessageDraft(content=content, embeds=list(embeds), files=files, flags=flags)
        if reply_to is not None:
            ref = self.message(reply_to)
            draft.type = 19
            draft.message_reference = {
                "type": 0,
                "message_id": str(ref.id),
                "channel_id": str(ref.channel_id),
            }
        msg = core.store.create(target, author, draft)
        await core.dispatch_message(msg)
        return msg

    async def post_voice_message(
        self,
        channel: ChannelRef,
        author: FakeUser,
        data: bytes,
        *,
        filename: str = "voice-message.ogg",
        duration_secs: float = 3.0,
        waveform: str | None = None,
    ) -> StoredMessage:
        """A user records a voice message (one OGG/Opus attachment with duration + waveform)."""
        voice = FakeAttachment(
            filename, data, "audio/ogg", voice=True, duration_secs=duration_secs, waveform=waveform
        )
        return await self.post_message(channel, author, attachments=[voice])

    async def post_dm(
        self, user: FakeUser, *, content: str = "", attachments: Iterable[FakeAttachment] = ()
    ) -> StoredMessage:
        """A user writes to the bot in DMs."""
        channel = self._core.world.dm_channel(user)
        return await self.post_message(channel, user, content=content, attachments=attachments)

    async def edit_message(self, message: MessageRef, *, content: str) -> StoredMessage:
        """The author edits a message; dispatches MESSAGE_UPDATE."""
        msg = self.message(message)
        self._core.store.edit(msg, {"content": content}, [])
        await self._core.dispatch_message(msg, "MESSAGE_UPDATE")
        return msg

    async def delete_message(self, message: MessageRef) -> None:
        """A message is deleted; dispatches MESSAGE_DELETE."""
        msg = self.message(message)
        msg.deleted = True
        await self._core.dispatch_delete(msg)

    async def forward_message(
        self, channel: ChannelRef, forwarder: FakeUser, original: MessageRef
    ) -> StoredMessage:
        """``forwarder`` forwards ``original`` into ``channel``: a message with no content or
        attachments of its own, a ``message_reference`` of type 1 (FORWARD) to the original,
        and the original frozen in ``message_snapshots`` (without its author)."""
        source = self.message(original)
        reference: JSON = {
            "type": FORWARD,
            "message_id": str(source.id),
            "channel_id": str(source.channel_id),
        }
        if source.guild_id is not None:
            reference["guild_id"] = str(source.guild_id)
        target = self._core.world.channel(channel)
        guild = self._core.world.guild_of(target)
        if guild is not None and forwarder.id not in guild.members:
            self._core.world.add_member(guild, forwarder)
        draft = MessageDraft(message_reference=reference)
        msg = self._core.store.create(target, forwarder, draft)
        msg.forwarded = replace(source, attachments=list(source.attachments))
        await self._core.dispatch_message(msg)
        return msg

    async def bulk_delete_messages(self, messages: Iterable[MessageRef]) -> None:
        """A moderator deletes several messages of one channel at once (or a purge bot
        does): one MESSAGE_DELETE_BULK with their ids, no MESSAGE_DELETE per message."""
        stored = [self.message(m) for m in messages]
        if len({m.channel_id for m in stored}) != 1:
            raise ValueError("a bulk deletion covers messages of one channel")
        for msg in stored:
            msg.deleted = True
        first = stored[0]
        data: JSON = {"ids": [str(m.id) for m in stored], "channel_id": str(first.channel_id)}
        if first.guild_id is not None:
            data["guild_id"] = str(first.guild_id)
        await self._core.dispatch("MESSAGE_DELETE_BULK", data, guild_id=first.guild_id)

    async def remove_bot_from_guild(self, guild: FakeGuild) -> None:
        """The bot is kicked from ``guild``: GUILD_DELETE without ``unavailable`` (Discord's
        way of saying the user was removed, not an outage); afterwards every request about
        the guild is refused with 403 50001 Missing Access."""
        guild.bot_removed = True
        await self._core.dispatch("GUILD_DELETE", {"id": str(guild.id)}, guild_id=guild.id)

    async def add_bot_to_guild(self, guild: FakeGuild) -> None:
        """The bot is invited (back) into ``guild``: a full GUILD_CREATE, as for a join."""
        guild.bot_removed = False
        data = self._core.guild_create(guild, self._require_session().intents)
        # A join's GUILD_CREATE has no ``unavailable`` (discord.py: on_guild_join); only
        # the lazy loading of a known guild says ``unavailable: false`` (on_guild_available).
        data.pop("unavailable", None)
        await self._core.dispatch("GUILD_CREATE", data, guild_id=guild.id)

    async def add_reaction(self, message: MessageRef, emoji: str, user: FakeUser) -> None:
        """A user reacts; dispatches MESSAGE_REACTION_ADD."""
        msg = self.message(message)
        users = msg.reactions.setdefault(emoji, [])
        if user.id not in users:
            users.append(user.id)
            await self._core.dispatch(
                "MESSAGE_REACTION_ADD",
                reaction_event(self._core, msg, emoji, user.id),
                guild_id=msg.guild_id,
            )

    async def invoke_slash_command(
        self,
        name: str,
        *,
        user: FakeUser,
        channel: ChannelRef,
        options: dict[str, Any] | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """A user runs a synced slash command; option values may be ``FakeAttachment``,
        ``FakeUser``, ``FakeRole`` or ``FakeChannel`` (sub-commands: a nested dict)."""
        target = self._core.world.channel(channel)
        command = self._command(name, 1, target.guild_id)
        inter = InteractionBuilder(self._core).command(
            command, user=user, channel=target, options=options or {}, locale=locale
        )
        return await self._send_interaction(inter)

    async def invoke_message_command(
        self, name: str, *, user: FakeUser, target_message: MessageRef
    ) -> FakeInteraction:
        """A user runs a message context-menu command on a message."""
        msg = self.message(target_message)
        channel = self._core.world.channel(msg.channel_id)
        command = self._command(name, 3, channel.guild_id)
        inter = InteractionBuilder(self._core).command(
            command, user=user, channel=channel, options={}, target=msg
        )
        return await self._send_interaction(inter)

    async def click_button(
        self,
        message: MessageRef,
        custom_id: str,
        *,
        user: FakeUser,
        component_type: int = 2,
        values: list[str] | None = None,
    ) -> FakeInteraction:
        """A user clicks a button (or picks select ``values``) on a message."""
        inter = InteractionBuilder(self._core).component(
            self.message(message),
            custom_id,
            user=user,
            component_type=component_type,
            values=values,
        )
        return await self._send_interaction(inter)

    def _command(self, name: str, kind: int, guild_id: int | None) -> JSON:
        command = self._core.commands.find(name, kind, guild_id)
        if command is None:
            raise LookupError(f"no synced command {name!r} (type {kind}); did the bot sync?")
        return command

    async def _send_interaction(self, inter: FakeInteraction) -> FakeInteraction:
        self._require_session()
        self._core.interactions[inter.id] = inter
        inter.dispatched_at = self._core.clock.monotonic()
        await self._core.dispatch("INTERACTION_CREATE", inter.payload, guild_id=inter.guild_id)
        return inter

    def age_interaction(self, interaction: FakeInteraction | int, seconds: float) -> None:
        """Pretend ``seconds`` passed since an interaction was dispatched."""
        inter_id = interaction if isinstance(interaction, int) else interaction.id
        self._core.interactions[inter_id].dispatched_at -= seconds

    def dismiss_response(self, interaction: FakeInteraction | int) -> None:
        """The user dismisses the (ephemeral) original response, or it is deleted: edits of
        it and later followups are refused with 10008 Unknown Message."""
        inter_id = interaction if isinstance(interaction, int) else interaction.id
        original = self._core.interactions[inter_id].original
        if original is None:
            raise ValueError("the interaction has no original response yet")
        original.deleted = True

    # ----- gateway control ------------------------------------------------------------------
    def _require_session(self) -> GatewaySession:
        session = self._core.gateway.current_session()
        if session is None:
            raise RuntimeError("no bot is connected to the fake gateway")
        return session

    async def wait_until_connected(self, timeout: float = 10.0) -> None:
        """Wait until a bot identified and received READY and its guilds."""

        def connected() -> bool:
            session = self._core.gateway.current_session()
            return session is not None and session.conn is not None

        await poll_until(connected, timeout=timeout, what="a bot to connect")

    async def replay_last(
        self, n: int = 1, *, event: str | None = None, timeout: float = 10.0
    ) -> None:
        """Make the bot reconnect and RESUME, then re-send the last ``n`` dispatched events
        (of type ``event`` if given) as a duplicate replay."""
        session = self._require_session()
        target = await self._core.gateway.request_reconnect(session, n, event)
        await poll_until(lambda: session.resumes >= target, timeout=timeout, what="a RESUME")

    async def reconnect(self, timeout: float = 10.0) -> None:
        """Send op 7 RECONNECT and wait for the RESUME (no duplicates)."""
        await self.replay_last(0, timeout=timeout)

    @asynccontextmanager
    async def connection_lost(self, timeout: float = 10.0) -> AsyncIterator[None]:
        """Events dispatched inside the block are not delivered until the bot RESUMEs."""
        session = self._require_session()
        session.paused = True
        try:
            yield
        finally:
            session.paused = False
        await self.reconnect(timeout)

    @asynccontextmanager
    async def gateway_outage(self, timeout: float = 60.0) -> AsyncIterator[None]:
        """Discord's gateway is out for the block: every connection is closed (1001) and
        new ones are refused (HTTP 503); REST stays up. After the block, waits until a bot
        is connected again (discord.py reconnects with its own backoff)."""
        gateway = self._core.gateway
        closed = await gateway.go_down()
        try:
            yield
        finally:
            gateway.down = False

        def reconnected() -> bool:
            session = gateway.current_session()
            return session is not None and session.conn is not None and session.conn not in closed

        await poll_until(reconnected, timeout=timeout, what="the bot to reconnect")

    async def invalidate_session(self, timeout: float = 10.0) -> None:
        """Send op 9 (not resumable) and wait for the bot to IDENTIFY again."""
        session = self._require_session()
        await self._core.gateway.invalidate(session)
        await poll_until(
            lambda: self._core.gateway.current_session() not in (None, session),
            timeout=timeout,
            what="a new IDENTIFY",
        )

    async def flush_events(self) -> None:
        """Send events for world changes made after the bot connected (CHANNEL_CREATE,
        GUILD_MEMBER_ADD...); they also go out before the next dispatched event."""
        await self._core.flush()

    async def wait_for(
        self, predicate: Callable[[], object], timeout: float = 10.0, what: str = "condition"
    ) -> None:
        """Poll ``predicate`` until it is truthy (``TimeoutError`` otherwise)."""
        await poll_until(predicate, timeout=timeout, what=what)

    def message(self, message: MessageRef) -> StoredMessage:
        """A stored message by object or id."""
        message_id = message if isinstance(message, int) else message.id
        return self._core.store.messages[message_id]
