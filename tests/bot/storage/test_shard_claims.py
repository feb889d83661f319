"""A process running some of the shards claims only their servers' jobs (DMs: shard 0):
only it has those servers in its cache, which delivery needs to check permissions first."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.storage import JobStatus, ShardSet, Storage
from tests.helpers.clocks import FakeClock
from tests.helpers.jobs import job_request

ON_SHARD_0 = 2 << 22  # (guild_id >> 22) % 2 == 0
ON_SHARD_1 = 3 << 22


async def claim_all(storage: Storage, shards: ShardSet | None) -> set[int | None]:
    claimed = set()
    while (job := await storage.claim_next_job("w", lease_s=60, shards=shards)) is not None:
        claimed.add(job.guild_id)
    return claimed


async def test_each_process_claims_its_shards_jobs(storage: Storage) -> None:
    for key, guild in (("a", ON_SHARD_0), ("b", ON_SHARD_1), ("dm", None)):
        await storage.submit_job(job_request(key, guild_id=guild))
    assert await claim_all(storage, ShardSet((1,), 2)) == {ON_SHARD_1}
    assert await claim_all(storage, ShardSet((0,), 2)) == {ON_SHARD_0, None}


async def test_without_a_shard_set_every_job_is_claimed(storage: Storage) -> None:
    for key, guild in (("a", ON_SHARD_0), ("b", ON_SHARD_1), ("dm", None)):
        await storage.submit_job(job_request(key, guild_id=guild))
    assert await claim_all(storage, None) == {ON_SHARD_0, ON_SHARD_1, None}


async def test_give_ups_and_pause_notices_stay_with_their_shard(
    storage: Storage, clock: FakeClock
) -> None:
    mine, _ = await storage.submit_job(job_request("a", guild_id=ON_SHARD_1))
    theirs, _ = await storage.submit_job(job_request("b", guild_id=ON_SHARD_0))
    shard_1 = ShardSet((1,), 2)
    resume = datetime(2030, 1, 2, 8, 0, tzinfo=UTC)
    assert [j.id for j in await storage.claim_pause_notices(resume, shards=shard_1)] == [mine.id]
    for _ in range(3):  # their workers died three times
        for job_id in (mine.id, theirs.id):
            await storage.set_job_status(job_id, JobStatus.QUEUED)
        await claim_all(storage, None)
        clock.advance(61)
    given_up = await storage.give_up_exhausted(max_attempts=3, shards=shard_1)
    assert [job.id for job in given_up] == [mine.id]
