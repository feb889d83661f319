"""Gemini pauses (migration 3): per model, shared by every process, only ever extended; what
a paused worker may claim; each waiting job told once; outcomes, refunds and token columns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.storage import JobOutcome, JobStatus, Storage, UsageTotals
from bot.storage import _migrations as migrations
from bot.storage._migrations import MIGRATIONS
from tests.helpers.clocks import FakeClock
from tests.helpers.jobs import job_request

MODEL = "gemini-3.5-flash"
RESET = datetime(2030, 1, 2, 8, 0, tzinfo=UTC)
_V2_JOB = """INSERT INTO jobs (dedupe_key, origin, mode, options, channel_id, requester_id,
    private, status, attempts, created_at, updated_at, result_reused)
    VALUES ('old', 'auto', 'transcript', :options, 1, 2, FALSE, 'queued', 0, :at, :at, FALSE)"""
_V2_OPTIONS = '{"options":{},"output":"both","quota_exempt":false}'
_V2_USAGE = """INSERT INTO usage_records (guild_id, user_id, audio_s, tokens_in, tokens_out,
    created_at) VALUES (1, 10, 5, 9, 2, :at)"""


async def test_a_pause_holds_until_its_time_and_only_ever_extends(
    storage: Storage, clock: FakeClock
) -> None:
    assert await storage.gemini_paused_until(MODEL) is None
    await storage.pause_gemini(MODEL, resume_at=RESET, reason="quota_exceeded")
    await storage.pause_gemini(MODEL, resume_at=RESET - timedelta(hours=1), reason="again")
    assert await storage.gemini_paused_until(MODEL) == RESET
    assert await storage.gemini_paused_until("another-model") is None
    clock.now = RESET
    assert await storage.gemini_paused_until(MODEL) is None  # an expired pause is no pause
    later = RESET + timedelta(days=1)
    await storage.pause_gemini(MODEL, resume_at=later, reason="quota_exceeded")
    assert await storage.gemini_paused_until(MODEL) == later


async def test_while_paused_only_jobs_with_a_stored_result_are_claimed(
    storage: Storage, clock: FakeClock
) -> None:
    ready, _ = await storage.submit_job(job_request("has-result"))
    assert await storage.claim_next_job("w0", lease_s=30) is not None
    await storage.set_job_status(ready.id, JobStatus.DELIVERING, result_key="k", worker_id="w0")
    clock.advance(1)
    await storage.submit_job(job_request("needs-gemini"))
    await storage.pause_gemini(MODEL, resume_at=RESET, reason="quota_exceeded")
    clock.advance(60)  # w0 died: its DELIVERING job's lease lapses

    first = await storage.claim_next_job("w1", lease_s=30, gemini_model=MODEL)
    second = await storage.claim_next_job("w1", lease_s=30, gemini_model=MODEL)

    assert first is not None
    assert first.id == ready.id
    assert second is None  # "needs-gemini" waits
    assert await storage.claim_next_job("w1", lease_s=30, gemini_model="other") is not None


async def test_each_waiting_job_is_told_once_per_pause(storage: Storage) -> None:
    a, _ = await storage.submit_job(job_request("a"))
    b, _ = await storage.submit_job(job_request("b"))
    running, _ = await storage.submit_job(job_request("c"))
    claimed = await storage.claim_next_job("w", lease_s=30)
    assert claimed is not None
    assert claimed.id == a.id

    told = await storage.claim_pause_notices(RESET)
    assert [job.id for job in told] == [b.id, running.id]
    assert await storage.claim_pause_notices(RESET) == []  # another process gets none
    await storage.set_job_status(a.id, JobStatus.QUEUED, worker_id="w")
    assert [job.id for job in await storage.claim_pause_notices(RESET)] == [a.id]
    tomorrow = RESET + timedelta(days=1)
    assert len(await storage.claim_pause_notices(tomorrow)) == 3  # a new pause: told again
    job = await storage.get_job(b.id)
    assert job is not None
    assert job.pause_told_until == tomorrow


async def test_a_refunded_attempt_and_the_refused_outcome_are_kept(storage: Storage) -> None:
    job, _ = await storage.submit_job(job_request("r"))
    await storage.claim_next_job("w", lease_s=30)
    await storage.set_job_status(job.id, JobStatus.QUEUED, worker_id="w", refund_attempt=True)
    again = await storage.claim_next_job("w", lease_s=30)
    assert again is not None
    assert again.attempts == 1
    await storage.set_job_status(
        job.id,
        JobStatus.FAILED,
        error="GeminiRefused: spii",
        outcome=JobOutcome.REFUSED,
        worker_id="w",
    )
    done = await storage.get_job(job.id)
    assert done is not None
    assert (done.status, done.outcome, done.error) == (
        JobStatus.FAILED,
        JobOutcome.REFUSED,
        "GeminiRefused: spii",
    )


async def test_thought_and_cached_tokens_are_summed(storage: Storage, clock: FakeClock) -> None:
    start = clock()
    await storage.add_usage(
        guild_id=1,
        user_id=10,
        audio_s=3,
        tokens_in=100,
        tokens_out=20,
        tokens_thought=7,
        tokens_cached=60,
    )
    await storage.add_usage(guild_id=1, user_id=10, audio_s=0, tokens_in=50, tokens_out=5)
    assert await storage.usage_since(since=start) == UsageTotals(2, 3.0, 150, 25, 7, 60)


async def test_version_2_databases_upgrade_keeping_their_rows(
    storage_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(migrations, "MIGRATIONS", MIGRATIONS[:2])
    monkeypatch.setattr(migrations, "LATEST_VERSION", 2)
    old = await Storage.open(storage_url, clock=clock)
    try:  # rows as a version-2 bot wrote them (today's code reads the new columns)
        at = clock().replace(tzinfo=None) if old.dialect == "sqlite" else clock()
        async with old._engine.begin() as conn:
            await conn.execute(text(_V2_JOB), {"at": at, "options": _V2_OPTIONS})
            await conn.execute(text(_V2_USAGE), {"at": at})
    finally:
        await old.close()
    monkeypatch.undo()

    upgraded = await Storage.open(storage_url, clock=clock)
    try:
        (kept,) = await upgraded.unfinished_jobs()
        assert kept.dedupe_key == "old"
        assert (kept.outcome, kept.pause_told_until) == (None, None)
        totals = await upgraded.usage_since(since=clock() - timedelta(days=1))
        assert totals == UsageTotals(1, 5.0, 9, 2, 0, 0)
        assert await upgraded.gemini_paused_until(MODEL) is None
    finally:
        await upgraded.close()
