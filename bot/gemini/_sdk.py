"""The one module that knows google-genai's internals: the client, its errors, its usage.

google-genai 3.x raises the Interactions API's errors from private modules
(``google.genai._gaos...``), not as ``genai.errors.APIError``; the Files API uses another
HTTP stack and raises ``genai.errors.ClientError``/``ServerError``. Every import of those
lives here, so an SDK upgrade that moves them breaks one module (and its test), and the
rest of the bot sees only :class:`Retryable` signals and the domain errors of
:mod:`bot.errors`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from google import genai
from google.genai import errors as genai_errors
from google.genai import types as genai_types
from google.genai._gaos.errors.genaierror import GenAiError
from google.genai._gaos.errors.no_response_error import NoResponseError
from google.genai._gaos.lib import compat_errors  # where the Interactions API's errors live
from google.genai.interactions import Interaction

from bot.errors import GeminiRejected
from bot.model import Usage

__all__ = ["Interaction", "Retryable", "classify", "new_client", "usage_of"]

OVERLOADED = "Gemini is overloaded right now; please try again in a few minutes."
TOO_SLOW = "Gemini took too long to answer; please try again in a few minutes."
UNREACHABLE = "I couldn't reach Gemini right now; please try again in a few minutes."
_BAD_KEY = "Gemini refused the API key; the bot owner needs to check it."


@dataclass(frozen=True)
class Retryable:
    """A transient fault: worth another attempt after ``wait_hint_s`` (or a backoff)."""

    reason: str
    wait_hint_s: float | None = None
    user_message: str = OVERLOADED


def new_client(api_key: str, *, base_url: str | None, timeout_s: float) -> genai.Client:
    """The SDK client, pointed at ``base_url`` when set, with the SDK's own retries off:
    left alone it makes 5 attempts on a 503 and obeys any ``Retry-After`` with no cap,
    which would hide waits and stack with our bounded loop."""
    http_options = genai_types.HttpOptions(
        base_url=base_url,
        retry_options=genai_types.HttpRetryOptions(attempts=1),
        timeout=int(timeout_s * 1000),
    )
    return genai.Client(api_key=api_key, http_options=http_options)


def _retry_after(error: compat_errors.APIStatusError) -> float | None:
    value = error.response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


_TRANSIENT = (
    compat_errors.GeminiNextGenAPIClientError,
    genai_errors.ContinuationInterruptedError,
    genai_errors.UnknownApiResponseError,
    GenAiError,
    NoResponseError,
)


def _classify_status(error: compat_errors.APIStatusError) -> Retryable | Exception:
    if isinstance(error, compat_errors.RateLimitError):
        return Retryable("rate limited (429)", _retry_after(error))
    if isinstance(error, compat_errors.InternalServerError | compat_errors.ConflictError):
        return Retryable(f"server error ({error.status_code})", _retry_after(error))
    if isinstance(error, compat_errors.AuthenticationError | compat_errors.PermissionDeniedError):
        return GeminiRejected(_BAD_KEY)
    body = str(getattr(error, "body", ""))
    if "API key" in body or "API_KEY" in body:
        return GeminiRejected(_BAD_KEY)
    return GeminiRejected(f"Gemini rejected the request (HTTP {error.status_code}).")


def classify(error: Exception) -> Retryable | Exception:
    """Map an SDK exception to a :class:`Retryable` signal or a final domain error; an
    exception that is not the SDK's is returned as it is (a bug of ours must surface)."""
    if isinstance(error, compat_errors.APIStatusError):
        return _classify_status(error)
    if isinstance(error, compat_errors.APITimeoutError | TimeoutError):
        return Retryable(type(error).__name__, None, TOO_SLOW)
    if isinstance(error, compat_errors.APIConnectionError):
        return Retryable(type(error).__name__, None, UNREACHABLE)
    if isinstance(error, genai_errors.APIError):  # the Files API
        if error.code == 429 or error.code >= 500:
            return Retryable(f"files API error ({error.code})")
        return GeminiRejected(f"Gemini rejected the audio upload (HTTP {error.code}).")
    if isinstance(error, _TRANSIENT):
        # A malformed response or an interrupted continuation: retried within the budget.
        return Retryable(type(error).__name__)
    return error


def usage_of(interaction: Interaction) -> Usage:
    """What one interaction cost, as the SDK reports it."""
    usage: Any = getattr(interaction, "usage", None)
    return Usage(
        requests=1,
        input_tokens=int(getattr(usage, "total_input_tokens", None) or 0),
        output_tokens=int(getattr(usage, "total_output_tokens", None) or 0),
    )
