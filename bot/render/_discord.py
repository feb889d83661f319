"""Discord-ready text: summary first, then one line per segment, in ≤ 2000-char messages.

Transcript text is untrusted. Everything that came from the audio or the model goes through
:func:`escape_untrusted`, so it can never ping anyone (belt and braces: every message is also
sent with allowed mentions off), render as markdown, mask a link or draw a custom emoji.
No discord imports: the Discord layer only sends what this returns.
"""

from __future__ import annotations

import re

from bot.model import Mode, Segment, TranscriptDocument
from bot.timecodes import format_duration

DISCORD_MESSAGE_LIMIT = 2000
EMOTION_EMOJI = {"happy": "😊", "sad": "😢", "angry": "😠", "neutral": "😐"}
_ZWSP = "\u200b"
# Markdown and Discord syntax characters: escaped with a backslash wherever they appear.
_MARKDOWN = re.compile(r"([\\*_~`|>\[\]()#<-])")
_WHITESPACE = re.compile(r"\s+")


def escape_untrusted(text: str) -> str:
    """Make ``text`` inert in a Discord message: no markdown, mentions, links or emoji."""
    flat = _WHITESPACE.sub(" ", text).strip()
    escaped = _MARKDOWN.sub(r"\\\1", flat)
    # A zero-width space after "@" breaks @everyone/@here and user tags even if allowed
    # mentions were ever misconfigured; "<" is already escaped so <@id> cannot form.
    return escaped.replace("@", "@" + _ZWSP)


def _segment_line(segment: Segment) -> str:
    emoji = EMOTION_EMOJI.get(segment.emotion or "", "")
    mood = f" · {emoji}" if emoji else ""  # no emotion heard (the speech engine): none shown
    line = (
        f"`{segment.timestamp}` **{escape_untrusted(segment.speaker)}**{mood} · "
        f"{escape_untrusted(segment.content)}"
    )
    if segment.translation:
        line += f"\n-# ↳ {escape_untrusted(segment.translation)}"
    return line


def _summary_block(document: TranscriptDocument, *, show_summary: bool) -> list[str]:
    lines = []
    # Transcript-only output drops the summary, unless it is all there is to show.
    if document.summary and (show_summary or not document.segments):
        lines.append(f"**Summary** · {escape_untrusted(document.summary)}")
    if document.key_points:
        lines.append("**Key points**")
        lines.extend(f"• {escape_untrusted(point)}" for point in document.key_points)
    if document.action_items:
        lines.append("**Action items**")
        lines.extend(f"☐ {escape_untrusted(item)}" for item in document.action_items)
    return lines


def _answer_block(document: TranscriptDocument) -> list[str]:
    lines = [
        f"**Question** · {escape_untrusted(document.question or '')}",
        f"**Answer** · {escape_untrusted(document.answer or '')}",
    ]
    lines.extend(
        f"`{item.timestamp}` “{escape_untrusted(item.quote)}”" for item in document.evidence
    )
    return lines


def _footer(document: TranscriptDocument) -> list[str]:
    notes = []
    if document.partial:
        notes.append("⚠️ Partial result: part of the audio could not be transcribed.")
    duration = format_duration(document.source.duration_s)
    notes.append(f"-# {duration} · language {escape_untrusted(document.language)}")
    if document.source.uri is not None:
        notes.append(_video_line(document))
    return notes


def _video_line(document: TranscriptDocument) -> str:
    """A video link's real cost, from Gemini's usage: its tokens, audio and frames."""
    usage = document.usage
    if not usage.requests:
        return "-# 🎬 YouTube video · from the cache: nothing spent this time"
    quota_s = usage.audio_equivalent_s()
    return (
        f"-# 🎬 YouTube video · {usage.input_tokens:,} tokens in ({usage.audio_tokens:,} audio, "
        f"{usage.video_tokens:,} frames) / {usage.output_tokens + usage.thought_tokens:,} out · "
        f"counts as {format_duration(quota_s)} of audio against the daily allowances"
    )


def render_discord_lines(document: TranscriptDocument, *, show_summary: bool = True) -> list[str]:
    """The logical lines of the reply (a line may hold a segment and its translation);
    ``show_summary=False`` leaves out the summary of a transcript that has segments."""
    if document.no_speech:
        return [f"🔇 {escape_untrusted(document.summary)}"]
    if document.kind is Mode.ASK:
        body = _answer_block(document)
    else:
        body = _summary_block(document, show_summary=show_summary)
        body.extend(_segment_line(segment) for segment in document.segments)
    return body + _footer(document)


def render_discord_messages(
    document: TranscriptDocument, *, limit: int = DISCORD_MESSAGE_LIMIT
) -> list[str]:
    """The whole reply as Discord messages of at most ``limit`` characters each."""
    return split_messages(render_discord_lines(document), limit=limit)


CONTINUATION = "… "


def _hard_split(line: str, limit: int) -> list[str]:
    """Split one over-long line at spaces (or anywhere, as a last resort), never inside an
    escape sequence. Continuation pieces start with an ellipsis so untrusted text never
    begins a line, where markdown would treat "- " or "1. " as a list."""
    pieces = []
    while len(line) > limit:
        cut = line.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        while cut > 1 and line[cut - 1] == "\\":
            cut -= 1
        pieces.append(line[:cut].rstrip())
        line = CONTINUATION + line[cut:].lstrip()
    if line:
        pieces.append(line)
    return pieces


def split_messages(lines: list[str], *, limit: int = DISCORD_MESSAGE_LIMIT) -> list[str]:
    """Pack lines into messages of at most ``limit`` characters, splitting at line
    boundaries; a single line longer than ``limit`` is split at spaces. Nothing is lost."""
    messages: list[str] = []
    current = ""
    for line in lines:
        for piece in _hard_split(line, limit):
            candidate = f"{current}\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
                continue
            if current:
                messages.append(current)
            current = piece
    if current:
        messages.append(current)
    return messages
