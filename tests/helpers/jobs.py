"""Builders of job requests, and of the jobs a store would make of them, for the tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.model import Mode
from bot.options import JobOptions, JobSpec, Origin
from bot.storage import Job, JobRequest, JobStatus


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


def queued_job(request: JobRequest, *, job_id: int = 1, created_at: datetime | None = None) -> Job:
    """The queued job a store would make of ``request`` (nothing is stored)."""
    fields = {name: getattr(request, name) for name in request.__dataclass_fields__}
    when = created_at or datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    return Job(
        **fields,
        id=job_id,
        status=JobStatus.QUEUED,
        attempts=0,
        error=None,
        result_key=None,
        created_at=when,
        updated_at=when,
        claimed_by=None,
        lease_until=None,
        reply_channel_id=None,
        thread_id=None,
    )
