"""Restart: kill -9 with 50 notes queued; the time from the restart (the new process
spawned) to the last reply is at most 1.3x the ideal of the remaining work plus
JOB_LEASE_SECONDS (the killed run's jobs wait for their leases to lapse). Every note is
answered exactly once across both runs."""

from __future__ import annotations

import math
import time
from pathlib import Path

from bench.inputs import Inputs
from bench.sizes import Sizes
from bench.table import Row, judged
from bench.world import RunningBot, open_world, poll_async, sample

NOTE_S = 30.0


async def submitted(bot: RunningBot) -> float:
    """Jobs recorded in the database: in the queue, running, or finished by this run."""
    samples = await bot.metrics()
    queued = sample(samples, "voicenotes_queue_jobs", state="queued")
    running = sample(samples, "voicenotes_queue_jobs", state="running")
    return queued + running + await bot.jobs_done()


async def wait_submitted(bot: RunningBot, count: int) -> None:
    """Until every note is a job row (its replies may still be to come)."""

    async def all_jobs() -> bool:
        return await submitted(bot) >= count

    await poll_async(all_jobs, timeout=60, what=f"{count} notes to become jobs")


async def run(inputs: Inputs, sizes: Sizes, tmp: Path) -> list[Row]:
    """The restart figure's rows."""
    notes = inputs.distinct(NOTE_S, sizes.restart_notes)
    n, latency, lease = sizes.restart_concurrency, sizes.restart_latency_s, sizes.restart_lease_s
    settings: dict[str, object] = {
        "job_concurrency": n,
        "job_lease_seconds": lease,
        "job_retry_delay_seconds": 0.5,
    }
    async with open_world(tmp, latency_s=latency) as world:
        first = await world.start_bot("bot", **settings)
        posted = await world.post_all(notes)
        await wait_submitted(first, len(notes))
        first.process.kill()  # kill -9: no goodbye, leases held
        await first.process.wait()
        remaining = [note for note in posted if note.id not in world.replied]
        restarted = time.monotonic()
        await world.start_bot("bot", **settings)  # the same name: the same database
        await world.wait_replies(posted, timeout=600)
        took = max(world.replied[note.id] for note in remaining) - restarted
        once = world.answered_once(posted)
    best = math.ceil(len(remaining) / n) * latency + lease
    return [
        judged(
            f"restart after kill -9, {len(remaining)} of {len(notes)} notes left",
            f"{took:.1f} s = {took / best:.2f}x ideal {best:.1f} s",
            "<= 1.3x ideal",
            took <= 1.3 * best,
            judge=not sizes.smoke,
        ),
        judged(
            "restart: each note answered once", "yes" if once else "NO", "yes", once, judge=True
        ),
    ]
