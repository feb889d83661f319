"""What a reply looks like: message texts and attachments, from a TranscriptDocument."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import discord

from bot.model import Mode, TranscriptDocument
from bot.render import (
    render_discord_lines,
    render_json,
    render_plain_text,
    render_srt,
    split_messages,
)

MAX_ATTACHMENT_BYTES = 8 * 1024 * 1024  # under Discord's 10 MiB default, with room to spare


@dataclass(frozen=True)
class ReplyPlan:
    """The messages to post, in order; ``files`` (and, for a transcript, the Translate
    button) go with the last message."""

    messages: list[str]
    files: list[tuple[str, bytes]] = field(default_factory=list)
    translatable: bool = False
    view: discord.ui.View | None = None  # the last message's buttons


def last_part_options(plan: ReplyPlan, part: int) -> dict[str, Any]:
    """The keyword arguments a part takes besides its text: the view on the last one."""
    if plan.view is None or part != len(plan.messages) - 1:
        return {}
    return {"view": plan.view}


def files_of(files: list[tuple[str, bytes]]) -> list[discord.File]:
    """A plan's attachments as files to send."""
    return [discord.File(io.BytesIO(data), filename=name) for name, data in files]


def _attachments(document: TranscriptDocument) -> list[tuple[str, bytes]]:
    files = [("transcript.json", render_json(document).encode())]
    if document.kind is Mode.TRANSCRIPT and document.segments:
        files.append(("transcript.txt", render_plain_text(document).encode()))
        files.append(("transcript.srt", render_srt(document).encode()))
    return [(name, data) for name, data in files if len(data) <= MAX_ATTACHMENT_BYTES]


def forwarded_line(forwarder_id: int) -> str:
    """Said first in the reply to a forward whose original the bot could not read (the
    mention only names: replies allow no mentions)."""
    return f"-# ↪ Forwarded by <@{forwarder_id}>; I can't read the original message."


def compose_reply(
    document: TranscriptDocument,
    *,
    inline_cap: int,
    show_summary: bool = True,
    forwarded_by: int | None = None,
) -> ReplyPlan:
    """At most ``inline_cap`` messages of text; past that a note points to the attachments,
    which always carry the whole result. Nothing is lost, and a channel isn't flooded."""
    lines = render_discord_lines(document, show_summary=show_summary)
    if forwarded_by is not None:
        lines = [forwarded_line(forwarded_by), *lines]
    messages = split_messages(lines)
    if len(messages) > inline_cap:
        kept = messages[: max(1, inline_cap - 1)]
        shown = "\n".join(kept)
        hidden = sum(1 for line in lines if line not in shown)
        note = (
            f"📎 {hidden} more lines are in the attached transcript "
            "(transcript.txt, transcript.json, transcript.srt)."
        )
        messages = [*kept, note]
    translatable = document.kind is Mode.TRANSCRIPT and bool(document.segments)
    return ReplyPlan(messages=messages, files=_attachments(document), translatable=translatable)
