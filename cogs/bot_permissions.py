"""The permissions the bot itself needs, declared once: the invite URL, the README's table
and the startup check of each channel all come from :data:`BOT_PERMISSIONS`.

Required permissions are what the bot needs to do its work in a channel; optional ones each
say what works without them. ``python -m bot invite-url`` prints the URL (and, with
``--table``, the README's table); the bot logs the URL at startup.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import discord

from bot.errors import ConfigError
from bot.settings import Settings

INVITE_BASE = "https://discord.com/oauth2/authorize"
SCOPES = ("bot", "applications.commands")


@dataclass(frozen=True)
class BotPermission:
    """One permission: discord.py's flag name, Discord's label, and why the bot asks."""

    flag: str
    label: str
    why: str
    required: bool = True
    without: str = ""  # for an optional one: what happens without it


BOT_PERMISSIONS = (
    BotPermission("view_channel", "View Channels", "see voice messages"),
    BotPermission(
        "read_message_history",
        "Read Message History",
        "fetch a fresh attachment link; check what was posted before a restart",
    ),
    BotPermission("send_messages", "Send Messages", "post transcripts and summaries"),
    BotPermission(
        "send_messages_in_threads", "Send Messages in Threads", "post in the reply thread"
    ),
    BotPermission(
        "create_public_threads", "Create Public Threads", "reply in a thread on the voice message"
    ),
    BotPermission("attach_files", "Attach Files", "`transcript.json` / `.txt` / `.srt`"),
    BotPermission("embed_links", "Embed Links", "moderators' review cards"),
    BotPermission("add_reactions", "Add Reactions", "⏳ while working, then ✅ or ⚠️"),
    BotPermission(
        "manage_threads",
        "Manage Threads",
        "delete its reply thread when the voice message is deleted",
        required=False,
        without="the emptied thread stays behind",
    ),
    BotPermission(
        "manage_messages",
        "Manage Messages",
        "the moderators' **Delete original** button",
        required=False,
        without="moderators delete originals themselves",
    ),
)


def permission_value(needs: Iterable[BotPermission] = BOT_PERMISSIONS) -> int:
    """The permission integer of ``needs`` (the invite asks for all, optional ones too)."""
    return discord.Permissions(**{need.flag: True for need in needs}).value


def invite_url(client_id: int) -> str:
    """The invite link asking for every declared permission and the command scope."""
    scopes = "+".join(SCOPES)
    return f"{INVITE_BASE}?client_id={client_id}&scope={scopes}&permissions={permission_value()}"


def client_id_from_token(token: str) -> int | None:
    """The application id inside a bot token (its first part is the base64 bot user id,
    which is the application id), or None when the token is not shaped like one."""
    head = token.strip().split(".", 1)[0]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return int(decoded) if decoded.isascii() and decoded.isdigit() else None


def invite_text(settings: Settings, client_id: int | None, *, table: bool = False) -> str:
    """What ``python -m bot invite-url`` prints: the URL for ``client_id``, else
    ``DISCORD_CLIENT_ID``, else the id inside ``DISCORD_TOKEN`` (ConfigError without any)."""
    token = settings.discord_token.get_secret_value() if settings.discord_token else ""
    found = client_id or settings.discord_client_id or client_id_from_token(token)
    if found is None:
        raise ConfigError(
            "Give the application id: --client-id ID, or DISCORD_CLIENT_ID, or DISCORD_TOKEN."
        )
    return invite_url(found) + ("\n\n" + permissions_table() if table else "")


def permissions_table() -> str:
    """The README's table, generated from :data:`BOT_PERMISSIONS`."""
    rows = ["| permission | needed | why |", "|---|---|---|"]
    for need in BOT_PERMISSIONS:
        needed = "required" if need.required else f"optional: without it {need.without}"
        rows.append(f"| {need.label} | {needed} | {need.why} |")
    return "\n".join(rows)


# Where the bot never opens a thread (it replies in place), thread permissions don't matter.
_NO_THREADS_HERE = (discord.ForumChannel, discord.VoiceChannel, discord.StageChannel)
_THREAD_FLAGS = frozenset({"create_public_threads", "send_messages_in_threads"})


def missing_in(permissions: discord.Permissions, channel: object = None) -> list[BotPermission]:
    """The required permissions ``permissions`` lacks (in ``channel``, when given)."""
    relevant = [need for need in BOT_PERMISSIONS if need.required]
    if isinstance(channel, _NO_THREADS_HERE):
        relevant = [need for need in relevant if need.flag not in _THREAD_FLAGS]
    return [need for need in relevant if not getattr(permissions, need.flag)]


def channels_missing(
    guild: discord.Guild,
) -> Iterator[tuple[discord.abc.GuildChannel, list[str]]]:
    """Channels where the bot may work (it can see them) but lacks a required permission,
    with the labels of what is missing."""
    me = guild.me
    for channel in guild.channels:
        if isinstance(channel, discord.CategoryChannel):
            continue
        granted = channel.permissions_for(me)
        if not granted.view_channel:
            continue  # a channel kept from the bot on purpose is not its to work in
        missing = [need.label for need in missing_in(granted, channel)]
        if missing:
            yield channel, missing
