"""How jobs are heard and billed: the server's engine, vocabulary and context, the flex tier
for queued automatic work (with its fallback), usage recorded per tier and priced so, and
video links counted against the minute quotas by their tokens."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.jobs import Consent, HearingDefaults, Policy, Prices, QuotaLimits
from bot.model import TierUsage, Usage
from bot.options import Engine, Hearing, JobSpec, Origin, ServiceTier
from bot.pipeline import Pipeline
from bot.storage import Storage, UsageTotals
from testkit.gemini import FakeGemini, Reply
from tests.helpers.clocks import FakeClock
from tests.helpers.jobs import job_request
from tests.helpers.replies import segment, transcript
from tests.helpers.runners import RecordingPort, make_runner, request, run_until_final

FLEX = HearingDefaults(queued_tier=ServiceTier.FLEX)


async def test_the_policy_hears_each_server_its_own_way(storage: Storage) -> None:
    policy = Policy(storage, QuotaLimits(0, 0), Consent(storage), hearing=FLEX)
    await storage.update_guild_settings(
        1, transcribe_engine="gemini-transcribe", server_context="A choir."
    )
    await storage.update_guild_settings(1, word_timestamps=True)
    await storage.add_vocabulary(1, ["Kubernetes"])
    auto, _ = await storage.submit_job(job_request("a", guild_id=1))
    slash, _ = await storage.submit_job(job_request("s", guild_id=2, origin=Origin.SLASH))
    dm, _ = await storage.submit_job(job_request("d", guild_id=None))
    assert await policy.hearing_for(auto) == Hearing(
        engine=Engine.SPEECH,
        vocabulary=("Kubernetes",),
        context="A choir.",
        word_timestamps=True,
        tier=ServiceTier.FLEX,
    )
    assert await policy.hearing_for(slash) == Hearing()  # a person waits: standard
    assert (await policy.hearing_for(dm)).tier is ServiceTier.FLEX


async def test_a_dropped_flex_job_falls_back_to_standard_once_and_records_the_tier(
    storage: Storage,
    pipeline: Pipeline,
    voice_note: Path,
    fake_gemini: FakeGemini,
    clock: FakeClock,
) -> None:
    fake_gemini.flex.drops = 1
    fake_gemini.enqueue(Reply.json(transcript(segment("00:00", "Hi"))))
    port = RecordingPort(voice_note)
    runner = make_runner(storage, pipeline, port, hearing=FLEX)
    job, _ = await runner.submit(request(1))
    await run_until_final(runner, storage, [job.id])
    assert [r.body.get("service_tier") for r in fake_gemini.requests] == ["flex", None]
    totals = await storage.usage_since(since=clock() - timedelta(hours=1), user_id=7)
    assert totals.requests == 1
    assert totals.flex is None
    fake_gemini.enqueue(Reply.json(transcript(segment("00:00", "Again"))))
    runner = make_runner(storage, pipeline, port, hearing=FLEX)
    second, _ = await runner.submit(request(2))
    await run_until_final(runner, storage, [second.id])
    totals = await storage.usage_since(since=clock() - timedelta(hours=1), user_id=7)
    assert totals.flex is not None
    assert totals.flex.requests == 1
    assert totals.audio_s == 2 * port.documents[0].source.duration_s  # audio counted once each


async def test_flex_usage_is_priced_at_the_flex_share() -> None:
    prices = Prices(1.0, 2.0, 0.25, flex_factor=0.5)
    flex = UsageTotals(requests=1, tokens_in=1_000_000, tokens_out=0)
    both = UsageTotals(requests=2, tokens_in=2_000_000, tokens_out=1_000_000, flex=flex)
    assert prices.cost(both) == 2.0 + 2.0 - 0.5  # the flex million input at half price
    usage = Usage(
        requests=1, input_tokens=1_000_000, flex=TierUsage(requests=1, input_tokens=1_000_000)
    )
    assert prices.cost_of(usage) == 0.5


async def test_a_video_job_downloads_nothing_and_counts_its_tokens_against_quotas(
    storage: Storage, pipeline: Pipeline, fake_gemini: FakeGemini, clock: FakeClock
) -> None:
    url = fake_gemini.youtube.add("dQw4w9WgXcQ", 120.0)
    port = RecordingPort(Path("/nonexistent"))  # a download would fail loudly
    runner = make_runner(storage, pipeline, port)
    spec = JobSpec(video_url=url)
    job, _ = await runner.submit(
        job_request(
            "slash:9", spec=spec, origin=Origin.SLASH, attachment_url=None, attachment_id=None
        )
    )
    await run_until_final(runner, storage, [job.id])
    assert port.delivered == [job.id]
    (document,) = port.documents
    media = document.usage.audio_tokens + document.usage.video_tokens
    totals = await storage.usage_since(since=clock() - timedelta(hours=1), user_id=500)
    assert totals.audio_s == media / 32
    assert fake_gemini.requests[0].input_parts[-1]["uri"] == url
