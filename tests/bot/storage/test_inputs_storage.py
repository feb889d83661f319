"""Migration 7's storage: server vocabulary, link and engine settings, linked sources and
usage by service tier."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import InvalidOptions
from bot.options import MAX_VOCABULARY_TERMS, Engine, JobSpec
from bot.storage import GuildSettings, Storage, UsageTotals
from tests.helpers.clocks import FakeClock
from tests.helpers.jobs import job_request


async def test_vocabulary_is_sorted_and_folds_case_and_whitespace(storage: Storage) -> None:
    change = await storage.add_vocabulary(1, ["Kubernetes", "  Alice   Smith ", "kubernetes"])
    assert change.added == ("Kubernetes", "Alice Smith")  # the first spelling wins
    assert await storage.vocabulary(1) == change.terms == ("Alice Smith", "Kubernetes")
    again = await storage.add_vocabulary(1, ["KUBERNETES", "Grafana"])
    assert again.added == ("Grafana",)
    assert again.present == ("KUBERNETES",)
    assert again.terms == ("Alice Smith", "Grafana", "Kubernetes")
    assert await storage.remove_vocabulary(1, "alice smith")
    assert not await storage.remove_vocabulary(1, "alice smith")
    assert "Alice Smith" not in await storage.vocabulary(1)
    assert await storage.vocabulary(2) == ()  # another server's list is its own


async def test_vocabulary_limits_are_enforced_before_anything_is_added(storage: Storage) -> None:
    await storage.add_vocabulary(1, [f"term {i}" for i in range(MAX_VOCABULARY_TERMS - 1)])
    with pytest.raises(InvalidOptions, match="at most 100 terms"):
        await storage.add_vocabulary(1, ["one more", "and another"])
    assert len(await storage.vocabulary(1)) == MAX_VOCABULARY_TERMS - 1
    with pytest.raises(InvalidOptions, match="at most 60 characters"):
        await storage.add_vocabulary(1, ["x" * 61])
    with pytest.raises(InvalidOptions, match="control characters"):
        await storage.add_vocabulary(1, ["bad\x00term"])
    await storage.add_vocabulary(1, ["last one"])
    assert len(await storage.vocabulary(1)) == MAX_VOCABULARY_TERMS


async def test_link_engine_and_context_settings(storage: Storage) -> None:
    assert await storage.guild_settings(3) == GuildSettings(guild_id=3)
    updated = await storage.update_guild_settings(
        3,
        links_enabled=True,
        transcribe_engine="gemini-transcribe",
        word_timestamps=True,
        server_context="  A server about\n\n gardening.  ",
    )
    assert updated.links_enabled
    assert updated.word_timestamps
    assert updated.transcribe_engine is Engine.SPEECH
    assert updated.server_context == "A server about gardening."
    assert await storage.guild_settings(3) == updated
    cleared = await storage.update_guild_settings(3, transcribe_engine=None, server_context=" ")
    assert cleared.transcribe_engine is None
    assert cleared.server_context is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"links_enabled": "yes"}, "links_enabled must be true or false"),
        ({"transcribe_engine": "whisper"}, "transcribe_engine must be one of"),
        ({"server_context": "x" * 401}, "one short paragraph"),
    ],
)
async def test_bad_values_are_refused(
    storage: Storage, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidOptions, match=message):
        await storage.update_guild_settings(3, **changes)


async def test_jobs_keep_their_source_channel_and_video(storage: Storage) -> None:
    spec = JobSpec(video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    job, _ = await storage.submit_job(job_request("slash:1", spec=spec, source_channel_id=77))
    stored = await storage.get_job(job.id)
    assert stored is not None
    assert stored.source_channel_id == 77
    assert stored.spec.video_url == spec.video_url


async def test_usage_is_totalled_with_the_flex_share_apart(
    storage: Storage, clock: FakeClock
) -> None:
    since = clock() - timedelta(minutes=1)
    await storage.add_usage(guild_id=1, user_id=5, audio_s=30, tokens_in=100, tokens_out=10)
    await storage.add_usage(
        guild_id=1,
        user_id=5,
        audio_s=0,
        tokens_in=60,
        tokens_out=6,
        tokens_thought=2,
        service_tier="flex",
    )
    totals = await storage.usage_since(since=since, guild_id=1)
    flex = UsageTotals(requests=1, tokens_in=60, tokens_out=6, tokens_thought=2)
    assert totals == UsageTotals(2, 30.0, 160, 16, 2, 0, flex=flex)
    assert await storage.usage_since(since=since, guild_id=2) == UsageTotals()
