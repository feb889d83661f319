"""Reply targets: thread names, the interaction token's lifetime on the injected clock, and
one thread per note."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import discord

from bot.storage import Job
from cogs.delivery._targets import ThreadOpener, interaction_alive, thread_name
from tests.helpers.harness import Harness
from tests.helpers.jobs import job_request, queued_job

CREATED = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def _job(token: str | None) -> Job:
    return queued_job(job_request("slash:1", interaction_token=token), created_at=CREATED)


def test_thread_names_fit_discords_limit() -> None:
    when = datetime(2030, 11, 24, 14, 5, tzinfo=UTC)
    assert thread_name("Alice", when) == "Voice note · Alice · 24 Nov 14:05"
    long = thread_name("A" * 300 + "\n  tab\tname", when)
    assert len(long) <= 100
    assert "\n" not in long
    assert thread_name("   ", when) == "Voice note · someone · 24 Nov 14:05"


def test_the_token_counts_as_alive_until_a_minute_before_it_expires() -> None:
    job = _job("tok")
    assert interaction_alive(job, CREATED + timedelta(minutes=13, seconds=59))
    assert not interaction_alive(job, CREATED + timedelta(minutes=14))
    assert not interaction_alive(_job(None), CREATED)


async def test_a_note_gets_one_thread_when_its_status_and_its_reply_ask_at_once(
    harness: Harness,
) -> None:
    """Discord refuses a second thread on a message (160004): two asking together (a
    status message that yielded to replies, and the reply) get the one thread."""
    posted = await harness.discord.post_message(harness.channel, harness.alice, content="hi")
    channel = harness.bot.get_channel(harness.channel.id)
    assert isinstance(channel, discord.TextChannel)
    message = await channel.fetch_message(posted.id)
    job = _job(None)
    opener = ThreadOpener()
    storage = harness.bot.core.storage
    first, second = await asyncio.gather(
        opener.thread_on(harness.bot, message, storage, job),
        opener.thread_on(harness.bot, message, storage, job),
    )
    assert first is second is not None
    created = [r for r in harness.discord.requests if r.path.endswith("/threads")]
    assert [r.status for r in created] == [201]
    assert [t.id for t in harness.discord.threads_in(harness.channel)] == [posted.id]
