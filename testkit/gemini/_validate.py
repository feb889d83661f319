"""Request checks of the fake Gemini's Interactions endpoint.

The fake is stricter than the service where that keeps our code honest: flat schemas only,
audio MIME types from Gemini's documented list, inline requests under 20 MB, and file URIs
only of uploaded files that reached ACTIVE. Refusals use the Interactions API's error codes
(``invalid_request``, ``failed_precondition``).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from testkit.gemini._files import FileStore
from testkit.gemini._replies import ErrorReply, JsonObject
from testkit.gemini._schema import find_unsupported_keyword, response_schema_of
from testkit.gemini._speech import SpeechRules
from testkit.gemini._tiers import FlexTier
from testkit.gemini._video import YouTube
from testkit.gemini._wire import invalid_request

ALLOWED_AUDIO_MIME_TYPES = frozenset(
    {
        "audio/wav",
        "audio/mp3",
        "audio/mpeg",
        "audio/aiff",
        "audio/aac",
        "audio/ogg",
        "audio/flac",
        "audio/opus",
        "audio/m4a",
        "audio/l16",
    }
)
# Gemini's limit for a request carrying its media inline.
INLINE_LIMIT_BYTES = 20 * 1024 * 1024

_STEP_TYPES = frozenset({"user_input", "model_output", "thought", "function_result"})


def content_blocks(input_value: Any) -> list[JsonObject]:
    """The content blocks of an ``input`` value: a string, a step, blocks, or a list of steps."""
    if isinstance(input_value, str):
        return [{"type": "text", "text": input_value}]
    if isinstance(input_value, dict):
        input_value = [input_value]
    if not isinstance(input_value, list):
        return []
    blocks: list[JsonObject] = []
    for item in input_value:
        if not isinstance(item, dict):
            continue
        if item.get("type") not in _STEP_TYPES and "content" not in item:
            blocks.append(item)
            continue
        content = item.get("content")
        if isinstance(content, str):
            blocks.append({"type": "text", "text": content})
        elif isinstance(content, list):
            blocks.extend(block for block in content if isinstance(block, dict))
    return blocks


def _unsupported_mime(mime: str) -> ErrorReply:
    return invalid_request(f"Unsupported MIME type: {mime}")


def _check_uri(uri: str, mime: Any, files: FileStore) -> ErrorReply | None:
    upload = files.lookup_uri(uri)
    if upload is None:
        return invalid_request(f"File {uri} does not exist or is not accessible.")
    if upload.state != "ACTIVE":
        message = f"The File {upload.file_id} is not in an ACTIVE state and usage is not allowed."
        return ErrorReply(400, "failed_precondition", message)
    effective = mime or upload.mime_type
    return None if effective in ALLOWED_AUDIO_MIME_TYPES else _unsupported_mime(effective)


def _check_audio(block: JsonObject, index: int, files: FileStore) -> ErrorReply | None:
    mime, data, uri = block.get("mime_type"), block.get("data"), block.get("uri")
    if (data is None) == (uri is None):
        return invalid_request(f"input.content[{index}]: audio needs exactly one of data, uri.")
    if uri is not None:
        return _check_uri(str(uri), mime, files)
    if not mime:
        return invalid_request(f"input.content[{index}]: mime_type is required for audio.")
    if mime not in ALLOWED_AUDIO_MIME_TYPES:
        return _unsupported_mime(str(mime))
    try:
        base64.b64decode(str(data), validate=True)
    except (binascii.Error, ValueError):
        return invalid_request(
            f"Invalid value at 'input.content[{index}].data' (TYPE_BYTES), Base64 decoding failed."
        )
    return None


def _check_schema(body: JsonObject) -> ErrorReply | None:
    found = find_unsupported_keyword(response_schema_of(body))
    if found is None:
        return None
    keyword, path = found
    return invalid_request(
        f"Invalid JSON payload received. Unsupported keyword '{keyword}' at "
        f"'response_format.{path}': Gemini accepts a subset of JSON Schema; inline it."
    )


@dataclass(frozen=True)
class Checks:
    """What a request is checked against besides its shape: uploads, YouTube videos, the
    speech models' rules and the service tiers."""

    files: FileStore
    youtube: YouTube
    speech: SpeechRules
    flex: FlexTier


def _check_blocks(body: JsonObject, checks: Checks) -> ErrorReply | None:
    blocks = content_blocks(body.get("input"))
    if checks.speech.serves(body.get("model")) and not body.get("continuation_token"):
        refused = checks.speech.check(body, blocks)
        if refused is not None:
            return refused
    for index, block in enumerate(blocks):
        kind = block.get("type")
        problem = None
        if kind == "audio":
            problem = _check_audio(block, index, checks.files)
        elif kind == "video":
            problem = checks.youtube.check(block)
        if problem is not None:
            return problem
    return None


def validate_interaction(
    body: JsonObject, *, raw_size: int, limit: int, checks: Checks
) -> ErrorReply | None:
    """The error Gemini would answer ``body`` with (``raw_size`` bytes on the wire), if any."""
    if raw_size > limit:
        return invalid_request(f"Request payload size exceeds the limit: {limit} bytes.")
    if not isinstance(body.get("model"), str) and "agent" not in body:
        return invalid_request("Either model or agent must be set.")
    has_context = body.get("continuation_token") or body.get("previous_interaction_id")
    if not body.get("input") and not has_context:
        return invalid_request("input is required.")
    schema_error = _check_schema(body) or checks.flex.check(body)
    if schema_error is not None:
        return schema_error
    return _check_blocks(body, checks)
