"""Submitting jobs (dedupe), reading them, status changes, reply targets and deliveries."""

from __future__ import annotations

import asyncio
from dataclasses import fields, replace

import pytest
from sqlalchemy.exc import IntegrityError

from bot.model import Mode
from bot.options import JobOptions, JobSpec, Origin, OutputMode
from bot.storage import Delivery, JobRequest, JobStatus, Storage
from tests.helpers.clocks import FakeClock
from tests.helpers.jobs import job_request


async def test_submit_stores_every_field(storage: Storage, clock: FakeClock) -> None:
    spec = JobSpec(
        options=JobOptions(
            mode=Mode.ASK, question="Who is speaking?", start_s=1.5, language="Polish"
        ),
        output=OutputMode.TRANSCRIPT,
        quota_exempt=True,
    )
    req = job_request(
        "slash:1",
        origin=Origin.SLASH,
        spec=spec,
        interaction_id=999,
        interaction_token="tok-123",
        private=True,
        guild_id=None,
    )
    job, created = await storage.submit_job(req)
    assert created is True
    assert job.spec == spec  # every field of the spec survives the round trip, typed
    assert (job.origin, job.mode) == (Origin.SLASH, Mode.ASK)
    for f in fields(JobRequest):
        assert getattr(job, f.name) == getattr(req, f.name), f.name
    assert (job.status, job.attempts, job.error, job.result_key) == (
        JobStatus.QUEUED,
        0,
        None,
        None,
    )
    assert job.created_at == job.updated_at == clock()
    assert job.created_at.tzinfo is not None
    assert (job.claimed_by, job.lease_until, job.reply_channel_id, job.thread_id) == (
        None,
        None,
        None,
        None,
    )
    assert await storage.get_job(job.id) == job


async def test_interaction_token_stays_out_of_repr(storage: Storage) -> None:
    job, _ = await storage.submit_job(job_request("slash:2", interaction_token="tok-secret"))
    assert "tok-secret" not in repr(job)
    assert job.interaction_token == "tok-secret"


async def test_duplicate_submit_returns_the_existing_job(storage: Storage) -> None:
    first, created = await storage.submit_job(job_request("auto:300:400"))
    again, created_again = await storage.submit_job(job_request("auto:300:400", requester_id=777))
    assert (created, created_again) == (True, False)
    assert again == first
    other, created_other = await storage.submit_job(job_request("slash:300"))
    assert created_other is True
    assert other.id != first.id


async def test_concurrent_submits_of_one_key_make_one_job(storage: Storage) -> None:
    outcomes = await asyncio.gather(
        *(storage.submit_job(job_request("auto:replayed")) for _ in range(20))
    )
    assert len({job.id for job, _ in outcomes}) == 1
    assert sum(created for _, created in outcomes) == 1
    assert len(await storage.unfinished_jobs()) == 1


async def test_request_validation() -> None:
    with pytest.raises(ValueError, match="carrier-pigeon"):
        job_request("k", origin="carrier-pigeon")
    with pytest.raises(ValueError, match="dedupe_key"):
        job_request("  ")


async def test_get_missing_job(storage: Storage) -> None:
    assert await storage.get_job(12345) is None


async def test_status_changes(storage: Storage, clock: FakeClock) -> None:
    job, _ = await storage.submit_job(job_request("a"))
    clock.advance(5)
    assert await storage.set_job_status(job.id, JobStatus.FAILED, error="x" * 5000)
    failed = await storage.get_job(job.id)
    assert failed is not None
    assert failed.status is JobStatus.FAILED
    assert failed.error is not None
    assert len(failed.error) == 2000
    assert failed.updated_at == clock()
    assert await storage.set_job_status(job.id, JobStatus.DONE, result_key="r1")
    done = await storage.get_job(job.id)
    assert done is not None
    assert (done.status, done.error, done.result_key) == (JobStatus.DONE, None, "r1")
    assert await storage.set_job_status(job.id, JobStatus.DONE)
    assert await storage.get_job(job.id) == replace(done, updated_at=clock())
    assert not await storage.set_job_status(99999, JobStatus.DONE)


async def test_status_change_guarded_by_worker(storage: Storage) -> None:
    job, _ = await storage.submit_job(job_request("a"))
    # Not claimed yet: no worker holds it.
    assert not await storage.set_job_status(job.id, JobStatus.DONE, worker_id="w1")
    claimed = await storage.claim_next_job("w1", lease_s=60)
    assert claimed is not None
    assert claimed.id == job.id
    assert not await storage.set_job_status(job.id, JobStatus.DONE, worker_id="w2")
    assert await storage.set_job_status(job.id, JobStatus.DELIVERING, worker_id="w1")
    assert await storage.set_job_status(job.id, JobStatus.DONE, result_key="k", worker_id="w1")
    # Finished: even the worker that held it can no longer change it.
    assert not await storage.set_job_status(job.id, JobStatus.FAILED, worker_id="w1")
    final = await storage.get_job(job.id)
    assert final is not None
    assert (final.status, final.result_key, final.lease_until) == (JobStatus.DONE, "k", None)


async def test_cancelled_job_cannot_be_finished_by_its_worker(storage: Storage) -> None:
    job, _ = await storage.submit_job(job_request("a"))
    await storage.claim_next_job("w1", lease_s=60)
    assert await storage.set_job_status(job.id, JobStatus.CANCELLED)
    assert not await storage.set_job_status(job.id, JobStatus.DONE, worker_id="w1")
    assert not await storage.renew_lease(job.id, "w1", 60)
    cancelled = await storage.get_job(job.id)
    assert cancelled is not None
    assert cancelled.status is JobStatus.CANCELLED


async def test_requeue_releases_the_claim(storage: Storage) -> None:
    job, _ = await storage.submit_job(job_request("a"))
    await storage.claim_next_job("w1", lease_s=60)
    assert await storage.set_job_status(job.id, JobStatus.QUEUED, error="try later", worker_id="w1")
    requeued = await storage.get_job(job.id)
    assert requeued is not None
    assert (requeued.status, requeued.claimed_by, requeued.lease_until) == (
        JobStatus.QUEUED,
        None,
        None,
    )
    again = await storage.claim_next_job("w2", lease_s=60)
    assert again is not None
    assert (again.id, again.attempts) == (job.id, 2)


async def test_reply_target(storage: Storage) -> None:
    job, _ = await storage.submit_job(job_request("a"))
    await storage.set_job_reply_target(job.id, reply_channel_id=200, thread_id=None)
    await storage.set_job_reply_target(job.id, reply_channel_id=200, thread_id=201)
    stored = await storage.get_job(job.id)
    assert stored is not None
    assert (stored.reply_channel_id, stored.thread_id) == (200, 201)


async def test_a_status_message_is_remembered_claimed_with_the_job_and_forgotten(
    storage: Storage,
) -> None:
    job, _ = await storage.submit_job(job_request("a"))
    assert (job.status_channel_id, job.status_message_id) == (None, None)
    await storage.set_job_status_message(job.id, channel_id=201, message_id=9001)
    claimed = await storage.claim_next_job("w1", lease_s=60)  # what a resumed run gets
    assert claimed is not None
    assert (claimed.status_channel_id, claimed.status_message_id) == (201, 9001)
    await storage.set_job_status_message(job.id, channel_id=None, message_id=None)
    stored = await storage.get_job(job.id)
    assert stored is not None
    assert (stored.status_channel_id, stored.status_message_id) == (None, None)


async def test_unfinished_jobs_oldest_first(storage: Storage, clock: FakeClock) -> None:
    ids = []
    for key in ("a", "b", "c", "d"):
        job, _ = await storage.submit_job(job_request(key))
        ids.append(job.id)
        clock.advance(1)
    await storage.claim_next_job("w1", lease_s=60)  # a: running
    await storage.set_job_status(ids[1], JobStatus.DONE)
    await storage.set_job_status(ids[2], JobStatus.DELIVERING)
    unfinished = await storage.unfinished_jobs()
    assert [job.id for job in unfinished] == [ids[0], ids[2], ids[3]]
    assert [job.status for job in unfinished] == [
        JobStatus.RUNNING,
        JobStatus.DELIVERING,
        JobStatus.QUEUED,
    ]


async def test_queue_position(storage: Storage, clock: FakeClock) -> None:
    ids = []
    for key in ("a", "b", "c"):
        job, _ = await storage.submit_job(job_request(key))
        ids.append(job.id)
    clock.advance(1)
    late, _ = await storage.submit_job(job_request("d"))
    assert [await storage.queue_position(i) for i in [*ids, late.id]] == [0, 1, 2, 3]
    await storage.claim_next_job("w1", lease_s=60)
    assert await storage.queue_position(ids[0]) == 0  # running: not in the queue
    assert [await storage.queue_position(i) for i in [*ids[1:], late.id]] == [0, 1, 2]
    assert await storage.queue_position(12345) == 0


async def test_jobs_for_message(storage: Storage) -> None:
    auto, _ = await storage.submit_job(job_request("auto:300", message_id=300))
    slash, _ = await storage.submit_job(job_request("ctx:300", origin="context", message_id=300))
    await storage.submit_job(job_request("auto:301", message_id=301))
    assert [job.id for job in await storage.jobs_for_message(300)] == [auto.id, slash.id]
    assert await storage.jobs_for_message(999) == []


async def test_deliveries_recorded_once_per_part(storage: Storage, clock: FakeClock) -> None:
    job, _ = await storage.submit_job(job_request("a"))
    other, _ = await storage.submit_job(job_request("b"))
    assert await storage.deliveries(job.id) == []
    await storage.record_delivery(job.id, 1, "n-1", 5001, 200)
    await storage.record_delivery(job.id, 0, "n-0", 5000, 200)
    await storage.record_delivery(job.id, 0, "n-0", 6000, 200)  # a retry: first record wins
    await storage.record_delivery(other.id, 0, "m-0", 7000, 201)
    assert await storage.deliveries(job.id) == [
        Delivery(job.id, 0, "n-0", 5000, 200, clock()),
        Delivery(job.id, 1, "n-1", 5001, 200, clock()),
    ]
    assert [d.message_id for d in await storage.deliveries(other.id)] == [7000]


async def test_database_errors_do_not_carry_the_interaction_token(storage: Storage) -> None:
    broken = job_request("slash:3", channel_id=None, interaction_token="tok-leak")
    with pytest.raises(IntegrityError) as caught:
        await storage.submit_job(broken)
    assert "tok-leak" not in str(caught.value)
