"""Wire format of the fake Gemini server: interaction bodies, error bodies, API keys.

Shapes follow what google-genai 3.6 parses (``google/genai/_gaos/types/interactions``): an
``Interaction`` is ``{"id", "status", "model", "created", "updated", "steps": [...],
"usage": {...}, "errors": [{"code", "message"}]}``.

Two error shapes, as Google's documentation separates them (the API errors page of
ai.google.dev/gemini-api/docs/troubleshooting):

* the **Interactions API**: ``{"error": {"code": "<string>", "message"}}``, with codes such
  as ``invalid_request`` or ``quota_exceeded`` (:func:`error_response`);
* the older **Google RPC** shape ``{"error": {"code": <int>, "message", "status",
  "details"}}`` of ``generateContent`` and the Files API (:func:`rpc_error_response`), which
  the fake's Files API keeps speaking.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from testkit.gemini._replies import ErrorReply, JsonObject, TokenCounts

API_KEY_HEADER = "x-goog-api-key"

_KEY_INVALID_MESSAGE = "API key not valid. Please pass a valid API key."
_KEY_MISSING_MESSAGE = (
    "Method doesn't allow unregistered callers (callers without established identity). "
    "Please use API Key or other form of API consumer identity to call this API."
)


def now_iso() -> str:
    """The current time as Google writes it (RFC 3339, UTC, ``Z``)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def usage_payload(counts: TokenCounts) -> JsonObject:
    """The ``usage`` object of an interaction. Thought and cached counts appear only when
    non-zero (the API leaves zero counts out, so readers must treat them as optional)."""
    usage: JsonObject = {
        "total_input_tokens": counts.input,
        "total_output_tokens": counts.output,
        "total_tokens": counts.input + counts.output + counts.thought,
    }
    if counts.thought:
        usage["total_thought_tokens"] = counts.thought
    if counts.cached:
        usage["total_cached_tokens"] = counts.cached
    if counts.audio or counts.video:
        modalities = [("text", counts.input - counts.audio - counts.video)]
        modalities += [("audio", counts.audio), ("video", counts.video)]
        usage["input_tokens_by_modality"] = [
            {"modality": name, "tokens": tokens} for name, tokens in modalities if tokens
        ]
    return usage


@dataclass(frozen=True)
class Outcome:
    """What one interaction body says: status, text (None: no steps) and errors."""

    status: str
    text: str | None
    usage: TokenCounts
    error_message: str | None = None
    error_code: str | None = None
    content: JsonObject | None = None  # the content block, when more than plain text


def interaction_payload(
    outcome: Outcome,
    *,
    interaction_id: str,
    model: str,
    service_tier: str = "standard",
    continuation_token: str | None = None,
) -> JsonObject:
    """An ``Interaction`` body; ``service_tier`` is the tier that served it."""
    stamp = now_iso()
    steps: list[JsonObject] = []
    if outcome.text is not None:
        block = outcome.content or {"type": "text", "text": outcome.text}
        steps.append({"type": "model_output", "content": [block]})
    payload: JsonObject = {
        "id": interaction_id,
        "model": model,
        "service_tier": service_tier,
        "status": outcome.status,
        "created": stamp,
        "updated": stamp,
        "steps": steps,
        "usage": usage_payload(outcome.usage),
    }
    if continuation_token is not None:
        payload["continuation_token"] = continuation_token
    if outcome.error_message is not None:
        error: JsonObject = {"message": outcome.error_message}
        if outcome.error_code is not None:
            error["code"] = outcome.error_code
        payload["errors"] = [error]
    return payload


def _retry_after_header(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else repr(float(seconds))


def error_response(reply: ErrorReply) -> web.Response:
    """An Interactions API error: ``{"error": {"code", "message"}}`` (and ``Retry-After``)."""
    headers = {}
    if reply.retry_after is not None:
        headers["Retry-After"] = _retry_after_header(reply.retry_after)
    body = {"error": {"code": reply.code, "message": reply.message}}
    return web.json_response(body, status=reply.http_status, headers=headers)


def invalid_request(message: str) -> ErrorReply:
    """400 ``invalid_request``."""
    return ErrorReply(400, "invalid_request", message)


@dataclass(frozen=True)
class RpcError:
    """An error in the Google RPC shape (Files API)."""

    http_status: int
    status: str
    message: str


def rpc_error_response(
    error: RpcError,
    *,
    details: list[JsonObject] | None = None,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    """``{"error": {"code": <int>, "message", "status", "details"}}``."""
    body: JsonObject = {
        "code": error.http_status,
        "message": error.message,
        "status": error.status,
    }
    if details:
        body["details"] = details
    return web.json_response({"error": body}, status=error.http_status, headers=headers)


def rpc_invalid_argument(message: str) -> RpcError:
    """400 INVALID_ARGUMENT (Files API)."""
    return RpcError(400, "INVALID_ARGUMENT", message)


def _key_error_info() -> JsonObject:
    return {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "API_KEY_INVALID",
        "domain": "googleapis.com",
        "metadata": {"service": "generativelanguage.googleapis.com"},
    }


def presented_key(request: web.Request) -> str | None:
    """The API key of a request: the ``x-goog-api-key`` header or the ``key`` query param."""
    return request.headers.get(API_KEY_HEADER) or request.query.get("key")


def interactions_key_error(request: web.Request, expected: str) -> web.Response | None:
    """The Interactions API's answer to a wrong or missing key, or None when it is right:
    401 ``authentication`` ("the API key is missing, invalid, or expired", as the API
    errors page describes the code)."""
    key = presented_key(request)
    if key == expected:
        return None
    message = _KEY_INVALID_MESSAGE if key else _KEY_MISSING_MESSAGE
    return error_response(ErrorReply(401, "authentication", message))


def files_key_error(request: web.Request, expected: str) -> web.Response | None:
    """The Files API's answer to a wrong or missing key, or None when it is right.

    A wrong key is 400 INVALID_ARGUMENT "API key not valid" with an ``API_KEY_INVALID``
    detail; no key at all is 403 PERMISSION_DENIED "Method doesn't allow unregistered
    callers", as Google answers on its RPC-style endpoints.
    """
    key = presented_key(request)
    if key == expected:
        return None
    if not key:
        return rpc_error_response(RpcError(403, "PERMISSION_DENIED", _KEY_MISSING_MESSAGE))
    invalid = rpc_invalid_argument(_KEY_INVALID_MESSAGE)
    return rpc_error_response(invalid, details=[_key_error_info()])


def redacted_headers(headers: Mapping[str, Any]) -> dict[str, str]:
    """Request headers without the API key."""
    return {k: str(v) for k, v in headers.items() if k.lower() != API_KEY_HEADER}
