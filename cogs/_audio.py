"""Which attachments look like audio: a hint only, the pipeline probes the bytes."""

from __future__ import annotations

import discord

from cogs._forward import shared_attachments

AUDIO_SUFFIXES = frozenset(
    {
        "ogg",
        "oga",
        "opus",
        "mp3",
        "wav",
        "aiff",
        "aif",
        "aac",
        "m4a",
        "flac",
        "webm",
        "mp4",
        "mov",
        "mkv",
    }
)


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


def first_audio(message: discord.Message) -> discord.Attachment | None:
    """The message's first audio attachment (a forwarded one too), if any."""
    return next((a for a in shared_attachments(message) if is_audio_attachment(a)), None)
