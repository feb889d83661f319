"""Renderers: one TranscriptDocument, many views (Discord text, JSON, SRT, WebVTT, plain text)."""

from bot.render._discord import (
    DISCORD_MESSAGE_LIMIT,
    escape_untrusted,
    render_discord_lines,
    render_discord_messages,
    split_messages,
)
from bot.render._documents import render_json, render_plain_text
from bot.render._subtitles import render_srt, render_vtt

__all__ = [
    "DISCORD_MESSAGE_LIMIT",
    "escape_untrusted",
    "render_discord_lines",
    "render_discord_messages",
    "render_json",
    "render_plain_text",
    "render_srt",
    "render_vtt",
    "split_messages",
]
