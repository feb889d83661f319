"""Renderers: one TranscriptDocument, many views (Discord text, JSON, SRT, WebVTT, plain text)."""

from bot.render.discord_text import escape_untrusted, render_discord_messages, split_messages
from bot.render.documents import render_json, render_plain_text
from bot.render.subtitles import render_srt, render_vtt

__all__ = [
    "escape_untrusted",
    "render_discord_messages",
    "render_json",
    "render_plain_text",
    "render_srt",
    "render_vtt",
    "split_messages",
]
