"""Server rules, daily quotas and usage reports, on a real SQLite storage and a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.audio import AudioLimits
from bot.errors import OptedOut, QuotaExceeded
from bot.jobs import Consent, Policy, Prices, QuotaLimits, is_quota_exempt
from bot.options import JobSpec, Origin
from bot.storage import GuildSettings, Job, Storage, UsageTotals
from tests.helpers.clocks import FakeClock
from tests.helpers.jobs import job_request

GUILD, OTHER_GUILD, ALICE, BOB = 100, 101, 500, 501
MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0


@pytest_asyncio.fixture
async def store(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Storage]:
    """A fresh SQLite storage on the test's clock (2030-01-01 12:00 UTC)."""
    storage = await Storage.open(f"sqlite:///{tmp_path / 'policy.sqlite3'}", clock=clock)
    yield storage
    await storage.close()


def policy(store: Storage, clock: FakeClock, user: float = 10, guild: float = 30) -> Policy:
    limits = QuotaLimits(user_minutes=user, guild_minutes=guild)
    return Policy(store, limits, Consent(store), clock=clock)


async def job(store: Storage, key: str, **overrides: Any) -> Job:
    """A stored job for ``ALICE`` in ``GUILD`` unless overridden."""
    values: dict[str, Any] = {"guild_id": GUILD, "requester_id": ALICE, "author_id": ALICE}
    stored, _ = await store.submit_job(job_request(key, **(values | overrides)))
    return stored


async def use(store: Storage, seconds: float, user: int = ALICE, guild: int | None = GUILD) -> None:
    await store.add_usage(guild_id=guild, user_id=user, audio_s=seconds, tokens_in=0, tokens_out=0)


async def test_refused_with_used_left_and_reset_time(store: Storage, clock: FakeClock) -> None:
    quotas = policy(store, clock)
    note = await job(store, "a")
    await quotas.admit(note, 10 * MINUTE)  # exactly the allowance fits
    await use(store, 7 * MINUTE)
    clock.advance(6 * HOUR + 48 * MINUTE)  # 18:48 UTC
    with pytest.raises(QuotaExceeded) as refused:
        await quotas.admit(note, 5 * MINUTE)
    assert refused.value.user_message == (
        "This audio is 5 min long, but only 3 min of your daily audio allowance of 10 min is "
        "left (7 min used today). It resets at 00:00 UTC, in 5 h 12 min."
    )
    await quotas.admit(note, 3 * MINUTE)  # what is left still fits


async def test_used_up_then_available_again_the_next_day(store: Storage, clock: FakeClock) -> None:
    quotas = policy(store, clock)
    note = await job(store, "a")
    await use(store, 10 * MINUTE)
    with pytest.raises(
        QuotaExceeded, match=r"All of your daily audio allowance of 10 min is used up"
    ):
        await quotas.admit(note, 1)
    clock.advance(12 * HOUR - 1)  # 23:59:59: still today
    with pytest.raises(QuotaExceeded, match=r"resets at 00:00 UTC, in 1 s\.$"):
        await quotas.admit(note, 1)
    clock.advance(1)  # midnight UTC
    await quotas.admit(note, 10 * MINUTE)


async def test_audio_longer_than_the_whole_allowance(store: Storage, clock: FakeClock) -> None:
    with pytest.raises(QuotaExceeded) as refused:
        await policy(store, clock).admit(await job(store, "a"), 90 * MINUTE)
    assert refused.value.user_message == (
        "This audio is 1 h 30 min long, more than your daily audio allowance of 10 min."
    )


async def test_exempt_members_skip_the_user_quota_only(store: Storage, clock: FakeClock) -> None:
    quotas = policy(store, clock)
    exempt = await job(store, "a", spec=JobSpec(quota_exempt=True))
    await use(store, 25 * MINUTE)
    await quotas.admit(exempt, 5 * MINUTE)
    with pytest.raises(QuotaExceeded):
        await quotas.admit(await job(store, "b"), 1)  # the same member without the role
    with pytest.raises(QuotaExceeded, match="this server's daily audio allowance of 30 min"):
        await quotas.admit(exempt, 6 * MINUTE)  # the server's ceiling still holds


async def test_zero_means_unlimited(store: Storage, clock: FakeClock) -> None:
    quotas = policy(store, clock, user=0, guild=0)
    await use(store, 20 * HOUR)
    await quotas.admit(await job(store, "a"), 9 * HOUR)


async def test_guild_quota_and_user_quota_are_counted_apart(
    store: Storage, clock: FakeClock
) -> None:
    quotas = policy(store, clock)
    await use(store, 9 * MINUTE, user=BOB)
    await use(store, 9 * MINUTE, user=BOB, guild=OTHER_GUILD)
    with pytest.raises(QuotaExceeded, match="your daily"):  # a user's quota spans servers
        await quotas.admit(await job(store, "bob", requester_id=BOB), 1)
    for user in range(1, 3):
        await use(store, 10 * MINUTE, user=user)
    await quotas.admit(await job(store, "alice"), 1 * MINUTE)  # server: 29 of 30 min used
    with pytest.raises(QuotaExceeded) as refused:
        await quotas.admit(await job(store, "alice2"), 2 * MINUTE)
    assert refused.value.user_message.startswith(
        "This audio is 2 min long, but only 1 min of this server's daily audio allowance of "
        "30 min is left (29 min used today)."
    )
    await quotas.admit(await job(store, "elsewhere", guild_id=OTHER_GUILD), 2 * MINUTE)
    await quotas.admit(await job(store, "dm", guild_id=None), 2 * MINUTE)  # no server quota


async def test_reset_text_never_says_zero(store: Storage, clock: FakeClock) -> None:
    quotas = policy(store, clock)
    assert quotas.reset_text() == "00:00 UTC, in 12 h"
    clock.advance(12 * HOUR - 90)
    assert quotas.reset_text() == "00:00 UTC, in 2 min"  # 1 min 30 s, rounded up
    clock.advance(48)
    assert quotas.reset_text() == "00:00 UTC, in 42 s"
    assert quotas.today_start() == datetime(2030, 1, 1, tzinfo=UTC)


async def test_report_today_and_last_30_days(store: Storage, clock: FakeClock) -> None:
    await store.add_usage(guild_id=GUILD, user_id=ALICE, audio_s=60, tokens_in=100, tokens_out=10)
    clock.advance(20 * DAY)
    await store.add_usage(guild_id=GUILD, user_id=ALICE, audio_s=30, tokens_in=50, tokens_out=5)
    await store.add_usage(guild_id=GUILD, user_id=BOB, audio_s=15, tokens_in=20, tokens_out=2)
    quotas = policy(store, clock)
    mine = await quotas.report(user_id=ALICE)
    assert mine.today == UsageTotals(1, 30.0, 50, 5)
    assert mine.recent == UsageTotals(2, 90.0, 150, 15)
    server = await quotas.report(guild_id=GUILD)
    assert server.today == UsageTotals(2, 45.0, 70, 7)
    clock.advance(15 * DAY)
    assert (await quotas.report(user_id=ALICE)).recent == UsageTotals(1, 30.0, 50, 5)
    with pytest.raises(ValueError, match="exactly one"):
        await quotas.report()


def test_cost_estimate_and_settings(make_settings: Any) -> None:
    prices = Prices.from_settings(make_settings(price_input_per_million_tokens=2.0))
    assert prices.cost(UsageTotals(1, 0.0, 500_000, 200_000)) == pytest.approx(1.0 + 0.5)
    assert QuotaLimits.from_settings(make_settings()) == QuotaLimits(60, 600)
    limits = QuotaLimits.from_settings(make_settings(quota_user_minutes_per_day=0))
    assert limits.user_minutes == 0


def test_exempt_roles() -> None:
    settings = GuildSettings(guild_id=GUILD, exempt_role_ids=(7, 8))
    assert is_quota_exempt([1, 8], settings)
    assert not is_quota_exempt([1, 2], settings)
    assert not is_quota_exempt([7], None)
    assert not is_quota_exempt([7], GuildSettings(guild_id=GUILD))


async def test_an_opted_out_authors_automatic_job_is_dropped_before_work(
    store: Storage, clock: FakeClock
) -> None:
    rules = policy(store, clock)
    auto = await job(store, "auto")
    command = await job(store, "slash", origin=Origin.SLASH, requester_id=BOB)
    await rules.check_start(auto)
    await store.set_opt_out(ALICE, True)
    with pytest.raises(OptedOut, match="opted out"):
        await rules.check_start(auto)
    await rules.check_start(command)  # a command was checked for consent when it was made


async def test_the_servers_maximum_duration_applies_to_every_job(
    store: Storage, clock: FakeClock
) -> None:
    rules = policy(store, clock)
    limits = AudioLimits(min_duration_s=0.3, max_duration_s=3600, max_bytes=1, probe_timeout_s=1)
    command = await job(store, "slash", origin=Origin.SLASH)
    assert await rules.limits_for(command, limits) == limits
    await store.update_guild_settings(GUILD, max_duration_s=60.0)
    assert (await rules.limits_for(command, limits)).max_duration_s == 60.0
    await store.update_guild_settings(GUILD, max_duration_s=7200.0)  # never above the bot's
    assert await rules.limits_for(command, limits) == limits
    assert await rules.limits_for(await job(store, "dm", guild_id=None), limits) == limits
