"""The ideal time of a burst: the longest of what every limit in force allows.

* the workers: ``ceil(notes / (N x processes)) x L`` for Gemini latency ``L``;
* ``GEMINI_REQUESTS_PER_MINUTE`` over a sliding minute: the requests past the first window
  wait for it to roll over, one window per ``limit`` requests;
* Discord's global limit (50 requests per second, interaction endpoints aside) over the
  requests the bot actually sent;
* Discord's per-route buckets over the requests the bot sent to each: the reaction bucket
  (1 per 0.25 s per channel) is the one a burst of notes in few channels meets.
Each bound is computed from the run's own counts, so the ideal is the least time any bot
making those requests could take.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

from testkit.discord import FakeDiscord

REACTION = re.compile(r"/channels/(\d+)/messages/\d+/reactions/")


def workers_bound(notes: int, concurrency: int, latency_s: float, processes: int = 1) -> float:
    """Rounds of Gemini latency the workers need."""
    return math.ceil(notes / (concurrency * processes)) * latency_s


def rate_bound(requests: int, per_minute: int, latency_s: float) -> float:
    """A sliding minute of ``per_minute`` requests: the last window's requests start
    ``(windows - 1) x 60 s`` after the first."""
    windows = math.ceil(requests / per_minute)
    return (windows - 1) * 60.0 + latency_s


def discord_bounds(discord: FakeDiscord, since: float) -> dict[str, float]:
    """The global and the reaction-bucket bounds of the REST requests sent after ``since``
    (the fake's ``clock.time()``)."""
    limits = discord.rate_limits
    requests = [r for r in discord.requests if r.at >= since and "/interactions/" not in r.path]
    per_channel: Counter[str] = Counter()
    for request in requests:
        found = REACTION.search(request.path)
        if found:
            per_channel[found.group(1)] += 1
    bucket = limits.buckets["reaction"]
    reactions = max(per_channel.values(), default=0) * bucket.per_s / bucket.limit
    return {"discord global": len(requests) / limits.global_per_second, "reactions": reactions}


def ideal(bounds: dict[str, float]) -> tuple[str, float]:
    """The binding limit and its time."""
    name = max(bounds, key=lambda key: bounds[key])
    return name, bounds[name]


def max_in_window(times: Iterable[float], window_s: float = 60.0) -> int:
    """The most events in any sliding window of ``window_s``."""
    ordered = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= window_s:
            start += 1
        best = max(best, end - start + 1)
    return best
