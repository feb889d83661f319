"""Erasure: a server the bot left (after its grace period), and one member's notes."""

from __future__ import annotations

from datetime import timedelta

from bot.storage import JobStatus, Storage, UsageTotals
from tests.helpers.clocks import FakeClock
from tests.helpers.jobs import job_request

DAY = 24 * 3600.0
GRACE = 7 * DAY
A, B = 100, 200  # two servers
ALICE, BOB = 500, 501


async def _job_with_result(storage: Storage, key: str, guild: int, author: int, sha: str) -> int:
    job, _ = await storage.submit_job(
        job_request(key, guild_id=guild, author_id=author, requester_id=author)
    )
    result_key = f"{sha}:model:schema:{key}"
    await storage.save_result(result_key, {"words": key}, sha256=sha, ttl_s=30 * DAY)
    await storage.record_delivery(job.id, 0, f"vn{job.id}p0", 1000 + job.id, 42)
    await storage.claim_next_job("w", lease_s=60)
    await storage.set_job_status(job.id, JobStatus.DONE, result_key=result_key)
    return job.id


async def _server_with_data(storage: Storage, guild: int, sha: str) -> int:
    job_id = await _job_with_result(storage, f"auto:{guild}", guild, ALICE, sha)
    await storage.update_guild_settings(guild, quiet=True)
    await storage.set_channel_auto_mode(guild, guild + 1, None)
    await storage.add_usage(guild_id=guild, user_id=ALICE, audio_s=5, tokens_in=1, tokens_out=1)
    await storage.audit(guild, ALICE, "settings.update", {"quiet": True})
    await storage.add_vocabulary(guild, [f"Term of {guild}"])
    return job_id


async def test_a_departed_server_is_erased_only_after_its_grace_period(
    storage: Storage, clock: FakeClock
) -> None:
    gone = await _server_with_data(storage, A, "a" * 64)
    kept = await _server_with_data(storage, B, "b" * 64)
    await storage.mark_guild_departed(A)
    clock.advance(GRACE - 60)
    assert await storage.erase_departed_guilds(GRACE) == []
    clock.advance(120)
    assert await storage.erase_departed_guilds(GRACE) == [A]
    assert await storage.get_job(gone) is None
    assert await storage.deliveries(gone) == []
    assert await storage.load_result(f"{'a' * 64}:model:schema:auto:{A}") is None
    assert not (await storage.guild_settings(A)).quiet  # back to the defaults
    assert (
        await storage.usage_since(since=clock() - timedelta(days=30), guild_id=A) == UsageTotals()
    )
    assert await storage.audit_log(A) == []
    assert await storage.vocabulary(A) == ()
    assert await storage.erase_departed_guilds(GRACE) == []  # done once
    # The other server is untouched.
    assert await storage.get_job(kept) is not None
    assert (await storage.guild_settings(B)).quiet
    assert await storage.vocabulary(B) == (f"Term of {B}",)
    assert await storage.load_result(f"{'b' * 64}:model:schema:auto:{B}") is not None


async def test_a_server_the_bot_returns_to_keeps_its_data(
    storage: Storage, clock: FakeClock
) -> None:
    job_id = await _server_with_data(storage, A, "a" * 64)
    await storage.mark_guild_departed(A)
    clock.advance(DAY)
    await storage.clear_guild_departed(A)
    clock.advance(GRACE)
    assert await storage.erase_departed_guilds(GRACE) == []
    assert await storage.get_job(job_id) is not None


async def test_a_members_notes_are_erased_with_every_result_of_their_audio(
    storage: Storage,
) -> None:
    mine = await _job_with_result(storage, "auto:1", A, ALICE, "c" * 64)
    also_mine = await _job_with_result(storage, "auto:2", B, ALICE, "d" * 64)
    theirs = await _job_with_result(storage, "auto:3", A, BOB, "e" * 64)
    # The same audio asked another way (another request's key) goes too.
    await storage.save_result("c" * 64 + ":other", {"words": "x"}, sha256="c" * 64, ttl_s=DAY)
    found = await storage.jobs_of_author(ALICE)
    assert [job.id for job in found] == [mine, also_mine]
    await storage.erase_jobs([job.id for job in found])
    assert await storage.jobs_of_author(ALICE) == []
    assert await storage.load_result("c" * 64 + ":other") is None
    assert await storage.get_job(theirs) is not None
    assert await storage.load_result(f"{'e' * 64}:model:schema:auto:3") is not None
