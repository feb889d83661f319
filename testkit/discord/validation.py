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
_REQ = "This field is required"


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
    merge_errors(problems, component_errors(payload.get("components")))
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


MAX_ACTION_ROWS = 5
MAX_ROW_ITEMS = 5
MAX_CUSTOM_ID = 100
MAX_BUTTON_LABEL = 80
ACTION_ROW, BUTTON, LINK_STYLE = 1, 2, 5


def component_errors(components: Any) -> JSON:
    """Field errors for classic message components (interactions/message-components):
    at most 5 action rows of at most 5 buttons; a button's ``label`` ≤ 80 characters; a
    ``custom_id`` ≤ 100 characters, required on every button but link buttons (which need
    a ``url`` instead) and unique within the message."""
    if not components:
        return {}
    if len(components) > MAX_ACTION_ROWS:
        return _too_long(("components",), MAX_ACTION_ROWS)
    problems: JSON = {}
    seen: set[str] = set()
    for row_index, row in enumerate(components):
        if row.get("type") != ACTION_ROW:
            continue  # components v2 layouts are not used here; rows are checked
        items = row.get("components") or []
        if len(items) > MAX_ROW_ITEMS:
            merge_errors(problems, _too_long(("components", row_index, "components"), 5))
        for index, item in enumerate(items):
            where = ("components", row_index, "components", index)
            merge_errors(problems, _item_errors(item, where, seen))
    return problems


def _item_errors(item: JSON, where: tuple[str | int, ...], seen: set[str]) -> JSON:
    problems: JSON = {}
    custom_id, label = item.get("custom_id"), item.get("label")
    is_link = item.get("type") == BUTTON and item.get("style") == LINK_STYLE
    if is_link and (custom_id or not item.get("url")):
        merge_errors(problems, field_error(where, "BUTTON_COMPONENT_INVALID", "Invalid button"))
    if not is_link and not custom_id:
        merge_errors(problems, field_error((*where, "custom_id"), "BASE_TYPE_REQUIRED", _REQ))
    if custom_id and len(str(custom_id)) > MAX_CUSTOM_ID:
        merge_errors(problems, _too_long((*where, "custom_id"), MAX_CUSTOM_ID))
    if custom_id and str(custom_id) in seen:
        merge_errors(
            problems,
            field_error(
                (*where, "custom_id"),
                "COMPONENT_CUSTOM_ID_DUPLICATED",
                "Component custom id cannot be duplicated",
            ),
        )
    if custom_id:
        seen.add(str(custom_id))
    if label is not None and len(str(label)) > MAX_BUTTON_LABEL:
        merge_errors(problems, _too_long((*where, "label"), MAX_BUTTON_LABEL))
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
            where = ("embeds", index, "fields", pos, key)
            if len(text) > limit:
                merge_errors(problems, _too_long(where, limit))
            elif not text.strip():  # a field's name and value are required, never blank
                merge_errors(problems, field_error(where, "BASE_TYPE_REQUIRED", _REQ))
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
