"""Builders of job requests for the tests."""

from __future__ import annotations

from typing import Any

from bot.model import Mode
from bot.options import JobOptions, JobSpec, Origin
from bot.storage import JobRequest


def spec_for(mode: Mode = Mode.TRANSCRIPT, **options: Any) -> JobSpec:
    """A spec of ``mode`` with these pipeline options and the defaults otherwise."""
    return JobSpec(options=JobOptions(mode=mode, **options))


def job_request(key: str, **overrides: Any) -> JobRequest:
    """A plausible automatic-reply request keyed ``key``; override any field."""
    values: dict[str, Any] = {
        "dedupe_key": key,
        "origin": Origin.AUTO,
        "spec": spec_for(),
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
