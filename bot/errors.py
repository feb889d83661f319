"""Domain exceptions.

Every failure the pipeline can meet becomes one of these. Each carries ``user_message``:
plain words fit to show the person who sent the audio (no paths, no secrets, no traceback).
``BadInput`` means the person can fix it (exit code 2 on the CLI); ``ServiceError`` means an
outside service failed after retries (exit code 1).

Every error also carries ``usage``: what Gemini had already billed when it was raised (a
job that fails after spending tokens still records them). The pipeline adds to it as the
error travels up (:func:`charge`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.model import Usage


class VoiceNoteError(Exception):
    """Base class: an error with a message fit for the person who asked."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.usage = Usage()


def charge(error: VoiceNoteError, spent: Usage) -> VoiceNoteError:
    """Add ``spent`` to what ``error`` says was billed before it; returns ``error`` (to be
    re-raised as it is)."""
    error.usage = error.usage + spent
    return error


class ConfigError(VoiceNoteError):
    """The bot or CLI is misconfigured (a missing key, an impossible setting)."""


class BadInput(VoiceNoteError):
    """The input cannot be processed; the sender can fix it."""


class NotAudio(BadInput):
    """The file has no audio stream (an image, a text file, a silent video...)."""


class CorruptAudio(BadInput):
    """The file claims to be audio but cannot be decoded."""


class EmptyAudio(BadInput):
    """The file is empty or holds no samples."""


class AudioTooShort(BadInput):
    """Shorter than the minimum worth transcribing."""


class AudioTooLong(BadInput):
    """Longer than the configured maximum duration."""


class AudioTooLarge(BadInput):
    """Bigger than the configured byte limit."""


class InvalidOptions(BadInput):
    """Options that make no sense (a time range outside the clip, a bad timestamp...)."""


class QuotaExceeded(VoiceNoteError):
    """A per-user or per-server daily allowance is used up."""


class OptedOut(VoiceNoteError):
    """The note's author opted out of having their voice notes processed."""


class ServiceError(VoiceNoteError):
    """An outside service (Gemini, ffmpeg) failed after bounded retries."""


class GeminiUnavailable(ServiceError):
    """Gemini is overloaded, rate-limited or unreachable, even after retries."""

    def __init__(self, user_message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(user_message)
        self.retry_after_s = retry_after_s


def quota_resume_text(resume_at: datetime) -> str:
    """When Gemini's daily quota is back, e.g. ``08:00 UTC (midnight Pacific time)``."""
    return f"{resume_at.astimezone(UTC):%H:%M} UTC (midnight Pacific time)"


class GeminiQuotaExhausted(GeminiUnavailable):
    """Gemini's daily quota (per project and per model) is used up until ``resume_at``:
    midnight Pacific time, when Google resets it. Retrying earlier is pointless."""

    def __init__(self, resume_at: datetime) -> None:
        self.resume_at = resume_at.astimezone(UTC)
        super().__init__(
            f"Gemini's daily quota for this bot is used up until {quota_resume_text(resume_at)}."
        )


class GeminiRejected(ServiceError):
    """Gemini refused the request (bad key, no credit, unknown model, invalid request)."""


class GeminiRefused(GeminiRejected):
    """Gemini's safety filters refused the audio (a failed interaction with a safety code
    such as ``prohibited_content``). Final: asking again gets the same answer. The message
    stays neutral; ``codes`` (Gemini's words) are for the record, never for the member."""

    def __init__(self, codes: tuple[str, ...], usage: Usage) -> None:
        super().__init__("I couldn't transcribe this note.")
        self.codes = codes
        self.usage = usage


class GeminiBadOutput(ServiceError):
    """Gemini answered, but never with a usable document within the retry budget."""

    def __init__(self, user_message: str, usage: Usage | None = None) -> None:
        super().__init__(user_message)
        self.usage = usage or Usage()


class TruncatedOutput(GeminiBadOutput):
    """Gemini stopped at the output token limit (``status == "incomplete"``): the JSON is cut.

    The pipeline usually recovers (smaller chunks) or salvages what is complete and marks the
    result partial (:func:`bot.pipeline.salvage_or_raise`). It is a domain error so that a
    caller that forgets to handle it still fails with a message fit for the person, never
    with a traceback. ``text`` is the cut reply, ``usage`` what the request cost.
    """

    def __init__(self, text: str, usage: Usage) -> None:
        super().__init__(
            "Gemini's answer was cut off before it was usable; please try again.", usage
        )
        self.text = text


class AudioToolError(ServiceError):
    """ffmpeg failed in a way that is not the input's fault."""
