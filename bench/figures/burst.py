"""Burst: 200 voice notes at once (each its own audio), JOB_CONCURRENCY N, Gemini latency
L. Completion (first post to last reply) against the ideal of every limit in force
(:mod:`bench.limits`); the event loop's lag p99 during the burst, from the bot's own
``voicenotes_event_loop_lag_seconds``; every note answered once; no refused request."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.inputs import Inputs
from bench.limits import discord_bounds, ideal, rate_bound, workers_bound
from bench.sizes import Sizes
from bench.table import Row, judged
from bench.world import BenchWorld, RunningBot, Samples, open_world
from testkit.discord import StoredMessage
from testkit.discord.rejections import describe

NOTE_S = 30.0
LAG = "voicenotes_event_loop_lag_seconds"
PER_MINUTE = 10_000  # not binding here; the shared-limit figure binds it


def lag_quantile(before: Samples, after: Samples, q: float) -> tuple[float, int]:
    """The ``q`` quantile of the lag samples taken between two scrapes (linear within a
    bucket, as PromQL's histogram_quantile), and how many samples there were."""
    buckets = sorted(
        (float(dict(labels)["le"]), value - before.get((name, labels), 0.0))
        for (name, labels), value in after.items()
        if name == f"{LAG}_bucket"
    )
    total = buckets[-1][1]
    rank, lower, below = q * total, 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            share = (rank - below) / (count - below) if count > below else 1.0
            return (lower + (bound - lower) * share if bound != float("inf") else lower), int(total)
        lower, below = bound, count
    return lower, int(total)


async def run_burst(
    world: BenchWorld, bots: list[RunningBot], notes: list[bytes], timeout: float
) -> tuple[list[StoredMessage], float, Samples, Samples]:
    """Post every note at once and wait for the replies; the span and the first bot's
    metrics before and after."""
    before = await bots[0].metrics()
    posted = await world.post_all(notes)
    await world.wait_replies(posted, timeout=timeout)
    return posted, world.span_s(posted), before, await bots[0].metrics()


@dataclass(frozen=True)
class BurstResult:
    """What one burst measured."""

    notes: int
    span_s: float
    bounds: dict[str, float]
    lag_p99_s: float
    lag_samples: int
    invalid: int
    refused: int  # every request the fake refused (4xx), invalid or not
    answered_once: bool


async def measure_burst(
    world: BenchWorld, bots: list[RunningBot], notes: list[bytes], *, concurrency: int
) -> BurstResult:
    """A burst on ``bots``: its span, the bounds of every limit, lag, invalid requests."""
    since, invalid = world.discord.clock.time(), world.discord.invalid_request_count
    posted, span, before, after = await run_burst(world, bots, notes, timeout=900)
    latency = world.latency.latency_s
    bounds = {
        "workers": workers_bound(len(notes), concurrency, latency, processes=len(bots)),
        "gemini rate": rate_bound(len(notes), PER_MINUTE, latency),
        **discord_bounds(world.discord, since),
    }
    p99, samples = lag_quantile(before, after, 0.99)
    return BurstResult(
        len(notes),
        span,
        bounds,
        p99,
        samples,
        world.discord.invalid_request_count - invalid,
        report_refusals(world, since),
        world.answered_once(posted),
    )


def report_refusals(world: BenchWorld, since: float) -> int:
    """Print each request the fake Discord refused since ``since`` (its clock), and count
    them: the run's scratch directory, and the bots' logs, are gone once the figure ends."""
    refused = [r for r in world.discord.rejected_requests if r.at >= since]
    for record in refused:
        scope = f" scope={record.scope}" if record.scope else ""
        print(f"[bench] refused at {record.at - since:.3f} s: {describe(record)}{scope}")
    return len(refused)


def burst_rows(result: BurstResult, title: str, *, judge: bool) -> list[Row]:
    """The three rows of a burst."""
    binding, best = ideal(result.bounds)
    return [
        judged(
            title,
            f"{result.span_s:.1f} s = {result.span_s / best:.2f}x ideal {best:.1f} s ({binding})",
            "<= 1.2x ideal",
            result.span_s <= 1.2 * best,
            judge=judge,
        ),
        judged(
            "burst: event-loop lag p99",
            f"{result.lag_p99_s * 1000:.0f} ms ({result.lag_samples} samples)",
            "<= 50 ms",
            result.lag_p99_s <= 0.05,
            judge=judge,
        ),
        judged(
            "burst: invalid (other refused) Discord requests; notes answered once",
            f"{result.invalid} ({result.refused - result.invalid}); "
            f"{'yes' if result.answered_once else 'NO'}",
            "0 (0); yes",
            result.refused == 0 and result.answered_once,
            judge=True,
        ),
    ]


async def run(inputs: Inputs, sizes: Sizes, tmp: Path) -> list[Row]:
    """The burst figure's rows."""
    notes = inputs.distinct(NOTE_S, sizes.burst_notes)
    n, latency = sizes.burst_concurrency, sizes.burst_latency_s
    async with open_world(tmp, latency_s=latency, channels=sizes.burst_channels) as world:
        bot = await world.start_bot(job_concurrency=n, gemini_requests_per_minute=PER_MINUTE)
        result = await measure_burst(world, [bot], notes, concurrency=n)
    title = f"burst {len(notes)} notes, N={n}, L={latency:g} s"
    return burst_rows(result, title, judge=not sizes.smoke)
