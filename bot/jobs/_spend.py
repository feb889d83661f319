"""What a job spent, as usage rows: who pays and at which tier's price."""

from __future__ import annotations

from bot.jobs._ports import JobStore
from bot.model import TierUsage, Usage
from bot.storage import Job

SERVER_USER_ID = 0
"""The ``user_id`` of usage the server pays for (moderation work): nobody's own allowance."""


def standard_part(usage: Usage) -> TierUsage:
    """What the standard tier served of ``usage`` (all but its flex part)."""
    flex = usage.flex
    return TierUsage(
        requests=usage.requests - flex.requests,
        input_tokens=usage.input_tokens - flex.input_tokens,
        output_tokens=usage.output_tokens - flex.output_tokens,
        thought_tokens=usage.thought_tokens - flex.thought_tokens,
        cached_tokens=usage.cached_tokens - flex.cached_tokens,
    )


async def record_spend(store: JobStore, job: Job, usage: Usage, *, audio_s: float) -> None:
    """Record what Gemini billed (nothing to record for silence or a cache hit), one row per
    service tier that served it (flex is billed at its own price); the audio seconds count
    once, with the first row."""
    payer = SERVER_USER_ID if job.spec.server_pays else job.requester_id
    for tier, part in (("standard", standard_part(usage)), ("flex", usage.flex)):
        if part.requests <= 0:
            continue
        await store.add_usage(
            guild_id=job.guild_id,
            user_id=payer,
            audio_s=audio_s,
            tokens_in=part.input_tokens,
            tokens_out=part.output_tokens,
            tokens_thought=part.thought_tokens,
            tokens_cached=part.cached_tokens,
            service_tier=tier,
            channel_id=job.channel_id if job.guild_id is not None else None,
        )
        audio_s = 0.0
