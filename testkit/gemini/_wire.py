"""Wire format of the fake Gemini server: interaction bodies, Google error bodies, API keys.

Shapes follow what google-genai 3.4.0 parses (``google/genai/_gaos/types/interactions``):
an ``Interaction`` is ``{"id", "status", "model", "created", "updated", "steps": [...],
"usage": {...}}``; errors are ``{"error": {"code": <int>, "message", "status", "details"}}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from testkit.gemini._replies import ErrorReply, JsonObject

API_KEY_HEADER = "x-goog-api-key"

_KEY_INVALID_MESSAGE = "API key not valid. Please pass a valid API key."
_KEY_MISSING_MESSAGE = (
    "Method doesn't allow unregistered callers (callers without established identity). "
    "Please use API Key or other form of API consumer identity to call this API."
)


def now_iso() -> str:
    """The current time as Google writes it (RFC 3339, UTC, ``Z``)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def usage_payload(input_tokens: int, output_tokens: int) -> JsonObject:
    """The ``usage`` object of an interaction."""
    return {
        "total_input_tokens": input_tokens,
        "total_output_tokens": output_tokens,
        "total_tokens": input_tokens + output_tokens,
    }


def interaction_payload(
    *,
    interaction_id: str,
    model: str,
    status: str,
    text: str | None,
    usage: tuple[int, int],
    continuation_token: str | None = None,
    error_message: str | None = None,
) -> JsonObject:
    """An ``Interaction`` body; ``text=None`` gives no steps at all."""
    stamp = now_iso()
    steps: list[JsonObject] = []
    if text is not None:
        steps.append({"type": "model_output", "content": [{"type": "text", "text": text}]})
    payload: JsonObject = {
        "id": interaction_id,
        "model": model,
        "status": status,
        "created": stamp,
        "updated": stamp,
        "steps": steps,
        "usage": usage_payload(*usage),
    }
    if continuation_token is not None:
        payload["continuation_token"] = continuation_token
    if error_message is not None:
        payload["errors"] = [{"message": error_message}]
    return payload


def _retry_after_header(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else repr(float(seconds))


def error_body(reply: ErrorReply, details: list[JsonObject] | None = None) -> JsonObject:
    """``{"error": {...}}`` for ``reply``; ``retry_after`` adds a ``RetryInfo`` detail."""
    error: JsonObject = {
        "code": reply.http_status,
        "message": reply.message,
        "status": reply.status_name,
    }
    all_details = list(details or [])
    if reply.retry_after is not None:
        all_details.append(
            {
                "@type": "type.googleapis.com/google.rpc.RetryInfo",
                "retryDelay": f"{_retry_after_header(reply.retry_after)}s",
            }
        )
    if all_details:
        error["details"] = all_details
    return {"error": error}


def error_response(
    reply: ErrorReply,
    *,
    details: list[JsonObject] | None = None,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    """The HTTP response for ``reply`` (JSON body, optional ``Retry-After``)."""
    all_headers = dict(headers or {})
    if reply.retry_after is not None:
        all_headers["Retry-After"] = _retry_after_header(reply.retry_after)
    return web.json_response(
        error_body(reply, details), status=reply.http_status, headers=all_headers
    )


def invalid_argument(message: str) -> ErrorReply:
    """400 INVALID_ARGUMENT."""
    return ErrorReply(400, "INVALID_ARGUMENT", message)


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


def api_key_error(request: web.Request, expected: str) -> web.Response | None:
    """Google's answer to a wrong or missing key, or None when the key is right.

    A wrong key is 400 INVALID_ARGUMENT "API key not valid"; no key at all is 403
    PERMISSION_DENIED "Method doesn't allow unregistered callers", as Google answers.
    """
    key = presented_key(request)
    if key == expected:
        return None
    if not key:
        return error_response(ErrorReply(403, "PERMISSION_DENIED", _KEY_MISSING_MESSAGE))
    return error_response(invalid_argument(_KEY_INVALID_MESSAGE), details=[_key_error_info()])


def redacted_headers(headers: Mapping[str, Any]) -> dict[str, str]:
    """Request headers without the API key."""
    return {k: str(v) for k, v in headers.items() if k.lower() != API_KEY_HEADER}
