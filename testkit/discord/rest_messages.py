"""REST routes for channel messages, reactions and typing."""

from __future__ import annotations

import re

from . import errors
from . import permissions as perms
from .core import Core
from .errors import field_error
from .http_app import Reply, RequestContext, Router
from .intents import hide_content
from .models import JSON, FakeChannel, MessageFlag, StoredMessage
from .payloads import emoji_payload, member_payload
from .sending import check_can_send, post_bot_message
from .validation import file_specs, validate_message

MAX_REACTIONS = 20
_CUSTOM_EMOJI = re.compile(r"^(a:)?\w{2,32}:\d+$")
_MESSAGE = "/channels/{channel_id}/messages/{message_id}"
_REACTION = _MESSAGE + "/reactions/{emoji}/@me"


class MessageRoutes:
    """Create, read, edit and delete messages; add and remove the bot's reactions."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def register(self, router: Router) -> None:
        """Add the routes."""
        router.add("POST", "/channels/{channel_id}/messages", self.create, bucket="message-create")
        router.add("GET", "/channels/{channel_id}/messages", self.history)
        router.add("GET", _MESSAGE, self.fetch)
        router.add("PATCH", _MESSAGE, self.edit, bucket="message-edit")
        router.add("DELETE", _MESSAGE, self.delete, bucket="message-delete")
        # Adding and removing reactions share one bucket per channel (see ratelimits).
        router.add("PUT", _REACTION, self.add_reaction, bucket="reaction")
        router.add("DELETE", _REACTION, self.remove_reaction, bucket="reaction")
        router.add(
            "DELETE",
            _MESSAGE + "/reactions/{emoji}/{user_id}",
            self.remove_reaction,
            bucket="reaction",
        )
        router.add("POST", "/channels/{channel_id}/typing", self.typing)

    def _message(self, ctx: RequestContext) -> tuple[FakeChannel, StoredMessage]:
        channel = self.core.world.channel(ctx.snowflake("channel_id"))
        return channel, self.core.store.get(channel, ctx.snowflake("message_id"))

    async def create(self, ctx: RequestContext) -> Reply:
        """``POST /channels/{c}/messages`` (JSON or multipart), honouring enforce_nonce."""
        channel = self.core.world.channel(ctx.snowflake("channel_id"))
        payload = ctx.json()
        validate_message(payload, ctx.files, filesize_limit=self.core.filesize_limit(channel))
        check_can_send(self.core, channel, has_files=bool(ctx.files))
        nonce = payload.get("nonce")
        if payload.get("enforce_nonce") and nonce is not None:
            existing = self.core.store.find_by_nonce(channel, self.core.bot_user, nonce)
            if existing is not None:
                return Reply(self.core.store.payload(existing))
        msg = await post_bot_message(self.core, channel, payload, ctx.files)
        return Reply(self.core.store.payload(msg))

    async def history(self, ctx: RequestContext) -> Reply:
        """``GET /channels/{c}/messages`` with limit/before/after/around, newest first."""
        channel = self.core.world.channel(ctx.snowflake("channel_id"))
        limit = _int_query(ctx, "limit", 50)
        if limit is None or not 1 <= limit <= 100:
            raise errors.form_error(
                ("limit",), "NUMBER_TYPE_MAX", "Int value should be between 1 and 100."
            )
        self.core.world.require(channel)
        if not perms.has(self.core.world.bot_permissions(channel), "READ_MESSAGE_HISTORY"):
            return Reply([])
        msgs = self.core.store.history(
            channel.id,
            limit=limit,
            before=_int_query(ctx, "before"),
            after=_int_query(ctx, "after"),
            around=_int_query(ctx, "around"),
        )
        return Reply([self._visible(m) for m in msgs])

    async def fetch(self, ctx: RequestContext) -> Reply:
        """``GET /channels/{c}/messages/{m}``: attachments carry freshly signed URLs."""
        channel, msg = self._message(ctx)
        if not channel.is_dm:
            self.core.world.require(channel, "READ_MESSAGE_HISTORY")
        return Reply(self._visible(msg))

    def _visible(self, msg: StoredMessage) -> JSON:
        """A message as REST shows it: without content if the portal intent is off."""
        data = self.core.store.payload(msg)
        if "MESSAGE_CONTENT" in self.core.granted_intents or msg.guild_id is None:
            return data
        probe = data | {"guild_id": str(msg.guild_id)}
        stripped = hide_content("MESSAGE_CREATE", probe, intents=0, bot_id=self.core.bot_id)
        stripped.pop("guild_id", None)
        return stripped

    async def edit(self, ctx: RequestContext) -> Reply:
        """``PATCH``: only the bot's own messages; dispatches MESSAGE_UPDATE."""
        channel, msg = self._message(ctx)
        if msg.author.id != self.core.bot_id:
            raise errors.cannot_edit_other_author()
        payload = ctx.json()
        validate_message(
            payload,
            ctx.files,
            filesize_limit=self.core.filesize_limit(channel),
            allowed_flags=msg.flags | MessageFlag.SUPPRESS_EMBEDS,
            require_body=False,
        )
        self.core.store.edit(msg, payload, file_specs(payload, ctx.files))
        await self.core.dispatch_message(msg, "MESSAGE_UPDATE")
        return Reply(self.core.store.payload(msg))

    async def delete(self, ctx: RequestContext) -> Reply:
        """``DELETE``: own messages, or others' with MANAGE_MESSAGES (not in DMs)."""
        channel, msg = self._message(ctx)
        if msg.author.id != self.core.bot_id:
            if channel.is_dm:
                raise errors.cannot_edit_other_author()
            self.core.world.require(channel, "MANAGE_MESSAGES")
        msg.deleted = True
        await self.core.dispatch_delete(msg)
        return Reply(None)

    async def add_reaction(self, ctx: RequestContext) -> Reply:
        """``PUT .../reactions/{emoji}/@me``: ADD_REACTIONS only for a new emoji."""
        channel, msg = self._message(ctx)
        emoji = _valid_emoji(ctx.params["emoji"])
        users = msg.reactions.get(emoji)
        if not channel.is_dm:
            self.core.world.require(
                channel, "READ_MESSAGE_HISTORY", *([] if users else ["ADD_REACTIONS"])
            )
        if users is None and len(msg.reactions) >= MAX_REACTIONS:
            raise errors.DiscordError(400, 30010, "Maximum number of reactions reached (20)")
        if self.core.bot_id not in (users or []):
            msg.reactions.setdefault(emoji, []).append(self.core.bot_id)
            await self.core.dispatch(
                "MESSAGE_REACTION_ADD", self._reaction_event(msg, emoji), guild_id=msg.guild_id
            )
        return Reply(None)

    async def remove_reaction(self, ctx: RequestContext) -> Reply:
        """``DELETE .../reactions/{emoji}/@me``, or ``/{user_id}`` (needs MANAGE_MESSAGES)."""
        channel, msg = self._message(ctx)
        emoji = _valid_emoji(ctx.params["emoji"])
        user_id = self.core.bot_id
        if "user_id" in ctx.params:
            user_id = ctx.snowflake("user_id")
            if user_id != self.core.bot_id:
                self.core.world.require(channel, "MANAGE_MESSAGES")
        users = msg.reactions.get(emoji, [])
        if user_id in users:
            users.remove(user_id)
            if not users:
                del msg.reactions[emoji]
            await self.core.dispatch(
                "MESSAGE_REACTION_REMOVE",
                reaction_event(self.core, msg, emoji, user_id),
                guild_id=msg.guild_id,
            )
        return Reply(None)

    async def typing(self, ctx: RequestContext) -> Reply:
        """``POST /channels/{c}/typing``."""
        channel = self.core.world.channel(ctx.snowflake("channel_id"))
        check_can_send(self.core, channel, has_files=False)
        return Reply(None)

    def _reaction_event(self, msg: StoredMessage, emoji: str) -> JSON:
        return reaction_event(self.core, msg, emoji, self.core.bot_id)


def reaction_event(core: Core, msg: StoredMessage, emoji: str, user_id: int) -> JSON:
    """MESSAGE_REACTION_ADD/REMOVE data."""
    data: JSON = {
        "user_id": str(user_id),
        "channel_id": str(msg.channel_id),
        "message_id": str(msg.id),
        "emoji": emoji_payload(emoji),
        "message_author_id": str(msg.author.id),
        "burst": False,
        "type": 0,
    }
    if msg.guild_id is not None:
        data["guild_id"] = str(msg.guild_id)
        member = core.world.guilds[msg.guild_id].members.get(user_id)
        if member is not None:
            data["member"] = member_payload(member)
    return data


def _valid_emoji(emoji: str) -> str:
    if _CUSTOM_EMOJI.match(emoji) or (emoji and not emoji.isascii()):
        return emoji
    raise errors.unknown_emoji()


def _int_query(ctx: RequestContext, name: str, default: int | None = None) -> int | None:
    value = ctx.query.get(name)
    if value is None:
        return default
    if not value.isdigit():
        raise errors.invalid_form_body(
            field_error((name,), "NUMBER_TYPE_COERCE", f'Value "{value}" is not int.')
        )
    return int(value)
