"""The one module that knows google-genai's internals: the client, its errors, its usage.

google-genai 3.x raises the Interactions API's errors from private modules
(``google.genai._gaos...``), not as ``genai.errors.APIError``; the Files API uses another
HTTP stack and raises ``genai.errors.ClientError``/``ServerError``. Every import of those
lives here, so an SDK upgrade that moves them breaks one module (and
``tests/bot/gemini/test_sdk.py``, which names what moved), and the rest of the bot sees
only :class:`Retryable` signals and the domain errors of :mod:`bot.errors`.

Errors are classified by the Interactions API's string code, ``{"error": {"code",
"message"}}`` (Gemini's API errors page, Interactions API): ``rate_limit_exceeded`` (429,
per-minute limits: retried with backoff or the server's hint), ``quota_exceeded`` (429, the
daily quota: no retry before midnight Pacific), ``payment_required`` (402),
``authentication`` (401), ``permission_denied`` (403), ``not_found``/``model_not_found``
(404) and ``invalid_request`` are final; 5xx are retried. A body without a string code (the
older RPC shape) falls back to the HTTP status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from google import genai
from google.genai import errors as genai_errors
from google.genai import types as genai_types
from google.genai._gaos.errors.genaierror import GenAiError
from google.genai._gaos.errors.no_response_error import NoResponseError
from google.genai._gaos.lib import compat_errors  # where the Interactions API's errors live
from google.genai._gaos.utils import serializers  # builds a pydantic class per request
from google.genai.interactions import Interaction
from pydantic import ConfigDict

from bot.errors import GeminiQuotaExhausted, GeminiRejected
from bot.gemini._quota import quota_reset_after
from bot.metrics import GeminiOutcome
from bot.model import TierUsage, Usage

__all__ = [
    "SAFETY_CODES",
    "Interaction",
    "RawWord",
    "Retryable",
    "classify",
    "compat_errors",
    "error_code",
    "fault_outcome",
    "new_client",
    "refusal_codes",
    "reuse_serializer_models",
    "serializers",
    "served_tier",
    "usage_of",
    "word_annotations",
]

OVERLOADED = "Gemini is overloaded right now; please try again in a few minutes."
TOO_SLOW = "Gemini took too long to answer; please try again in a few minutes."
UNREACHABLE = "I couldn't reach Gemini right now; please try again in a few minutes."
_BAD_KEY = "Gemini refused the API key; the bot owner needs to check it."
_FINAL = {  # Interactions API code → what the person is told (the owner must act)
    "authentication": _BAD_KEY,
    "payment_required": (
        "Gemini refused the request: the bot's Gemini credit is used up. "
        "The bot owner needs to add funds."
    ),
    "permission_denied": (
        "Gemini denied this bot's API key access to the model; the bot owner needs to check "
        "the key's project and permissions."
    ),
    "model_not_found": (
        "Gemini doesn't know the model this bot is set to use; the bot owner needs to check "
        "GEMINI_MODEL."
    ),
}
_FINAL["not_found"] = _FINAL["model_not_found"]
_CODE_OF_STATUS = {401: "authentication", 402: "payment_required", 403: "permission_denied"}
_CODE_OF_STATUS[404] = "not_found"

# Codes in a failed interaction's ``errors`` that mean Gemini's safety filters refused the
# content (Gemini's safety guidance: blocked prompts and responses). ``recitation`` is not
# one: it is a bad answer, retried like any other.
SAFETY_CODES = frozenset({"safety", "prohibited_content", "spii", "blocklist", "content_blocked"})


@dataclass(frozen=True)
class Retryable:
    """A transient fault: worth another attempt after ``wait_hint_s`` (or a backoff)."""

    reason: str
    wait_hint_s: float | None = None
    user_message: str = OVERLOADED
    kind: GeminiOutcome = GeminiOutcome.SERVER_ERROR


def new_client(api_key: str, *, base_url: str | None, timeout_s: float) -> genai.Client:
    """The SDK client, pointed at ``base_url`` when set, with the SDK's own retries off:
    left alone it makes 5 attempts on a 503 and obeys any ``Retry-After`` with no cap,
    which would hide waits and stack with our bounded loop. Its serializers reuse their
    models (:func:`reuse_serializer_models`)."""
    reuse_serializer_models()
    http_options = genai_types.HttpOptions(
        base_url=base_url,
        retry_options=genai_types.HttpRetryOptions(attempts=1),
        timeout=int(timeout_s * 1000),
    )
    return genai.Client(api_key=api_key, http_options=http_options)


# google-genai's generated serializers build a pydantic model class for every request body
# and every response they handle (``create_model("Marshaller", body=(typ, ...), __config__=
# ConfigDict(populate_by_name=True, arbitrary_types_allowed=True))`` in ``marshal_json`` and
# ``unmarshal``): three per interaction, about 25 ms of CPU on the path of every note. Such a
# class depends only on its name and ``typ``, so exactly that call shape is built once per
# pair; any other call goes to pydantic untouched, and past _MAX_SERIALIZER_MODELS pairs
# (the SDK has a handful) nothing more is kept.
_SERIALIZER_CONFIG = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)
_MAX_SERIALIZER_MODELS = 256
_MEMO_MARK = "_voicenotes_reuses_models"


def reuse_serializer_models() -> bool:
    """Make google-genai's serializers reuse their per-type model classes (idempotent);
    False when the SDK no longer builds them this way (then it is left as it is)."""
    create = getattr(serializers, "create_model", None)
    if create is None:
        return False
    if not getattr(create, _MEMO_MARK, False):
        serializers.create_model = memoised_create_model(create)  # type: ignore[attr-defined]
    return True


def memoised_create_model(create: Callable[..., Any]) -> Callable[..., Any]:
    """``create`` (pydantic's ``create_model``), remembering the serializers' models."""
    models: dict[tuple[str, Any], Any] = {}

    def create_model(name: str, /, **fields: Any) -> Any:
        body = fields.get("body")
        if (
            fields.keys() != {"body", "__config__"}
            or fields["__config__"] != _SERIALIZER_CONFIG
            or not (isinstance(body, tuple) and len(body) == 2 and body[1] is Ellipsis)
        ):
            return create(name, **fields)
        key = (name, body[0])
        try:
            return models[key]
        except KeyError:
            model = create(name, **fields)
            if len(models) < _MAX_SERIALIZER_MODELS:
                models[key] = model
            return model
        except TypeError:  # an unhashable type: nothing to remember it by
            return create(name, **fields)

    setattr(create_model, _MEMO_MARK, True)
    return create_model


def _retry_hint(error: compat_errors.APIStatusError, now: datetime) -> float | None:
    """The server's retry hint: ``retry-after-ms``, or ``Retry-After`` in seconds or as an
    HTTP date (RFC 9110 §10.2.3), as the SDK itself reads them."""
    headers = error.response.headers
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            pass
        try:
            return max(0.0, (parsedate_to_datetime(value) - now).total_seconds())
        except (TypeError, ValueError):
            continue
    return None


def error_code(error: compat_errors.APIStatusError) -> str | None:
    """The string ``code`` of an Interactions API error body, lower-cased; None for other
    shapes (the RPC shape's ``code`` is the HTTP status, an int)."""
    body: Any = error.body
    inner = body.get("error") if isinstance(body, dict) else None
    code = inner.get("code") if isinstance(inner, dict) else None
    return code.strip().lower() if isinstance(code, str) and code.strip() else None


def _classify_status(error: compat_errors.APIStatusError, now: datetime) -> Retryable | Exception:
    code, status = error_code(error), error.status_code or 0
    if code == "quota_exceeded":
        return GeminiQuotaExhausted(quota_reset_after(now))
    if code == "rate_limit_exceeded" or status == 429:
        hint = _retry_hint(error, now)
        reason = f"rate limited (429 {code or 'no code'})"
        return Retryable(reason, hint, kind=GeminiOutcome.RATE_LIMITED)
    if status >= 500 or status in (408, 409):
        return Retryable(f"server error ({status} {code or 'no code'})", _retry_hint(error, now))
    final = _FINAL.get(code or _CODE_OF_STATUS.get(status, ""))
    if final is not None:
        return GeminiRejected(final)
    body = str(getattr(error, "body", ""))
    if "API key" in body or "API_KEY" in body:  # the RPC shape's 400 API_KEY_INVALID
        return GeminiRejected(_BAD_KEY)
    return GeminiRejected(f"Gemini rejected the request ({code or f'HTTP {status}'}).")


_TRANSIENT = (
    compat_errors.GeminiNextGenAPIClientError,
    genai_errors.ContinuationInterruptedError,
    genai_errors.UnknownApiResponseError,
    GenAiError,
    NoResponseError,
)


def classify(error: Exception, now: datetime) -> Retryable | Exception:
    """Map an SDK exception to a :class:`Retryable` signal or a final domain error (``now``
    dates a quota reset); an exception that is not the SDK's is returned as it is (a bug
    of ours must surface)."""
    if isinstance(error, compat_errors.APIStatusError):
        return _classify_status(error, now)
    if isinstance(error, compat_errors.APITimeoutError | TimeoutError):
        return Retryable(type(error).__name__, None, TOO_SLOW, GeminiOutcome.TIMEOUT)
    if isinstance(error, compat_errors.APIConnectionError):
        return Retryable(type(error).__name__, None, UNREACHABLE, GeminiOutcome.UNREACHABLE)
    if isinstance(error, genai_errors.APIError):  # the Files API
        if error.code == 429 or error.code >= 500:
            return Retryable(f"files API error ({error.code})")
        return GeminiRejected(f"Gemini rejected the audio upload (HTTP {error.code}).")
    if isinstance(error, _TRANSIENT):
        # A malformed response or an interrupted continuation: retried within the budget.
        return Retryable(type(error).__name__, kind=GeminiOutcome.MALFORMED)
    return error


def fault_outcome(signal: Retryable | Exception) -> GeminiOutcome:
    """What a failed request came to, from its :func:`classify` verdict (for metrics)."""
    if isinstance(signal, Retryable):
        return signal.kind
    if isinstance(signal, GeminiQuotaExhausted):
        return GeminiOutcome.QUOTA_EXCEEDED
    if isinstance(signal, GeminiRejected):
        return GeminiOutcome.REJECTED
    return GeminiOutcome.ERROR


def _code_name(code: str) -> str:
    """An error code's last word: the SDK documents ``Error.code`` as "a URI that
    identifies the error type", so ``.../prohibited_content`` and ``prohibited_content``
    are the same code."""
    return code.strip().rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1].lower()


def refusal_codes(interaction: Interaction) -> tuple[str, ...]:
    """The safety codes of a failed interaction: non-empty means Gemini refused the content
    (``Interaction.errors`` is ``list[Error]``, each with optional ``code``/``message``)."""
    if interaction.status != "failed":
        return ()
    codes = (_code_name(error.code) for error in interaction.errors or () if error.code)
    return tuple(code for code in codes if code in SAFETY_CODES)


def served_tier(interaction: Interaction) -> str:
    """The service tier that served ``interaction`` (``Interaction.service_tier``; a response
    without one was served on the default, standard tier)."""
    tier = getattr(interaction, "service_tier", None)
    return str(tier) if tier else "standard"


def _by_modality(usage: Any) -> dict[str, int]:
    """``input_tokens_by_modality`` as {modality: tokens} (``ModalityTokens`` items)."""
    found: dict[str, int] = {}
    for item in getattr(usage, "input_tokens_by_modality", None) or ():
        name = str(getattr(item, "modality", "") or "")
        found[name] = found.get(name, 0) + int(getattr(item, "tokens", None) or 0)
    return found


def usage_of(interaction: Interaction) -> Usage:
    """What one interaction cost, as the SDK reports it.

    ``total_output_tokens`` does NOT include thinking: the SDK documents it as the tokens
    "across all the generated responses" and ``total_thought_tokens`` separately ("tokens of
    thoughts for thinking models"), and its own tests build ``total_tokens`` as input +
    output + thought (``tests/interactions/test_automatic_continuation.py``), as
    generateContent's ``candidates_token_count`` excludes ``thoughts_token_count``. Thoughts
    are billed at the output price, so both are kept. ``total_cached_tokens`` is the cached
    part of ``total_input_tokens`` (included in it, billed at the cached price). The audio
    and video parts come from ``input_tokens_by_modality``; an interaction served on the
    flex tier (``service_tier``) counts in ``flex`` too, for its lower price.
    """
    usage: Any = getattr(interaction, "usage", None)

    def count(name: str) -> int:
        return int(getattr(usage, name, None) or 0)

    tokens = TierUsage(
        requests=1,
        input_tokens=count("total_input_tokens"),
        output_tokens=count("total_output_tokens"),
        thought_tokens=count("total_thought_tokens"),
        cached_tokens=count("total_cached_tokens"),
    )
    modalities = _by_modality(usage)
    flex = tokens if served_tier(interaction) == "flex" else TierUsage()
    return Usage(
        **tokens.model_dump(),
        audio_tokens=modalities.get("audio", 0),
        video_tokens=modalities.get("video", 0),
        flex=flex,
    )


@dataclass(frozen=True)
class RawWord:
    """One word of the speech model's answer (``WordInfo`` annotation): times in seconds
    relative to the audio sent (None without word timestamps), the speaker label (None
    without diarization)."""

    text: str
    start_s: float | None
    end_s: float | None
    speaker: str | None


def _seconds(offset: str | None) -> float | None:
    """A ``WordInfo`` offset (``"1.250s"``, a protobuf Duration in JSON) in seconds."""
    if not offset:
        return None
    try:
        return float(offset.strip().removesuffix("s"))
    except ValueError:
        return None


def word_annotations(interaction: Interaction) -> list[RawWord]:
    """The ``word_info`` annotations of the answer's text content, in order (the SDK's
    ``TextContent.annotations`` of ``WordInfo``); [] when the answer has none."""
    words: list[RawWord] = []
    for step in interaction.steps or ():
        for content in getattr(step, "content", None) or ():
            for note in getattr(content, "annotations", None) or ():
                if getattr(note, "type", None) != "word_info" or not getattr(note, "text", None):
                    continue
                start, end = _seconds(note.start_offset), _seconds(note.end_offset)
                words.append(RawWord(str(note.text), start, end, note.speaker or None))
    return words
