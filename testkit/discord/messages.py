"""Message storage: creation (ids, mentions, thread positions), history, edits, nonces."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from . import errors
from . import permissions as perms
from .cdn import Cdn
from .ids import FakeClock, SnowflakeGenerator
from .models import (
    JSON,
    FakeAttachment,
    FakeChannel,
    FakeUser,
    StoredAttachment,
    StoredMessage,
    guess_content_type,
    sanitize_filename,
)
from .payloads import message_payload
from .world import World

NONCE_WINDOW_SECONDS = 300.0
REPLY = 19
FORWARD = 1  # message_reference.type of a forward (0 is a reply)
SNAPSHOT_FIELDS = (
    "type",
    "content",
    "embeds",
    "attachments",
    "timestamp",
    "edited_timestamp",
    "flags",
    "mentions",
    "mention_roles",
    "sticker_items",
    "components",
)
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


@dataclass
class MessageDraft:
    """Everything needed to create a message, from REST, webhooks or scenario events."""

    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    files: list[FakeAttachment] = field(default_factory=list)
    flags: int = 0
    tts: bool = False
    nonce: str | int | None = None
    allowed_mentions: JSON | None = None
    message_reference: JSON | None = None
    sent_payload: JSON | None = None
    type: int = 0
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_metadata: JSON | None = None
    message_id: int | None = None


def default_waveform(data: bytes) -> str:
    """A plausible base64 waveform (up to 256 one-byte samples) derived from the bytes."""
    samples = bytes(b % 256 for b in data[:256]) or b"\x00"
    return base64.b64encode(samples).decode()


class MessageStore:
    """All messages of the fake, indexed per channel."""

    def __init__(self, world: World, cdn: Cdn, ids: SnowflakeGenerator, clock: FakeClock) -> None:
        self.world = world
        self.cdn = cdn
        self.ids = ids
        self.clock = clock
        self.messages: dict[int, StoredMessage] = {}
        self.by_channel: dict[int, list[int]] = {}
        self._nonces: dict[tuple[int, int, str], tuple[int, float]] = {}
        self.bot_message_hooks: list[Callable[[StoredMessage], None]] = []

    def make_attachment(
        self, channel_id: int, spec: FakeAttachment, *, ephemeral: bool = False
    ) -> StoredAttachment:
        """Store a file and register it on the CDN."""
        filename = sanitize_filename(spec.filename)
        voice = spec.voice or spec.duration_secs is not None
        att = StoredAttachment(
            id=self.ids.next(),
            channel_id=channel_id,
            filename=filename,
            data=spec.data,
            content_type=spec.content_type or guess_content_type(filename),
            description=spec.description,
            ephemeral=ephemeral,
            duration_secs=(spec.duration_secs or 1.0) if voice else None,
            waveform=(spec.waveform or default_waveform(spec.data)) if voice else None,
        )
        self.cdn.register(att)
        return att

    def create(self, channel: FakeChannel, author: FakeUser, draft: MessageDraft) -> StoredMessage:
        """Create and store a message in ``channel``."""
        msg = StoredMessage(
            id=draft.message_id or self.ids.next(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author=author,
            content=draft.content,
            timestamp=self.clock.iso(),
            type=draft.type,
            flags=draft.flags,
            tts=draft.tts,
            embeds=draft.embeds,
            components=draft.components,
            nonce=draft.nonce,
            allowed_mentions=draft.allowed_mentions,
            message_reference=draft.message_reference,
            sent_payload=draft.sent_payload,
            webhook_id=draft.webhook_id,
            application_id=draft.application_id,
            interaction_metadata=draft.interaction_metadata,
        )
        msg.attachments = [self.make_attachment(channel.id, f) for f in draft.files]
        self._resolve_mentions(msg)
        self.messages[msg.id] = msg
        if not msg.ephemeral:
            self.by_channel.setdefault(channel.id, []).append(msg.id)
            channel.last_message_id = msg.id
            if channel.is_thread:
                msg.position = channel.total_message_sent
                channel.total_message_sent += 1
                channel.message_count += 1
        if draft.nonce is not None:
            key = (channel.id, author.id, str(draft.nonce))
            self._nonces[key] = (msg.id, self.clock.monotonic())
        if author.id == self.world.bot_user.id:
            for hook in list(self.bot_message_hooks):
                hook(msg)  # before the response is sent: a hook may kill the bot here
        return msg

    def forget_nonces(self) -> None:
        """Drop every nonce, as Discord does once its window has passed: a repeated nonce
        creates a new message, and stored messages no longer carry theirs."""
        self._nonces.clear()
        for msg in self.messages.values():
            msg.nonce = None

    def find_by_nonce(
        self, channel: FakeChannel, author: FakeUser, nonce: str | int
    ) -> StoredMessage | None:
        """The message created with this nonce in the last few minutes, if any."""
        entry = self._nonces.get((channel.id, author.id, str(nonce)))
        if entry is None or self.clock.monotonic() - entry[1] > NONCE_WINDOW_SECONDS:
            return None
        return self.messages.get(entry[0])

    def get(self, channel: FakeChannel, message_id: int) -> StoredMessage:
        """A live message of ``channel``; 404 Unknown Message otherwise."""
        msg = self.messages.get(message_id)
        if msg is None or msg.deleted or msg.channel_id != channel.id or msg.ephemeral:
            raise errors.unknown_message()
        return msg

    def visible(self, channel_id: int) -> list[StoredMessage]:
        """Non-deleted, non-ephemeral messages of a channel, oldest first."""
        ids = self.by_channel.get(channel_id, [])
        return [self.messages[i] for i in ids if not self.messages[i].deleted]

    def history(
        self,
        channel_id: int,
        *,
        limit: int,
        before: int | None,
        after: int | None,
        around: int | None,
    ) -> list[StoredMessage]:
        """``GET /channels/{c}/messages`` semantics; newest first."""
        msgs = self.visible(channel_id)
        if around is not None:
            older = [m for m in msgs if m.id <= around][-((limit + 1) // 2) :]
            newer = [m for m in msgs if m.id > around][: limit // 2]
            return list(reversed(older + newer))
        if after is not None:
            return list(reversed([m for m in msgs if m.id > after][:limit]))
        if before is not None:
            msgs = [m for m in msgs if m.id < before]
        return list(reversed(msgs[-limit:])) if limit else []

    def edit(self, msg: StoredMessage, changes: JSON, files: list[FakeAttachment]) -> None:
        """Apply a PATCH body (content, embeds, components, flags, attachments) to ``msg``.

        Discord (resources/message, Edit Message): "When the content field is edited, the
        arrays mentions and mention_roles and the boolean mention_everyone [...] will be
        reconstructed from scratch based on the new content. [...] If there is no explicit
        allowed_mentions in the edit request, the content will be parsed with default
        allowances, that is, without regard to whether or not an allowed_mentions was
        present in the request that originally created the message." So an edit without
        ``allowed_mentions`` pings what its content mentions.
        """
        msg.edits.append(changes)
        if "content" in changes:
            msg.content = changes["content"] or ""
            msg.allowed_mentions = changes.get("allowed_mentions")
            self._resolve_mentions(msg)
        for key in ("embeds", "components"):
            if key in changes:
                setattr(msg, key, changes[key] or [])
        if "flags" in changes and changes["flags"] is not None:
            msg.flags = int(changes["flags"]) | (msg.flags & 64)
        if "attachments" in changes:
            keep = {int(a["id"]) for a in changes["attachments"] or [] if _is_snowflake(a)}
            msg.attachments = [a for a in msg.attachments if a.id in keep]
        msg.attachments += [self.make_attachment(msg.channel_id, f) for f in files]
        msg.edited_timestamp = self.clock.iso()

    def payload(self, msg: StoredMessage, *, gateway: bool = False) -> JSON:
        """The message object; ``gateway=True`` adds ``member`` and ``guild_id`` like events."""
        member = None
        if gateway and msg.guild_id is not None and msg.webhook_id is None:
            member = self.world.guilds[msg.guild_id].members.get(msg.author.id)
        data = message_payload(
            msg,
            self.cdn.url_for,
            users=self.world.users,
            me_id=self.world.bot_user.id,
            member=member,
            thread=self.world.channels.get(msg.thread_id or 0),
        )
        if gateway and msg.guild_id is not None:
            data["guild_id"] = str(msg.guild_id)
        if msg.forwarded is not None:
            data["message_snapshots"] = [{"message": self._snapshot(msg.forwarded)}]
        ref = msg.message_reference
        if msg.type == REPLY and ref and ref.get("message_id"):
            target = self.messages.get(int(ref["message_id"]))
            alive = target is not None and not target.deleted
            data["referenced_message"] = self.payload(target) if alive and target else None
        return data

    def _snapshot(self, original: StoredMessage) -> JSON:
        """A forward's ``message_snapshots[].message``: the subset of message fields
        Discord documents for a snapshot, with no author, id or channel (see
        resources/message#message-snapshot-object)."""
        full = self.payload(original)
        return {key: full[key] for key in SNAPSHOT_FIELDS if key in full}

    def _resolve_mentions(self, msg: StoredMessage) -> None:
        """Who ``msg`` pings, given the ``allowed_mentions`` of the request that set its
        content. Without one, Discord's defaults (resources/message, "Default Settings for
        Allowed Mentions"): everything in regular messages, "only user mentions" in
        interactions and webhooks. Only ``content`` is parsed: mentions in embeds never
        notify (resources/message, "Allowed Mentions Object")."""
        allowed = msg.allowed_mentions
        default = ["users"] if msg.webhook_id is not None else ["users", "roles", "everyone"]
        parse = default if allowed is None else allowed.get("parse") or []
        user_ids = {int(u) for u in (allowed or {}).get("users", [])}
        mentioned = [int(u) for u in _USER_MENTION.findall(msg.content)]
        msg.mention_ids = [
            u
            for u in dict.fromkeys(mentioned)
            if u in self.world.users and ("users" in parse or u in user_ids)
        ]
        role_ids = {int(r) for r in (allowed or {}).get("roles", [])}
        roles = [int(r) for r in _ROLE_MENTION.findall(msg.content)]
        msg.mention_role_ids = [
            r
            for r in dict.fromkeys(roles)
            if ("roles" in parse or r in role_ids) and self._may_ping_role(msg, r)
        ]
        everyone = "@everyone" in msg.content or "@here" in msg.content
        msg.mention_everyone = everyone and "everyone" in parse and self._may_mention_everyone(msg)
        self._mention_replied_user(msg, allowed)

    def _may_mention_everyone(self, msg: StoredMessage) -> bool:
        """MENTION_EVERYONE "allows for using the @everyone tag to notify all users in a
        channel, and the @here tag to notify all online users" (topics/permissions); outside
        servers there is nobody to notify that way."""
        channel = self.world.channels.get(msg.channel_id)
        if channel is None or msg.guild_id is None:
            return False
        return perms.has(self.world.permissions_for(channel, msg.author.id), "MENTION_EVERYONE")

    def _may_ping_role(self, msg: StoredMessage, role_id: int) -> bool:
        """A role mention notifies only for a role of the message's server that is
        ``mentionable`` ("whether this role is mentionable", topics/permissions, Role
        Object) or when the sender has MENTION_EVERYONE, which Discord's role settings
        describe as "Mention @everyone, @here, and All Roles"."""
        guild = self.world.guilds.get(msg.guild_id or 0)
        if guild is None or role_id == guild.id or role_id not in guild.roles:
            return False  # outside servers, @everyone's id, an unknown or foreign role
        return guild.roles[role_id].mentionable or self._may_mention_everyone(msg)

    def _mention_replied_user(self, msg: StoredMessage, allowed: JSON | None) -> None:
        ref = msg.message_reference
        if not ref or not ref.get("message_id"):
            return
        target = self.messages.get(int(ref["message_id"]))
        ping = allowed is None or bool(allowed.get("replied_user", False))
        if target is None or not ping:
            return
        replied = target.author.id
        if replied != msg.author.id and replied not in msg.mention_ids:
            msg.mention_ids.append(replied)


def _is_snowflake(attachment: JSON) -> bool:
    value = str(attachment.get("id", ""))
    return value.isdigit() and int(value) > 1 << 22
