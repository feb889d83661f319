"""The result cache, usage totals, the audit log and purging."""

from __future__ import annotations

from datetime import timedelta

from bot.storage import DEFAULT_RETENTION_S, JobStatus, Storage, UsageTotals
from tests.helpers.clocks import FakeClock
from tests.helpers.jobs import job_request

DAY = 24 * 3600.0


async def test_result_cache_round_trip_and_expiry(storage: Storage, clock: FakeClock) -> None:
    document = {"version": 1, "segments": [{"start": 0.0, "text": "héllo 👋"}], "n": None}
    assert await storage.load_result("k1") is None
    await storage.save_result("k1", document, sha256="a" * 64, ttl_s=DAY)
    assert await storage.load_result("k1") == document
    clock.advance(DAY - 1)
    assert await storage.load_result("k1") == document
    clock.advance(1)
    assert await storage.load_result("k1") is None


async def test_saving_again_replaces_and_extends(storage: Storage, clock: FakeClock) -> None:
    await storage.save_result("k1", {"v": 1}, sha256="a" * 64, ttl_s=10)
    clock.advance(20)
    assert await storage.load_result("k1") is None
    await storage.save_result("k1", {"v": 2}, sha256="a" * 64, ttl_s=10)
    assert await storage.load_result("k1") == {"v": 2}


async def test_usage_totals(storage: Storage, clock: FakeClock) -> None:
    start = clock()
    assert await storage.usage_since(since=start) == UsageTotals()
    await storage.add_usage(guild_id=1, user_id=10, audio_s=30.5, tokens_in=100, tokens_out=20)
    clock.advance(60)
    await storage.add_usage(guild_id=1, user_id=11, audio_s=10, tokens_in=50, tokens_out=5)
    await storage.add_usage(guild_id=None, user_id=10, audio_s=4.5, tokens_in=7, tokens_out=1)
    clock.advance(DAY)
    await storage.add_usage(guild_id=2, user_id=10, audio_s=100, tokens_in=1000, tokens_out=10)

    assert await storage.usage_since(since=start) == UsageTotals(4, 145.0, 1157, 36)
    assert await storage.usage_since(since=start, guild_id=1) == UsageTotals(2, 40.5, 150, 25)
    assert await storage.usage_since(since=start, user_id=10) == UsageTotals(3, 135.0, 1107, 31)
    assert await storage.usage_since(since=start, guild_id=1, user_id=10) == UsageTotals(
        1, 30.5, 100, 20
    )
    just_before_last = clock() - timedelta(seconds=DAY - 1)
    assert await storage.usage_since(since=just_before_last, user_id=10) == UsageTotals(
        1, 100.0, 1000, 10
    )
    since_is_inclusive = clock() - timedelta(seconds=DAY)
    assert (await storage.usage_since(since=since_is_inclusive, user_id=10)).requests == 2


async def test_audit_log_newest_first_per_server(storage: Storage, clock: FakeClock) -> None:
    for n in range(5):
        await storage.audit(1, 99, "settings.update", {"quiet": n % 2 == 0, "n": n})
        clock.advance(1)
    await storage.audit(2, 98, "channel.auto_mode", {"channel_id": 5, "mode": "off"})
    await storage.audit(None, 97, "opt_out", {"opted_out": True})

    entries = await storage.audit_log(1, limit=3)
    assert [e.detail["n"] for e in entries] == [4, 3, 2]
    assert {(e.guild_id, e.actor_id, e.action) for e in entries} == {(1, 99, "settings.update")}
    assert entries[0].created_at == clock() - timedelta(seconds=1)
    assert len(await storage.audit_log(1)) == 5
    [other] = await storage.audit_log(2)
    assert other.detail == {"channel_id": 5, "mode": "off"}
    [outside] = await storage.audit_log(None)
    assert (outside.actor_id, outside.action) == (97, "opt_out")


async def test_purge_expired(storage: Storage, clock: FakeClock) -> None:
    await storage.save_result("short", {"v": 1}, sha256="a" * 64, ttl_s=DAY)
    await storage.save_result("long", {"v": 2}, sha256="b" * 64, ttl_s=DEFAULT_RETENTION_S * 2)
    done, _ = await storage.submit_job(job_request("done"))
    failed, _ = await storage.submit_job(job_request("failed"))
    queued, _ = await storage.submit_job(job_request("queued"))
    await storage.set_job_status(done.id, JobStatus.DONE)
    await storage.set_job_status(failed.id, JobStatus.FAILED, error="boom")
    await storage.record_delivery(done.id, 0, "n-0", 5000, 200)

    assert await storage.purge_expired() == 0
    clock.advance(DAY)
    assert await storage.purge_expired() == 1  # the short-lived result
    recent, _ = await storage.submit_job(job_request("recent"))
    await storage.set_job_status(recent.id, JobStatus.DONE)
    clock.advance(DEFAULT_RETENTION_S - DAY + 1)
    assert await storage.purge_expired() == 2  # the two old finished jobs
    assert await storage.get_job(done.id) is None
    assert await storage.get_job(failed.id) is None
    assert await storage.deliveries(done.id) == []  # cascaded with the job
    assert await storage.get_job(queued.id) is not None  # unfinished jobs are never purged
    assert await storage.get_job(recent.id) is not None
    assert await storage.load_result("long") == {"v": 2}
    assert await storage.purge_expired() == 0
