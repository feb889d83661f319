import json
import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from bot.gemini import (
    GeminiAnswer,
    GeminiSpeakerMap,
    GeminiSummary,
    GeminiTranscript,
    gemini_schema,
    schema_fingerprint,
)

SNAPSHOTS = Path(__file__).parent / "snapshots"
MODELS: list[type[BaseModel]] = [GeminiTranscript, GeminiSummary, GeminiAnswer, GeminiSpeakerMap]
FORBIDDEN = {
    "$ref",
    "$defs",
    "definitions",
    "title",
    "default",
    "additionalProperties",
    "const",
    "allOf",
    "oneOf",
    "anyOf",
}


def _keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = set(node)
        for key, value in node.items():
            # Under "properties" the keys are field names, not keywords.
            children = value.values() if key == "properties" else [value]
            for child in children:
                found |= _keys(child)
        return found
    if isinstance(node, list):
        return set().union(*(_keys(item) for item in node)) if node else set()
    return set()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_schema_is_flat_and_uses_only_gemini_keywords(model: type[BaseModel]) -> None:
    schema = gemini_schema(model)
    assert not (_keys(schema) & FORBIDDEN)
    assert schema["type"] == "object"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_schema_matches_snapshot(model: type[BaseModel]) -> None:
    """A change here changes what every request asks Gemini for: review it, then refresh the
    snapshot with UPDATE_SNAPSHOTS=1 (it also changes the cache key, on purpose)."""
    path = SNAPSHOTS / f"{model.__name__}.json"
    rendered = json.dumps(gemini_schema(model), indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(rendered)
    assert path.exists(), f"no snapshot {path.name}: run with UPDATE_SNAPSHOTS=1 and review it"
    assert rendered == path.read_text()


def test_a_reply_shaped_like_the_schema_parses_into_the_same_model() -> None:
    reply = {
        "language": "en",
        "summary": "Two friends plan lunch.",
        "segments": [
            {
                "speaker": "Speaker 1",
                "timestamp": "00:01",
                "content": "Lunch?",
                "language": "en",
                "translation": "",
                "emotion": "happy",
            },
        ],
        "flags": [],
    }
    parsed = GeminiTranscript.model_validate_json(json.dumps(reply))
    assert parsed.segments[0].emotion == "happy"
    assert set(gemini_schema(GeminiTranscript)["required"]) == set(reply)


def test_fingerprint_is_stable_and_differs_between_models() -> None:
    assert schema_fingerprint(GeminiTranscript) == schema_fingerprint(GeminiTranscript)
    assert schema_fingerprint(GeminiTranscript) != schema_fingerprint(GeminiSummary)
