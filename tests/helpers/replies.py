"""Gemini replies for tests: transcript segments, and a responder that answers whatever a
request's schema asks for (transcripts of parts, the speaker map, the summary)."""

from __future__ import annotations

import re
from typing import Any

from testkit.gemini import RecordedRequest, Reply


def segment(ts: str, content: str, speaker: str = "Speaker 1") -> dict[str, str]:
    return {
        "speaker": speaker,
        "timestamp": ts,
        "content": content,
        "language": "en",
        "translation": "",
        "emotion": "neutral",
    }


def transcript(*segments: dict[str, str], summary: str = "A note.") -> dict[str, Any]:
    return {"language": "en", "summary": summary, "segments": list(segments), "flags": []}


def smart_reply(request: RecordedRequest, words: str = "first words") -> Reply:
    """Answers whatever the request's schema asks for, like a well-behaved model; each part's
    transcript starts with ``words``."""
    properties = (request.response_schema or {}).get("properties", {})
    if "links" in properties:
        prompt = request.input_parts[0]["text"]
        parts = sorted({int(p) for p in re.findall(r"Part (\d+), ", prompt)})
        return Reply.json(
            {"links": [{"part": p, "label": "Speaker 1", "speaker": "Alice"} for p in parts]}
        )
    if "key_points" in properties:
        return Reply.json(
            {
                "language": "en",
                "summary": "The whole thing.",
                "key_points": ["k"],
                "action_items": [],
                "emotion": "neutral",
                "flags": [],
            }
        )
    return Reply.json(
        transcript(segment("00:01", words), segment("00:20", "later"), summary="Part summary.")
    )
