"""Shared builders for the storage tests."""

from __future__ import annotations

from typing import Any

from bot.storage import JobRequest


def job_request(key: str, **overrides: Any) -> JobRequest:
    """A plausible automatic-reply request keyed ``key``; override any field."""
    values: dict[str, Any] = {
        "dedupe_key": key,
        "origin": "auto",
        "mode": "transcript",
        "options": {"translate_to": "English"},
        "guild_id": 100,
        "channel_id": 200,
        "message_id": 300,
        "attachment_id": 400,
        "attachment_url": "https://cdn.example/voice-message.ogg",
        "filename": "voice-message.ogg",
        "author_id": 500,
        "requester_id": 500,
    }
    values.update(overrides)
    return JobRequest(**values)
