"""Plain data objects of the fake Discord world: users, guilds, channels, messages, files."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

JSON = dict[str, Any]


class ChannelType(IntEnum):
    """Discord channel types used by the fake."""

    GUILD_TEXT = 0
    DM = 1
    GUILD_VOICE = 2
    GUILD_CATEGORY = 4
    GUILD_ANNOUNCEMENT = 5
    ANNOUNCEMENT_THREAD = 10
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    GUILD_FORUM = 15
    GUILD_MEDIA = 16


THREAD_TYPES = frozenset(
    {ChannelType.ANNOUNCEMENT_THREAD, ChannelType.PUBLIC_THREAD, ChannelType.PRIVATE_THREAD}
)
FORUM_TYPES = frozenset({ChannelType.GUILD_FORUM, ChannelType.GUILD_MEDIA})
THREADABLE_TYPES = frozenset({ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT})


class MessageFlag:
    """Message flag bits."""

    CROSSPOSTED = 1 << 0
    SUPPRESS_EMBEDS = 1 << 2
    HAS_THREAD = 1 << 5
    EPHEMERAL = 1 << 6
    LOADING = 1 << 7
    SUPPRESS_NOTIFICATIONS = 1 << 12
    IS_VOICE_MESSAGE = 1 << 13
    IS_COMPONENTS_V2 = 1 << 15


@dataclass(eq=False)
class FakeUser:
    """A Discord user (or bot account)."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    dms_open: bool = True


@dataclass(eq=False)
class FakeRole:
    """A guild role; the @everyone role has the guild's id."""

    id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False
    bot_id: int | None = None
    mentionable: bool = False  # "Allow anyone to @mention this role" (off by default)


@dataclass(eq=False)
class FakeMember:
    """A user's membership of a guild."""

    user: FakeUser
    guild_id: int
    roles: list[int]
    joined_at: str
    nick: str | None = None


@dataclass
class Overwrite:
    """A channel permission overwrite: type 0 = role, 1 = member."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0


@dataclass(eq=False)
class FakeGuild:
    """A guild (server) with its roles, members and channel ids."""

    id: int
    name: str
    owner_id: int
    joined_at: str
    premium_tier: int = 0
    locale: str = "en-US"
    roles: dict[int, FakeRole] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)
    bot_removed: bool = False  # the bot was kicked (or left): it sees nothing of the guild

    @property
    def filesize_limit(self) -> int:
        """Per-file upload limit in bytes for this guild's boost tier."""
        return {2: 50 * 1024 * 1024, 3: 100 * 1024 * 1024}.get(self.premium_tier, 10 * 1024 * 1024)


@dataclass(eq=False)
class FakeChannel:
    """A guild channel, thread, forum or DM channel."""

    id: int
    type: ChannelType
    name: str
    guild_id: int | None = None
    parent_id: int | None = None
    position: int = 0
    topic: str | None = None
    nsfw: bool = False
    overwrites: list[Overwrite] = field(default_factory=list)
    recipients: list[FakeUser] = field(default_factory=list)
    last_message_id: int | None = None
    # threads only
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    archive_timestamp: str | None = None
    create_timestamp: str | None = None
    message_count: int = 0
    total_message_sent: int = 0
    member_ids: set[int] = field(default_factory=set)
    applied_tags: list[int] = field(default_factory=list)

    @property
    def is_thread(self) -> bool:
        """Whether this channel is a thread."""
        return self.type in THREAD_TYPES

    @property
    def is_dm(self) -> bool:
        """Whether this is a DM channel."""
        return self.type == ChannelType.DM

    @property
    def is_forum(self) -> bool:
        """Whether this is a forum or media channel."""
        return self.type in FORUM_TYPES


@dataclass
class FakeAttachment:
    """A file a fake user attaches (scenario input).

    ``voice=True`` makes a voice message: the message gets flag 8192 and the attachment gets
    ``duration_secs`` and ``waveform`` like the Discord clients send them.
    """

    filename: str
    data: bytes
    content_type: str | None = None
    voice: bool = False
    duration_secs: float | None = None
    waveform: str | None = None
    description: str | None = None


def guess_content_type(filename: str) -> str | None:
    """Content type Discord would sniff from the file name."""
    if filename.lower().endswith((".ogg", ".oga", ".opus")):
        return "audio/ogg"
    return mimetypes.guess_type(filename)[0]


def sanitize_filename(filename: str) -> str:
    """Discord replaces spaces in uploaded file names with underscores."""
    return filename.replace(" ", "_") or "unknown"


@dataclass(eq=False)
class StoredAttachment:
    """An attachment as stored by the fake, with its bytes."""

    id: int
    channel_id: int
    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None
    duration_secs: float | None = None
    waveform: str | None = None
    ephemeral: bool = False
    url_version: int = 0

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)

    @property
    def is_voice(self) -> bool:
        """Whether this carries voice-message metadata."""
        return self.duration_secs is not None and self.waveform is not None


@dataclass(eq=False)
class StoredMessage:
    """A message as the fake stores it, plus what the bot sent to create it.

    ``sent_payload`` is the JSON (or ``payload_json``) exactly as received, ``allowed_mentions``
    is what the request that last set the content asked for (``None`` when absent: an edit
    without it is parsed with the defaults again), attachments keep their bytes.
    """

    id: int
    channel_id: int
    guild_id: int | None
    author: FakeUser
    content: str
    timestamp: str
    type: int = 0
    flags: int = 0
    tts: bool = False
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    attachments: list[StoredAttachment] = field(default_factory=list)
    mention_ids: list[int] = field(default_factory=list)
    mention_role_ids: list[int] = field(default_factory=list)
    mention_everyone: bool = False
    message_reference: JSON | None = None
    nonce: str | int | None = None
    allowed_mentions: JSON | None = None
    edited_timestamp: str | None = None
    pinned: bool = False
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_metadata: JSON | None = None
    position: int | None = None
    thread_id: int | None = None
    deleted: bool = False
    sent_payload: JSON | None = None
    edits: list[JSON] = field(default_factory=list)
    reactions: dict[str, list[int]] = field(default_factory=dict)
    forwarded: StoredMessage | None = None  # a forward: the frozen copy of the original

    @property
    def ephemeral(self) -> bool:
        """Whether only the interaction's user sees it (never in channel history)."""
        return bool(self.flags & MessageFlag.EPHEMERAL)

    @property
    def is_voice_message(self) -> bool:
        """Whether the voice-message flag is set."""
        return bool(self.flags & MessageFlag.IS_VOICE_MESSAGE)

    @property
    def silent(self) -> bool:
        """Whether SUPPRESS_NOTIFICATIONS (``silent=True``) is set."""
        return bool(self.flags & MessageFlag.SUPPRESS_NOTIFICATIONS)


@dataclass
class UploadedFile:
    """One ``files[n]`` part of a multipart request."""

    field_name: str
    filename: str
    content_type: str | None
    data: bytes

    @property
    def index(self) -> int | None:
        """``n`` of ``files[n]``, if the field name has that form."""
        name = self.field_name
        if name.startswith("files[") and name.endswith("]") and name[6:-1].isdigit():
            return int(name[6:-1])
        return None


@dataclass
class RecordedRequest:
    """A REST request the fake received, and what it answered."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[UploadedFile]
    route: str | None = None
    status: int = 0
    response: Any = None
    at: float = 0.0
    code: int | None = None  # Discord's JSON error code of a refusal
    scope: str | None = None  # X-RateLimit-Scope of a 429
    injected: bool = False  # refused by ``fail_next`` or ``exhaust_bucket``, on purpose
