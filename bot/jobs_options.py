"""What a person asked for, independent of where they asked (CLI, auto reply, command)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from bot.errors import InvalidOptions
from bot.model import Mode

MAX_QUESTION_CHARS = 500
MAX_LANGUAGE_CHARS = 40


@dataclass(frozen=True)
class JobOptions:
    """Mode and options of one request. Part of the result cache key."""

    mode: Mode = Mode.TRANSCRIPT
    translate_to: str = "English"
    language: str | None = None
    question: str | None = None
    start_s: float | None = None
    end_s: float | None = None

    def __post_init__(self) -> None:
        if self.mode is Mode.ASK and not (self.question or "").strip():
            raise InvalidOptions("Ask needs a question about the audio.")
        if self.question is not None and len(self.question) > MAX_QUESTION_CHARS:
            raise InvalidOptions(f"Questions are limited to {MAX_QUESTION_CHARS} characters.")
        for label, value in (("translate_to", self.translate_to), ("language", self.language)):
            if value is not None and (len(value) > MAX_LANGUAGE_CHARS or not value.strip()):
                raise InvalidOptions(f"{label} should be a language name such as English.")
        if self.start_s is not None and self.start_s < 0:
            raise InvalidOptions("The start time can't be negative.")
        if self.start_s is not None and self.end_s is not None and self.end_s <= self.start_s:
            raise InvalidOptions("The end time must come after the start time.")

    @property
    def has_range(self) -> bool:
        """True when only part of the audio is wanted."""
        return self.start_s is not None or self.end_s is not None

    def fingerprint(self) -> str:
        """A stable hash of everything that changes the result."""
        payload = asdict(self)
        payload["mode"] = self.mode.value
        payload["translate_to"] = self.translate_to.strip().lower()
        payload["language"] = (self.language or "").strip().lower() or None
        encoded = json.dumps(payload, sort_keys=True).encode()
        return hashlib.sha256(encoded).hexdigest()[:16]
