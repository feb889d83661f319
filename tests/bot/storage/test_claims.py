"""Claiming jobs: order, fairness across servers, leases, and many workers at once."""

from __future__ import annotations

import asyncio
from collections import Counter

from bot.storage import Job, JobStatus, Storage
from tests.helpers.clocks import FakeClock
from tests.helpers.jobs import job_request


async def _submit(
    storage: Storage, clock: FakeClock, keys_and_guilds: list[tuple[str, int]]
) -> None:
    for key, guild_id in keys_and_guilds:
        await storage.submit_job(job_request(key, guild_id=guild_id))
        clock.advance(1)


async def test_nothing_to_claim(storage: Storage) -> None:
    assert await storage.claim_next_job("w1", lease_s=30) is None


async def test_claim_takes_the_oldest_and_sets_the_lease(
    storage: Storage, clock: FakeClock
) -> None:
    await _submit(storage, clock, [("a", 1), ("b", 1)])
    job = await storage.claim_next_job("w1", lease_s=30)
    assert job is not None
    assert job.dedupe_key == "a"
    assert (job.status, job.attempts, job.claimed_by) == (JobStatus.RUNNING, 1, "w1")
    assert job.lease_until is not None
    assert (job.lease_until - clock()).total_seconds() == 30
    assert job.updated_at == clock()
    assert await storage.get_job(job.id) == job


async def test_claims_are_fair_across_servers(storage: Storage, clock: FakeClock) -> None:
    # Server 1 floods the queue first; server 2 and a DM arrive later.
    await _submit(storage, clock, [("g1-a", 1), ("g1-b", 1), ("g1-c", 1), ("g2-a", 2)])
    await storage.submit_job(job_request("dm-a", guild_id=None))
    claimed = []
    for worker in range(5):
        job = await storage.claim_next_job(f"w{worker}", lease_s=60)
        assert job is not None
        claimed.append(job.dedupe_key)
    assert claimed == ["g1-a", "g2-a", "dm-a", "g1-b", "g1-c"]


async def test_finished_jobs_no_longer_count_against_their_server(
    storage: Storage, clock: FakeClock
) -> None:
    await _submit(storage, clock, [("g1-a", 1), ("g1-b", 1), ("g2-a", 2), ("g2-b", 2)])
    first = await storage.claim_next_job("w1", lease_s=60)
    assert first is not None
    assert first.dedupe_key == "g1-a"
    await storage.set_job_status(first.id, JobStatus.DONE, worker_id="w1")
    nxt = await storage.claim_next_job("w1", lease_s=60)
    assert nxt is not None
    assert nxt.dedupe_key == "g1-b"


async def test_expired_lease_is_reclaimed(storage: Storage, clock: FakeClock) -> None:
    await _submit(storage, clock, [("a", 1)])
    job = await storage.claim_next_job("dead-worker", lease_s=30)
    assert job is not None
    clock.advance(29)
    assert await storage.claim_next_job("w2", lease_s=30) is None
    clock.advance(2)
    again = await storage.claim_next_job("w2", lease_s=30)
    assert again is not None
    assert (again.id, again.attempts, again.claimed_by) == (job.id, 2, "w2")
    # The dead worker's late writes are refused; the new holder's are not.
    assert not await storage.renew_lease(job.id, "dead-worker", 30)
    assert not await storage.set_job_status(job.id, JobStatus.DONE, worker_id="dead-worker")
    assert await storage.set_job_status(job.id, JobStatus.DONE, worker_id="w2")


async def test_delivering_job_with_expired_lease_is_reclaimed(
    storage: Storage, clock: FakeClock
) -> None:
    await _submit(storage, clock, [("a", 1)])
    job = await storage.claim_next_job("w1", lease_s=30)
    assert job is not None
    await storage.set_job_status(job.id, JobStatus.DELIVERING, result_key="r", worker_id="w1")
    clock.advance(31)
    again = await storage.claim_next_job("w2", lease_s=30)
    assert again is not None
    assert (again.id, again.status, again.result_key) == (job.id, JobStatus.RUNNING, "r")


async def test_renewed_lease_is_not_reclaimed(storage: Storage, clock: FakeClock) -> None:
    await _submit(storage, clock, [("a", 1)])
    job = await storage.claim_next_job("w1", lease_s=30)
    assert job is not None
    clock.advance(25)
    assert await storage.renew_lease(job.id, "w1", 30)
    clock.advance(25)
    assert await storage.claim_next_job("w2", lease_s=30) is None
    renewed = await storage.get_job(job.id)
    assert renewed is not None
    assert renewed.lease_until is not None
    assert (renewed.lease_until - clock()).total_seconds() == 5


async def test_job_that_keeps_killing_workers_fails(storage: Storage, clock: FakeClock) -> None:
    await _submit(storage, clock, [("poison", 1)])
    for attempt in range(1, 4):
        job = await storage.claim_next_job(f"w{attempt}", lease_s=10, max_attempts=3)
        assert job is not None
        assert job.attempts == attempt
        clock.advance(11)
    assert await storage.claim_next_job("w4", lease_s=10, max_attempts=3) is None
    [given_up] = await storage.give_up_exhausted(max_attempts=3)
    assert await storage.give_up_exhausted(max_attempts=3) == []  # reported exactly once
    [failed] = await storage.jobs_for_message(300)
    assert failed.id == given_up.id
    assert failed.status is JobStatus.FAILED
    assert failed.error is not None
    assert "3 attempts" in failed.error
    assert await storage.unfinished_jobs() == []


async def _drain(storage: Storage, worker_id: str) -> list[Job]:
    claimed = []
    while (job := await storage.claim_next_job(worker_id, lease_s=300)) is not None:
        claimed.append(job)
    return claimed


async def test_two_processes_claim_each_job_exactly_once(
    storage: Storage, storage_url: str, clock: FakeClock
) -> None:
    for n in range(50):
        await storage.submit_job(job_request(f"job-{n}", guild_id=n % 4))
    other = await Storage.open(storage_url, clock=clock)
    try:
        batches = await asyncio.gather(
            *(_drain(storage, f"a{i}") for i in range(4)),
            *(_drain(other, f"b{i}") for i in range(4)),
        )
    finally:
        await other.close()
    claims = Counter(job.id for batch in batches for job in batch)
    assert len(claims) == 50
    assert set(claims.values()) == {1}
    assert sum(bool(batch) for batch in batches[:4]) > 0
    assert sum(bool(batch) for batch in batches[4:]) > 0
    stored = await storage.unfinished_jobs()
    assert {job.status for job in stored} == {JobStatus.RUNNING}
    assert {job.attempts for job in stored} == {1}
    holders = {job.id: job.claimed_by for batch in batches for job in batch}
    assert {job.id: job.claimed_by for job in stored} == holders
