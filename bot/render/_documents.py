"""The downloadable documents: versioned JSON and plain text."""

from __future__ import annotations

from bot.model import Mode, TranscriptDocument
from bot.timecodes import format_duration


def render_json(document: TranscriptDocument) -> str:
    """The versioned JSON document (UTF-8, indented, stable key order)."""
    return document.model_dump_json(indent=2) + "\n"


def _header(document: TranscriptDocument) -> list[str]:
    source = document.source
    lines = [
        f"{source.file_name} · {format_duration(source.duration_s)} · language {document.language}"
    ]
    if document.partial:
        lines.append("PARTIAL RESULT: part of the audio could not be transcribed.")
    lines.extend(f"Note: {warning}" for warning in document.warnings)
    return lines


def render_plain_text(document: TranscriptDocument) -> str:
    """A readable plain-text transcript (no markdown), as a .txt attachment or CLI output."""
    lines = [*_header(document), ""]
    if document.kind is Mode.ASK:
        lines += [f"Q: {document.question or ''}", f"A: {document.answer or ''}"]
        lines += [f'[{item.timestamp}] "{item.quote}"' for item in document.evidence]
        return "\n".join(lines) + "\n"
    if document.summary:
        lines += ["Summary:", document.summary, ""]
    if document.key_points:
        lines += ["Key points:", *(f"- {point}" for point in document.key_points), ""]
    if document.action_items:
        lines += ["Action items:", *(f"- {item}" for item in document.action_items), ""]
    for segment in document.segments:
        mood = f" ({segment.emotion})" if segment.emotion else ""
        lines.append(f"[{segment.timestamp}] {segment.speaker}{mood}: {segment.content}")
        if segment.translation:
            lines.append(f"    → {segment.translation}")
    return "\n".join(lines).rstrip() + "\n"
