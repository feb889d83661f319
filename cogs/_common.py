"""Small pieces the cogs share: permission declarations, audio detection, option helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

AnyBot = commands.Bot | commands.AutoShardedBot
CogT = TypeVar("CogT", bound=type[commands.Cog])
PERMISSION_NAMES = {"manage_guild": "Manage Server", "manage_messages": "Manage Messages"}

LANGUAGES = [
    "English", "Spanish", "French", "German", "Italian", "Portuguese", "Dutch", "Polish",
    "Russian", "Ukrainian", "Turkish", "Arabic", "Hebrew", "Hindi", "Bengali", "Urdu",
    "Indonesian", "Vietnamese", "Thai", "Japanese", "Korean", "Chinese", "Swedish",
    "Norwegian", "Danish", "Finnish", "Greek", "Czech", "Romanian", "Hungarian",
]  # fmt: skip


def requires_permissions(**perms: bool) -> Callable[[CogT], CogT]:
    """Declare a cog's permission once: Discord hides its commands from members without it
    (``default_permissions``), and the cog's interaction check refuses them at runtime should
    a server's command settings override that."""
    needed = [name for name, wanted in perms.items() if wanted]

    def decorator(cls: CogT) -> CogT:
        cls = app_commands.default_permissions(**perms)(cls)
        inherited = cls.interaction_check

        async def interaction_check(self: Any, interaction: discord.Interaction[Any]) -> bool:
            granted = interaction.permissions
            missing = [name for name in needed if not getattr(granted, name)]
            if missing:
                raise app_commands.MissingPermissions(missing)
            return bool(await discord.utils.maybe_coroutine(inherited, self, interaction))

        cls.interaction_check = interaction_check  # type: ignore[method-assign]
        return cls

    return decorator


async def language_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Languages matching what the person has typed so far (any language is accepted)."""
    needle = current.strip().lower()
    matches = [name for name in LANGUAGES if needle in name.lower()] if needle else LANGUAGES
    return [app_commands.Choice(name=name, value=name) for name in matches[:25]]


def is_audio_attachment(attachment: discord.Attachment) -> bool:
    """A hint only (the pipeline probes the bytes): voice messages, audio and video types,
    or a file name with an audio/video extension when Discord gives no content type."""
    if attachment.is_voice_message():
        return True
    content_type = (attachment.content_type or "").split(";")[0].strip().lower()
    if content_type.startswith(("audio/", "video/")):
        return True
    suffix = attachment.filename.rsplit(".", 1)[-1].lower() if "." in attachment.filename else ""
    return not content_type and suffix in AUDIO_SUFFIXES


AUDIO_SUFFIXES = frozenset(
    {"ogg", "oga", "opus", "mp3", "wav", "aiff", "aif", "aac", "m4a", "flac", "webm",
     "mp4", "mov", "mkv"}
)  # fmt: skip


def first_audio(message: discord.Message) -> discord.Attachment | None:
    """The message's first audio attachment, if any."""
    return next((a for a in message.attachments if is_audio_attachment(a)), None)
