"""What the fake Gemini's own tests share: one real ``interactions.create`` and its pieces."""

from __future__ import annotations

import base64
import json
from typing import Any

from google.genai.interactions import Interaction, Usage

from testkit.gemini import FakeGemini, make_client

MODEL = "gemini-3.5-flash"
PROMPT = "Transcribe."
SYSTEM = "You transcribe voice notes."
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "summary": {"type": "string"},
        "segments": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "speaker": {"type": "string"},
                    "timestamp": {"type": "string"},
                    "emotion": {"type": "string", "enum": ["happy", "sad", "neutral"]},
                    "confidence": {"type": "number", "minimum": 0.5},
                    "words": {"type": "integer"},
                    "overlap": {"type": "boolean"},
                },
            },
        },
    },
}
TRANSCRIPT = {"summary": "hi", "segments": [{"speaker": "Speaker 1", "content": "hello"}]}


def audio_part(data: bytes, mime_type: str = "audio/ogg") -> dict[str, str]:
    """An inline audio content block."""
    return {"type": "audio", "data": base64.b64encode(data).decode(), "mime_type": mime_type}


async def create(
    fake: FakeGemini, audio: bytes, *, attempts: int = 1, **overrides: Any
) -> Interaction:
    """One ``interactions.create`` through a fresh real client, with our usual arguments and
    ``audio`` (real, decodable audio: the fake measures it) inline."""
    kwargs: dict[str, Any] = {
        "model": MODEL,
        "input": [{"type": "text", "text": PROMPT}, audio_part(audio)],
        "response_format": {"type": "text", "mime_type": "application/json", "schema": SCHEMA},
        "generation_config": {"max_output_tokens": 2048, "thinking_level": "low"},
        "store": False,
        "system_instruction": SYSTEM,
    }
    kwargs.update(overrides)
    api_key = kwargs.pop("api_key", None)
    async with make_client(fake, attempts=attempts, api_key=api_key).aio as client:
        interaction = await client.interactions.create(**kwargs)
    assert isinstance(interaction, Interaction)
    return interaction


def output_json(interaction: Interaction) -> Any:
    """The parsed ``output_text`` of an interaction."""
    assert interaction.output_text is not None
    return json.loads(interaction.output_text)


def usage_of(interaction: Interaction) -> Usage:
    """The interaction's usage, which the fake always reports."""
    assert interaction.usage is not None
    return interaction.usage
