"""REST routes for channels, threads and DMs."""

from __future__ import annotations

from . import errors
from .core import Core
from .errors import field_error
from .http_app import Reply, RequestContext, Router
from .models import JSON, THREADABLE_TYPES, ChannelType, FakeChannel
from .payloads import channel_payload, thread_payload
from .sending import post_bot_message
from .validation import validate_message

ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)


class ChannelRoutes:
    """``GET /channels/{c}``, thread creation, thread membership and DM channels."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def register(self, router: Router) -> None:
        """Add the routes."""
        router.add("GET", "/channels/{channel_id}", self.get_channel)
        router.add("DELETE", "/channels/{channel_id}", self.delete_channel)
        router.add(
            "POST", "/channels/{channel_id}/messages/{message_id}/threads", self.thread_from_message
        )
        router.add("POST", "/channels/{channel_id}/threads", self.thread_without_message)
        router.add("PUT", "/channels/{channel_id}/thread-members/@me", self.join_thread)
        router.add("DELETE", "/channels/{channel_id}/thread-members/@me", self.leave_thread)
        router.add("POST", "/users/@me/channels", self.open_dm)

    async def get_channel(self, ctx: RequestContext) -> Reply:
        """A channel, thread or DM channel object."""
        channel = self.core.world.channel(ctx.snowflake("channel_id"))
        if not channel.is_dm:
            self.core.world.require(channel)
        return Reply(channel_payload(channel))

    async def delete_channel(self, ctx: RequestContext) -> Reply:
        """Delete a thread (MANAGE_THREADS) or channel (MANAGE_CHANNELS); dispatches
        THREAD_DELETE / CHANNEL_DELETE. Later lookups answer 404 10003."""
        channel = self.core.world.channel(ctx.snowflake("channel_id"))
        if channel.is_dm:
            raise errors.missing_permissions()
        needed = "MANAGE_THREADS" if channel.is_thread else "MANAGE_CHANNELS"
        self.core.world.require(channel, needed)
        payload = channel_payload(channel)
        del self.core.world.channels[channel.id]
        event = "THREAD_DELETE" if channel.is_thread else "CHANNEL_DELETE"
        await self.core.dispatch(event, payload, guild_id=channel.guild_id)
        return Reply(payload)

    async def thread_from_message(self, ctx: RequestContext) -> Reply:
        """Start a thread on a message: thread id = message id, one per message."""
        channel = self.core.world.channel(ctx.snowflake("channel_id"))
        msg = self.core.store.get(channel, ctx.snowflake("message_id"))
        payload = ctx.json()
        _validate_thread(payload)
        if channel.type not in THREADABLE_TYPES:
            raise errors.invalid_channel_type()
        self.core.world.require(channel, "CREATE_PUBLIC_THREADS")
        if msg.thread_id is not None:
            raise errors.thread_already_created()
        kind = (
            ChannelType.ANNOUNCEMENT_THREAD
            if channel.type == ChannelType.GUILD_ANNOUNCEMENT
            else ChannelType.PUBLIC_THREAD
        )
        thread = self._new_thread(channel, payload, kind, thread_id=msg.id)
        msg.thread_id = thread.id
        await self._announce(thread)
        return Reply(thread_payload(thread, member_id=self.core.bot_id), 201)

    async def thread_without_message(self, ctx: RequestContext) -> Reply:
        """A thread in a text channel, or a post (thread + first message) in a forum."""
        channel = self.core.world.channel(ctx.snowflake("channel_id"))
        payload = ctx.json()
        _validate_thread(payload)
        if channel.is_forum:
            return await self._forum_post(ctx, channel, payload)
        if channel.type not in THREADABLE_TYPES:
            raise errors.invalid_channel_type()
        kind = ChannelType(int(payload.get("type") or ChannelType.PRIVATE_THREAD))
        if kind not in (
            ChannelType.PUBLIC_THREAD,
            ChannelType.PRIVATE_THREAD,
            ChannelType.ANNOUNCEMENT_THREAD,
        ):
            raise errors.form_error(
                ("type",), "BASE_TYPE_CHOICES", "Value must be one of {11, 12}."
            )
        needed = (
            "CREATE_PRIVATE_THREADS"
            if kind == ChannelType.PRIVATE_THREAD
            else "CREATE_PUBLIC_THREADS"
        )
        self.core.world.require(channel, needed)
        thread = self._new_thread(channel, payload, kind)
        await self._announce(thread)
        return Reply(thread_payload(thread, member_id=self.core.bot_id), 201)

    async def _forum_post(self, ctx: RequestContext, forum: FakeChannel, payload: JSON) -> Reply:
        message = payload.get("message")
        if not isinstance(message, dict):
            raise errors.invalid_form_body(
                field_error(("message",), "BASE_TYPE_REQUIRED", "This field is required")
            )
        validate_message(message, ctx.files, filesize_limit=self.core.filesize_limit(forum))
        self.core.world.require(forum, "SEND_MESSAGES", *(["ATTACH_FILES"] if ctx.files else []))
        thread = self._new_thread(forum, payload, ChannelType.PUBLIC_THREAD)
        thread.applied_tags = [int(t) for t in payload.get("applied_tags") or []]
        await self._announce(thread)
        msg = await post_bot_message(self.core, thread, message, ctx.files, message_id=thread.id)
        data = thread_payload(thread, member_id=self.core.bot_id)
        data["message"] = self.core.store.payload(msg)
        return Reply(data, 201)

    def _new_thread(
        self, parent: FakeChannel, payload: JSON, kind: ChannelType, thread_id: int | None = None
    ) -> FakeChannel:
        return self.core.world.add_thread(
            parent,
            str(payload["name"]),
            owner=self.core.bot_user,
            kind=kind,
            thread_id=thread_id,
            auto_archive_duration=int(payload.get("auto_archive_duration") or 1440),
        )

    async def _announce(self, thread: FakeChannel) -> None:
        data = thread_payload(thread, member_id=self.core.bot_id) | {"newly_created": True}
        await self.core.dispatch("THREAD_CREATE", data, guild_id=thread.guild_id)

    async def join_thread(self, ctx: RequestContext) -> Reply:
        """The bot joins a thread."""
        thread = self._thread(ctx)
        thread.member_ids.add(self.core.bot_id)
        return Reply(None)

    async def leave_thread(self, ctx: RequestContext) -> Reply:
        """The bot leaves a thread."""
        self._thread(ctx).member_ids.discard(self.core.bot_id)
        return Reply(None)

    def _thread(self, ctx: RequestContext) -> FakeChannel:
        thread = self.core.world.channel(ctx.snowflake("channel_id"))
        if not thread.is_thread:
            raise errors.invalid_channel_type()
        self.core.world.require(thread)
        return thread

    async def open_dm(self, ctx: RequestContext) -> Reply:
        """``POST /users/@me/channels {recipient_id}``."""
        recipient = ctx.json().get("recipient_id")
        if recipient is None or not str(recipient).isdigit():
            raise errors.invalid_form_body(
                field_error(("recipient_id",), "BASE_TYPE_REQUIRED", "This field is required")
            )
        user = self.core.world.user(int(recipient))
        return Reply(channel_payload(self.core.world.dm_channel(user)))


def _validate_thread(payload: JSON) -> None:
    name = payload.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 100 or len(name) > 100:
        raise errors.invalid_form_body(
            field_error(("name",), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        )
    duration = payload.get("auto_archive_duration")
    if duration is not None and duration not in ARCHIVE_DURATIONS:
        raise errors.invalid_form_body(
            field_error(
                ("auto_archive_duration",),
                "BASE_TYPE_CHOICES",
                "Value must be one of (60, 1440, 4320, 10080).",
            )
        )
