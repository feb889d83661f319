"""Usage by UTC day and by channel, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.storage import Storage
from tests.helpers.clocks import FakeClock

GUILD = 10


async def _use(storage: Storage, audio_s: float, channel_id: int | None, **tokens: int) -> None:
    await storage.add_usage(
        guild_id=GUILD,
        user_id=1,
        audio_s=audio_s,
        tokens_in=tokens.get("tokens_in", 100),
        tokens_out=tokens.get("tokens_out", 10),
        tokens_thought=tokens.get("tokens_thought", 0),
        tokens_cached=tokens.get("tokens_cached", 0),
        channel_id=channel_id,
    )


async def test_usage_is_summed_per_utc_day(storage: Storage, clock: FakeClock) -> None:
    clock.now = datetime(2030, 1, 1, 23, 59, 30, tzinfo=UTC)
    await _use(storage, 60, 1, tokens_thought=5, tokens_cached=7)
    clock.advance(60)  # 00:00:30 the next day
    await _use(storage, 30, 1)
    await _use(storage, 30, 2)
    since = datetime(2030, 1, 1, tzinfo=UTC)
    days = await storage.usage_by_day(guild_id=GUILD, since=since)
    assert [d.day for d in days] == [date(2030, 1, 1), date(2030, 1, 2)]
    first, second = (d.totals for d in days)
    assert (first.requests, first.audio_s, first.tokens_thought, first.tokens_cached) == (
        1,
        60.0,
        5,
        7,
    )
    assert (second.requests, second.audio_s, second.tokens_in) == (2, 60.0, 200)


async def test_days_before_since_and_other_servers_are_left_out(
    storage: Storage, clock: FakeClock
) -> None:
    await _use(storage, 60, 1)
    await storage.add_usage(guild_id=99, user_id=1, audio_s=5, tokens_in=1, tokens_out=1)
    clock.advance(3 * 86400)
    await _use(storage, 10, 1)
    days = await storage.usage_by_day(guild_id=GUILD, since=clock.now.replace(hour=0))
    assert [d.totals.audio_s for d in days] == [10.0]


async def test_channels_come_most_audio_first(storage: Storage, clock: FakeClock) -> None:
    await _use(storage, 10, 1)
    await _use(storage, 50, 2)
    await _use(storage, 20, None)  # recorded before channels were
    await _use(storage, 15, 1)
    channels = await storage.usage_by_channel(guild_id=GUILD, since=clock.now.replace(hour=0))
    assert [(c.channel_id, c.totals.audio_s) for c in channels] == [
        (2, 50.0),
        (1, 25.0),
        (None, 20.0),
    ]
    assert channels[1].totals.requests == 2
    top = await storage.usage_by_channel(guild_id=GUILD, since=clock.now, limit=1)
    assert [c.channel_id for c in top] == [2]
