"""Scale out: the burst on one process and then on two sharing one PostgreSQL (each with
half the shards, the same per-process JOB_CONCURRENCY): two finish in at most 0.6x the one
process's time, each note answered once. Then the shared Gemini limit: two processes with
a GEMINI_REQUESTS_PER_MINUTE that binds send at most that many requests in any sliding
minute (each would allow that many on its own) and finish when the limit allows."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bench.figures.burst import NOTE_S, PER_MINUTE, BurstResult, measure_burst
from bench.inputs import Inputs
from bench.limits import max_in_window, rate_bound
from bench.sizes import Sizes
from bench.table import Row, judged
from bench.world import BenchWorld, RunningBot, open_world
from testkit.postgres import PostgresServer

SHARED_LATENCY_S = 0.2


@asynccontextmanager
async def postgres() -> AsyncIterator[PostgresServer]:
    """A throwaway PostgreSQL server on loopback."""
    server = await asyncio.to_thread(PostgresServer.start)
    try:
        yield server
    finally:
        await asyncio.to_thread(server.stop)


async def start_processes(
    world: BenchWorld, url: str, count: int, **settings: object
) -> list[RunningBot]:
    """``count`` bot processes on one database, each with its share of the shards."""
    bots = []
    for index in range(count):
        shards: dict[str, object] = {"shard_count": count, "shard_ids": index} if count > 1 else {}
        bots.append(await world.start_bot(f"bot-{index}", database_url=url, **shards, **settings))
    return bots


async def burst_on(
    world: BenchWorld, server: PostgresServer, count: int, notes: list[bytes], n: int
) -> BurstResult:
    """The burst on ``count`` processes sharing a fresh database."""
    url = server.url(await asyncio.to_thread(server.create_database))
    bots = await start_processes(
        world, url, count, job_concurrency=n, gemini_requests_per_minute=PER_MINUTE
    )
    result = await measure_burst(world, bots, notes, concurrency=n)
    await world.stop_bots()
    return result


async def shared_limit(
    world: BenchWorld, server: PostgresServer, notes: list[bytes], limit: int
) -> Row:
    """Two processes under one binding request limit."""
    url = server.url(await asyncio.to_thread(server.create_database))
    await start_processes(world, url, 2, job_concurrency=limit, gemini_requests_per_minute=limit)
    since = len(world.latency.served)
    posted = await world.post_all(notes)
    await world.wait_replies(posted, timeout=400)
    span = world.span_s(posted)
    arrivals = [arrived for arrived, _ in world.latency.served[since:]]
    peak = max_in_window(arrivals)
    best = rate_bound(len(notes), limit, SHARED_LATENCY_S)
    await world.stop_bots()
    return judged(
        f"shared Gemini limit, 2 processes, {len(notes)} notes, {limit}/min",
        f"peak {peak} requests/min; {span:.0f} s = {span / best:.2f}x ideal {best:.0f} s",
        f"<= {limit}/min; <= 1.2x ideal",
        peak <= limit and span <= 1.2 * best and world.answered_once(posted),
        judge=True,
    )


def scale_rows(one: BurstResult, two: BurstResult, n: int, *, judge: bool) -> list[Row]:
    """The two rows of the scale-out burst."""
    ratio = two.span_s / one.span_s
    once = one.answered_once and two.answered_once and one.refused == two.refused == 0
    return [
        judged(
            f"scale out: burst on 2 processes vs 1 (PostgreSQL, N={n} each)",
            f"{two.span_s:.1f} s vs {one.span_s:.1f} s = {ratio:.2f}x",
            "<= 0.6x",
            ratio <= 0.6,
            judge=judge,
        ),
        judged(
            "scale out: each note answered once, no refused request",
            f"{'yes' if once else 'NO'} ({one.invalid + two.invalid} invalid, "
            f"{one.refused + two.refused} refused in all)",
            "yes",
            once,
            judge=True,
        ),
    ]


async def run(inputs: Inputs, sizes: Sizes, tmp: Path) -> list[Row]:
    """The scale-out figure's rows."""
    count, n, limit = sizes.burst_notes, sizes.burst_concurrency, sizes.shared_limit_per_minute
    notes = inputs.distinct(NOTE_S, 2 * count + 2 * limit)
    async with postgres() as server:
        async with open_world(
            tmp, latency_s=sizes.burst_latency_s, channels=sizes.burst_channels, shards=2
        ) as world:
            one = await burst_on(world, server, 1, notes[:count], n)
            two = await burst_on(world, server, 2, notes[count : 2 * count], n)
        rows = scale_rows(one, two, n, judge=not sizes.smoke)
        if limit:  # a minute at least: not in smoke
            (tmp / "shared").mkdir()
            async with open_world(tmp / "shared", latency_s=SHARED_LATENCY_S, shards=2) as world:
                shared = notes[2 * count : 2 * count + limit * 3 // 2]
                rows.append(await shared_limit(world, server, shared, limit))
    return rows
