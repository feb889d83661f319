"""Domain exceptions.

Every failure the pipeline can meet becomes one of these. Each carries ``user_message``:
plain words fit to show the person who sent the audio (no paths, no secrets, no traceback).
``BadInput`` means the person can fix it (exit code 2 on the CLI); ``ServiceError`` means an
outside service failed after retries (exit code 1).
"""

from __future__ import annotations

from bot.model import Usage


class VoiceNoteError(Exception):
    """Base class: an error with a message fit for the person who asked."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


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


class GeminiRejected(ServiceError):
    """Gemini refused the request (bad key, blocked content, invalid request)."""


class GeminiBadOutput(ServiceError):
    """Gemini answered, but never with a usable document within the retry budget."""


class TruncatedOutput(GeminiBadOutput):
    """Gemini stopped at the output token limit (``status == "incomplete"``): the JSON is cut.

    The pipeline usually recovers (smaller chunks) or salvages what is complete and marks the
    result partial (:func:`bot.pipeline.salvage_or_raise`). It is a domain error so that a
    caller that forgets to handle it still fails with a message fit for the person, never
    with a traceback. ``text`` is the cut reply, ``usage`` what the request cost.
    """

    def __init__(self, text: str, usage: Usage) -> None:
        super().__init__("Gemini's answer was cut off before it was usable; please try again.")
        self.text = text
        self.usage = usage


class AudioToolError(ServiceError):
    """ffmpeg failed in a way that is not the input's fault."""
