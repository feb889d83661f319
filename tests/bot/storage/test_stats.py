"""Summaries for operators and admins: the database answers, the queue, a server's day."""

from __future__ import annotations

from datetime import timedelta

from bot.storage import GuildJobCounts, JobOutcome, JobStatus, QueueStats, Storage
from tests.helpers.clocks import FakeClock
from tests.helpers.jobs import job_request


async def test_ping_answers(storage: Storage) -> None:
    await storage.ping()


async def test_queue_stats_count_every_server_and_date_the_oldest_queued(
    storage: Storage, clock: FakeClock
) -> None:
    assert await storage.queue_stats() == QueueStats()
    first, _ = await storage.submit_job(job_request("a", guild_id=1))
    queued_at = clock.now
    clock.advance(30)
    await storage.submit_job(job_request("b", guild_id=2))
    await storage.submit_job(job_request("c", guild_id=None))
    claimed = await storage.claim_next_job("w", lease_s=60)
    assert claimed is not None
    assert claimed.id == first.id
    stats = await storage.queue_stats()
    assert (stats.queued, stats.running) == (2, 1)
    assert stats.oldest_queued_at == queued_at + timedelta(seconds=30)
    # a job put back in the queue waits from then on
    clock.advance(5)
    await storage.set_job_status(first.id, JobStatus.QUEUED, worker_id="w")
    assert (await storage.queue_stats()).oldest_queued_at == queued_at + timedelta(seconds=30)


async def test_a_servers_counts_are_its_own_and_of_today(
    storage: Storage, clock: FakeClock
) -> None:
    ids = []
    for key, guild in (("a", 1), ("b", 1), ("c", 1), ("d", 1), ("e", 2), ("f", 1)):
        job, _ = await storage.submit_job(job_request(key, guild_id=guild))
        ids.append(job.id)
    yesterday_done, done, failed, running, other_guild, _waiting = ids
    await storage.set_job_status(yesterday_done, JobStatus.DONE)
    clock.advance(86400)
    since = clock.now - timedelta(hours=1)
    await storage.set_job_status(done, JobStatus.DONE)
    await storage.set_job_status(failed, JobStatus.FAILED, outcome=JobOutcome.REFUSED)
    await storage.set_job_status(running, JobStatus.DELIVERING)
    await storage.set_job_status(other_guild, JobStatus.DONE)
    counts = await storage.guild_job_counts(1, since=since)
    assert counts == GuildJobCounts(waiting=1, running=1, done=1, failed=1)
    assert await storage.guild_job_counts(2, since=since) == GuildJobCounts(done=1)
