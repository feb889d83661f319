"""What the fake Gemini records of each ``interactions`` request."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from testkit.gemini._replies import JsonObject
from testkit.gemini._schema import response_schema_of
from testkit.gemini._validate import content_blocks


@dataclass(frozen=True)
class RecordedRequest:
    """One ``interactions`` request as the fake received it (the API key left out)."""

    method: str
    path: str
    api_version: str
    body: JsonObject
    headers: Mapping[str, str]
    had_valid_key: bool
    time: float = field(default_factory=time.monotonic)  # time.monotonic() on arrival

    @property
    def model(self) -> str | None:
        """The ``model`` field."""
        model = self.body.get("model")
        return model if isinstance(model, str) else None

    @property
    def input_parts(self) -> list[JsonObject]:
        """The content blocks of ``input`` (text and audio parts, in order)."""
        return content_blocks(self.body.get("input"))

    @property
    def audio_parts(self) -> list[JsonObject]:
        """The audio content blocks of ``input``."""
        return [part for part in self.input_parts if part.get("type") == "audio"]

    @property
    def text_parts(self) -> list[JsonObject]:
        """The text content blocks of ``input``."""
        return [part for part in self.input_parts if part.get("type") == "text"]

    @property
    def response_schema(self) -> JsonObject | None:
        """The JSON schema in ``response_format``, typed or bare."""
        return response_schema_of(self.body)

    @property
    def continuation_token(self) -> str | None:
        """The ``continuation_token`` of a continuation hop."""
        token = self.body.get("continuation_token")
        return token if isinstance(token, str) and token else None
