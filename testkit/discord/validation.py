"""Validation of message bodies sent by the bot, with Discord's limits and error codes."""

from __future__ import annotations

from typing import Any

from . import errors
from .errors import field_error, merge_errors
from .messages import MessageDraft
from .models import JSON, FakeAttachment, MessageFlag, UploadedFile

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_FILES = 10
MAX_NONCE = 25
SENDABLE_FLAGS = (
    MessageFlag.SUPPRESS_EMBEDS
    | MessageFlag.SUPPRESS_NOTIFICATIONS
    | MessageFlag.IS_VOICE_MESSAGE
    | MessageFlag.IS_COMPONENTS_V2
)
_EMBED_LIMITS = {"title": 256, "description": 4096}


def validate_message(
    payload: JSON,
    files: list[UploadedFile],
    *,
    filesize_limit: int,
    allowed_flags: int = SENDABLE_FLAGS,
    require_body: bool = True,
) -> None:
    """Raise the ``DiscordError`` Discord would answer for this message body, if any."""
    if len(files) > MAX_FILES:
        raise errors.too_many_attachments()
    if any(len(f.data) > filesize_limit for f in files):
        raise errors.entity_too_large()
    problems: JSON = {}
    content = payload.get("content")
    if content is not None and not isinstance(content, str):
        merge_errors(problems, field_error(("content",), "BASE_TYPE_STRING", "Must be a string."))
    elif content and len(content) > MAX_CONTENT:
        merge_errors(problems, _too_long(("content",), MAX_CONTENT))
    merge_errors(problems, embed_errors(payload.get("embeds")))
    merge_errors(problems, _flag_errors(payload.get("flags"), allowed_flags))
    merge_errors(problems, _misc_errors(payload))
    if problems:
        raise errors.invalid_form_body(problems)
    if require_body and not _has_body(payload, files):
        raise errors.empty_message()
    if int(payload.get("flags") or 0) & MessageFlag.IS_VOICE_MESSAGE:
        _check_voice(payload, files)


def embed_errors(embeds: Any) -> JSON:
    """Field errors for an ``embeds`` list (count, per-field lengths, 6000 total)."""
    if not embeds:
        return {}
    if len(embeds) > MAX_EMBEDS:
        return _too_long(("embeds",), MAX_EMBEDS)
    problems: JSON = {}
    total = 0
    for index, embed in enumerate(embeds):
        for key, limit in _EMBED_LIMITS.items():
            text = str(embed.get(key) or "")
            total += len(text)
            if len(text) > limit:
                merge_errors(problems, _too_long(("embeds", index, key), limit))
        total += _embed_extra_length(embed, index, problems)
    if total > MAX_EMBED_TOTAL:
        merge_errors(
            problems,
            field_error(
                ("embeds",), "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
            ),
        )
    return problems


def _embed_extra_length(embed: JSON, index: int, problems: JSON) -> int:
    total = 0
    fields = embed.get("fields") or []
    if len(fields) > 25:
        merge_errors(problems, _too_long(("embeds", index, "fields"), 25))
    for pos, item in enumerate(fields):
        for key, limit in (("name", 256), ("value", 1024)):
            text = str(item.get(key) or "")
            total += len(text)
            if len(text) > limit:
                merge_errors(problems, _too_long(("embeds", index, "fields", pos, key), limit))
    for key, sub, limit in (("footer", "text", 2048), ("author", "name", 256)):
        text = str((embed.get(key) or {}).get(sub) or "")
        total += len(text)
        if len(text) > limit:
            merge_errors(problems, _too_long(("embeds", index, key, sub), limit))
    return total


def _flag_errors(flags: Any, allowed: int) -> JSON:
    if flags is None:
        return {}
    if not isinstance(flags, int) or flags & ~allowed:
        return field_error(("flags",), "MESSAGE_FLAGS_INVALID", "Invalid message flags")
    return {}


def _misc_errors(payload: JSON) -> JSON:
    problems: JSON = {}
    nonce = payload.get("nonce")
    if isinstance(nonce, str) and len(nonce) > MAX_NONCE:
        merge_errors(problems, _too_long(("nonce",), MAX_NONCE))
    mentions = payload.get("allowed_mentions")
    if isinstance(mentions, dict):
        parse = mentions.get("parse") or []
        for kind in ("users", "roles"):
            if kind in parse and mentions.get(kind):
                merge_errors(
                    problems,
                    field_error(
                        ("allowed_mentions",),
                        "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                        f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
                    ),
                )
    return problems


def _has_body(payload: JSON, files: list[UploadedFile]) -> bool:
    keys = ("content", "embeds", "sticker_ids", "components", "poll")
    return bool(files) or any(payload.get(k) for k in keys)


def _check_voice(payload: JSON, files: list[UploadedFile]) -> None:
    if payload.get("content"):
        raise errors.voice_message_error(50159)
    if len(files) != 1:
        raise errors.voice_message_error(50160)
    meta = (payload.get("attachments") or [{}])[0]
    if meta.get("duration_secs") is None or meta.get("waveform") is None:
        raise errors.voice_message_error(50161)


def _too_long(path: tuple[str | int, ...], limit: int) -> JSON:
    return field_error(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def file_specs(payload: JSON, files: list[UploadedFile]) -> list[FakeAttachment]:
    """Uploaded files merged with their ``attachments`` metadata (filename, description...)."""
    meta = {str(a.get("id")): a for a in payload.get("attachments") or [] if isinstance(a, dict)}
    specs = []
    for position, upload in enumerate(files):
        index = upload.index if upload.index is not None else position
        info = meta.get(str(index), {})
        specs.append(
            FakeAttachment(
                filename=info.get("filename") or upload.filename,
                data=upload.data,
                description=info.get("description"),
                duration_secs=info.get("duration_secs"),
                waveform=info.get("waveform"),
            )
        )
    return specs


def draft_from_payload(payload: JSON, files: list[UploadedFile]) -> MessageDraft:
    """A ``MessageDraft`` from a validated message body."""
    return MessageDraft(
        content=payload.get("content") or "",
        embeds=list(payload.get("embeds") or []),
        components=list(payload.get("components") or []),
        files=file_specs(payload, files),
        flags=int(payload.get("flags") or 0),
        tts=bool(payload.get("tts")),
        nonce=payload.get("nonce"),
        allowed_mentions=payload.get("allowed_mentions"),
        message_reference=payload.get("message_reference"),
        sent_payload=payload,
    )
