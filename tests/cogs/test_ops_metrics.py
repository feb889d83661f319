"""The Discord layer's share of the metrics: what Discord's API answered (rate limits by
scope, the invalid requests it counts toward its ban) and the shards' connections."""

from __future__ import annotations

from testkit.gemini import Reply
from tests.helpers.harness import Harness, transcript_reply
from tests.helpers.metrics import sample

REACTIONS = r"/channels/\d+/messages/\d+/reactions/[^/]+/@me"


async def test_discord_answers_are_counted_by_scope_and_status(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    metrics = harness.bot.core.metrics
    harness.discord.fail_next("PUT", REACTIONS, retry_after=0.05)  # ⏳ meets a 429, then retries
    harness.gemini.enqueue(Reply.json(transcript_reply("Counted.")))
    note = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.discord.reactions_on(note).get("✅"))
    await harness.wait_jobs_idle()
    assert sample(metrics, "voicenotes_discord_rate_limits_total", scope="user") == 1
    assert sample(metrics, "voicenotes_discord_invalid_responses_total", status="429") == 1
    assert harness.discord.invalid_request_count == 1
    assert sample(metrics, "voicenotes_discord_invalid_responses_total", status="403") == 0


async def test_a_refused_permission_is_an_invalid_request(
    harness: Harness, voice_note_bytes: bytes
) -> None:
    metrics = harness.bot.core.metrics
    harness.discord.fail_next("PUT", REACTIONS, 403, code=50013)
    harness.gemini.enqueue(Reply.json(transcript_reply("Counted.")))
    note = await harness.post_note(voice_note_bytes)
    await harness.discord.wait_for(lambda: harness.bot_messages(note.id))
    await harness.wait_jobs_idle()
    assert sample(metrics, "voicenotes_discord_invalid_responses_total", status="403") == 1
    assert harness.discord.invalid_request_count == 1


def test_the_shards_are_counted(harness: Harness) -> None:
    metrics = harness.bot.core.metrics
    assert sample(metrics, "voicenotes_discord_shards") == 1
    assert sample(metrics, "voicenotes_discord_shards_connected") == 1
    assert harness.bot.shard_monitor.connected() == [0]
