"""Exactly one reply per job across crashes and restarts, ``kill -9`` included.

The real bot runs as a child process (``python -m bot run``, see :mod:`testkit.bot_process`)
against the fake Discord and fake Gemini served by this test's event loop, with a SQLite
database that outlives each run. Leases are short (2 s), so a killed run's jobs are claimed
again moments after the next run starts. Every test also checks that the logs of all runs
carry neither secret nor a word of the transcripts.
"""

# Test helpers take an explicit timeout like asyncio.wait_for; that is the API.

from __future__ import annotations

import asyncio
import base64
import functools
import secrets
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import pytest_asyncio

from bot.storage import Delivery, Job, JobStatus, Storage
from testkit.bot_process import BotProcess, bot_environment, database_url
from testkit.discord import FakeChannel, FakeDiscord, FakeUser, StoredMessage
from testkit.gemini import FakeGemini, RecordedRequest, Reply
from tests.helpers.fakes import check_fake_discord
from tests.helpers.harness import transcript_reply

NOTES = 5
SETTINGS = {
    "JOB_LEASE_SECONDS": 2,  # a killed run's jobs are claimable 2 s after its last heartbeat
    "JOB_RETRY_DELAY_SECONDS": 0.5,
    "GEMINI_ATTEMPTS": 1,
    "LOG_LEVEL": "INFO",
}
SLOW_S = 120.0  # "forever" for a Gemini request: only a kill or a shutdown ends it
DONE_EMOJI, WORKING_EMOJI = "✅", "⏳"


def note_lines(index: int) -> list[str]:
    """What note ``index`` says: words found nowhere else, to trace them into the logs."""
    return [f"Kestrel {index} reports that the quartz harbour is calm."]


def long_note_lines(index: int, count: int = 24) -> list[str]:
    """A transcript several Discord messages long (about 400 characters a line)."""
    return [
        f"Kestrel {index} line {line:02d}: " + "the quartz harbour stays calm tonight, " * 10
        for line in range(count)
    ]


@dataclass
class World:
    """A guild with one channel, Alice, the two fakes, and the bot runs made so far."""

    discord: FakeDiscord
    gemini: FakeGemini
    channel: FakeChannel
    alice: FakeUser
    tmp: Path
    audio: list[bytes]
    transcripts: dict[int, list[str]] = field(default_factory=dict)
    delays: dict[int, float] = field(default_factory=dict)
    same_words: dict[int, int] = field(default_factory=dict)  # note → note whose words it says
    runs: list[BotProcess] = field(default_factory=list)

    @property
    def log_path(self) -> Path:
        """Every run's stdout and stderr, appended."""
        return self.tmp / "bot.log"

    def note_of(self, request: RecordedRequest) -> int:
        """Which note a Gemini request is about (its audio is the note's bytes, as sent)."""
        data = base64.b64decode(request.audio_parts[0]["data"])
        return self.audio.index(data)

    def answer(self, request: RecordedRequest) -> Reply:
        """The note's own transcript, after the note's delay if it has one."""
        note = self.note_of(request)
        index = self.same_words.get(note, note)
        lines = self.transcripts.get(index) or note_lines(index)
        body = transcript_reply(*lines, summary=f"Kestrel {index} summary.")
        for number, segment in enumerate(body["segments"]):  # all within the short note
            segment["timestamp"] = "00:00" if number == 0 else "00:01"
        reply = Reply.json(body)
        if note in self.delays:
            return Reply.slow(self.delays[note], reply)
        return reply

    async def start_bot(self, **settings: object) -> BotProcess:
        """A new run on the same database; returns once it is connected and working."""
        env = bot_environment(self.discord, self.gemini, self.tmp / "data", **(SETTINGS | settings))
        before = len(self.discord.sessions)
        run = await BotProcess.start(env, cwd=self.tmp, log_path=self.log_path)
        self.runs.append(run)
        await run.wait_connected(self.discord, before)
        return run

    async def post_notes(self, count: int) -> list[StoredMessage]:
        """Alice posts notes 0..count-1, each once the previous one's job is queued (its ⏳),
        since the bot handles messages concurrently: jobs are then queued in note order."""
        notes = []
        for index in range(count):
            note = await self.discord.post_voice_message(
                self.channel, self.alice, self.audio[index]
            )
            queued = functools.partial(self.reacted, note, WORKING_EMOJI)
            await self.discord.wait_for(queued, what="the job to be queued")
            notes.append(note)
        return notes

    def replies(self, note: StoredMessage) -> list[StoredMessage]:
        """What the bot posted in the thread on ``note`` (thread id = note id) and did not
        delete."""
        return [m for m in self.discord.bot_messages() if m.channel_id == note.id and not m.deleted]

    def reacted(self, note: StoredMessage, emoji: str) -> bool:
        """Whether the bot's ``emoji`` is on the note."""
        return self.discord.bot_user.id in self.discord.reactions_on(note).get(emoji, [])

    def answered(self, note: StoredMessage) -> bool:
        """Whether the note has its ✅ (the last step of a delivery)."""
        return self.reacted(note, DONE_EMOJI)

    async def wait_answered(self, notes: list[StoredMessage], timeout: float = 30.0) -> None:
        """Until every note has its ✅."""
        await self.discord.wait_for(
            lambda: all(self.answered(n) for n in notes), timeout=timeout, what="every reply"
        )

    async def wait_requests(self, predicate: Callable[[Counter[int]], bool]) -> None:
        """Until the Gemini requests per note satisfy ``predicate``."""
        await self.discord.wait_for(
            lambda: predicate(self.requests_per_note()), timeout=20.0, what="Gemini requests"
        )

    def requests_per_note(self) -> Counter[int]:
        """How many Gemini requests each note got."""
        return Counter(self.note_of(r) for r in self.gemini.requests)

    def kill_on_bot_message(self, run: BotProcess, nth: int) -> None:
        """SIGKILL ``run`` the moment the fake stores the bot's ``nth`` message, before the
        bot hears back (so it cannot record the delivery)."""
        seen: list[int] = []

        def hook(message: StoredMessage) -> None:
            seen.append(message.id)
            if len(seen) == nth:
                run.kill()

        self.discord.on_bot_message(hook)

    async def stored_jobs(self, notes: list[StoredMessage]) -> list[tuple[Job, list[Delivery]]]:
        """The one job of each note, with its recorded parts (read after the runs ended)."""
        storage = await Storage.open(database_url(self.tmp / "data"))
        try:
            stored = []
            for note in notes:
                (job,) = await storage.jobs_for_message(note.id)
                stored.append((job, await storage.deliveries(job.id)))
            return stored
        finally:
            await storage.close()

    def assert_logs_private(self) -> None:
        """The logs of every run carry ids and sizes, never a secret or transcript words."""
        log = self.log_path.read_text(errors="replace")
        assert "queued" in log, "the bot's stderr was not captured"
        assert self.discord.token not in log
        assert self.gemini.api_key not in log
        assert "Kestrel" not in log  # every transcript line and summary starts with it
        assert "quartz" not in log


@pytest_asyncio.fixture
async def world(
    tmp_path: Path, distinct_voice_notes: list[bytes], pytestconfig: pytest.Config
) -> AsyncIterator[World]:
    """The fakes (with secrets unique to this test), the guild, and cleanup of every run."""
    token = f"restart-token.{secrets.token_hex(12)}"
    async with (
        FakeDiscord(token=token) as discord,
        FakeGemini(api_key=f"restart-key-{secrets.token_hex(12)}") as gemini,
    ):
        guild = discord.add_guild("Restart Guild")
        channel = discord.add_text_channel(guild, "general")
        alice = discord.make_user("alice")
        discord.add_member(guild, alice)
        world = World(discord, gemini, channel, alice, tmp_path, distinct_voice_notes[:NOTES])
        gemini.set_responder(world.answer)
        try:
            yield world
        finally:
            discord.on_bot_message(None)
            await asyncio.gather(*(run.ensure_stopped() for run in world.runs))
    check_fake_discord(discord, pytestconfig)


def assert_one_reply_each(world: World, notes: list[StoredMessage]) -> None:
    """Each note has one thread holding exactly its own transcript, once."""
    assert sorted(t.id for t in world.discord.threads_in(world.channel)) == [n.id for n in notes]
    for index, note in enumerate(notes):
        (reply,) = world.replies(note)
        assert note_lines(index)[0] in reply.content
    assert world.discord.bot_messages(world.channel) == []  # no error or stray message


async def assert_jobs_done(world: World, notes: list[StoredMessage], parts: int = 1) -> None:
    """Each note's one job ended DONE with every part recorded once, pointing at the
    message that was posted for it."""
    for note, (job, deliveries) in zip(notes, await world.stored_jobs(notes), strict=True):
        assert job.status is JobStatus.DONE, (job.id, job.status, job.error)
        assert [d.part for d in deliveries] == list(range(parts))
        assert [d.message_id for d in deliveries] == [m.id for m in world.replies(note)]


async def test_kill_9_with_five_jobs_in_flight(world: World) -> None:
    world.delays = dict.fromkeys(range(NOTES), SLOW_S)
    first = await world.start_bot(JOB_CONCURRENCY=NOTES)
    notes = await world.post_notes(NOTES)
    await world.wait_requests(lambda per_note: len(per_note) == NOTES)
    first.kill()
    assert await first.wait() == -9
    assert not any(world.answered(n) for n in notes)
    world.delays.clear()

    second = await world.start_bot(JOB_CONCURRENCY=NOTES)
    await world.wait_answered(notes)
    assert await second.terminate() == 0

    assert_one_reply_each(world, notes)
    # Each note's first request died with the killed run before any result was stored, so
    # the next run asked again: exactly twice per note, never more.
    assert world.requests_per_note() == dict.fromkeys(range(NOTES), 2)
    await assert_jobs_done(world, notes)
    world.assert_logs_private()


@pytest.mark.parametrize("nonces_forgotten", [False, True], ids=["nonce-window", "nonce-expired"])
async def test_kill_right_after_the_reply_post(world: World, nonces_forgotten: bool) -> None:
    first = await world.start_bot()
    world.kill_on_bot_message(first, nth=1)
    (note,) = await world.post_notes(1)
    assert await first.wait() == -9
    world.discord.on_bot_message(None)
    (posted,) = world.replies(note)  # on Discord, but the bot never heard back
    if nonces_forgotten:
        world.discord.forget_nonces()  # the restart comes later than Discord's nonce window

    second = await world.start_bot()
    await world.wait_answered([note])
    assert await second.terminate() == 0

    assert world.replies(note) == [posted]
    assert_one_reply_each(world, [note])
    assert world.requests_per_note() == {0: 1}  # the result was stored before delivering
    await assert_jobs_done(world, [note])
    world.assert_logs_private()


async def test_kill_halfway_through_a_multi_message_reply(world: World) -> None:
    world.transcripts[0] = lines = long_note_lines(0)
    first = await world.start_bot(INLINE_MESSAGE_CAP=20)
    world.kill_on_bot_message(first, nth=2)
    (note,) = await world.post_notes(1)
    assert await first.wait() == -9
    world.discord.on_bot_message(None)
    before = world.replies(note)
    assert len(before) == 2

    second = await world.start_bot(INLINE_MESSAGE_CAP=20)
    await world.wait_answered([note])
    assert await second.terminate() == 0

    parts = world.replies(note)
    assert len(parts) >= 4
    assert parts[:2] == before  # the killed run's two parts stand, not re-posted
    assert len({p.content for p in parts}) == len(parts)
    text = "\n".join(p.content for p in parts)
    starts = [text.index(f"Kestrel 0 line {n:02d}:") for n in range(len(lines))]
    assert starts == sorted(starts)  # every line, in order ...
    assert all(text.count(f"Kestrel 0 line {n:02d}:") == 1 for n in range(len(lines)))  # once
    assert [a.filename for a in parts[-1].attachments] == [
        "transcript.json",
        "transcript.txt",
        "transcript.srt",
    ]
    assert not any(p.attachments for p in parts[:-1])
    await assert_jobs_done(world, [note], parts=len(parts))
    world.assert_logs_private()


async def test_sigterm_finishes_or_requeues_running_jobs_then_exits_0(world: World) -> None:
    # Two workers: note 0 finishes within the grace period, note 1 cannot (requeued), and
    # note 2 waits in the queue, untouched, for the next run.
    world.delays = {0: 1.0, 1: SLOW_S}
    first = await world.start_bot(JOB_CONCURRENCY=2, SHUTDOWN_GRACE_SECONDS=5)
    notes = await world.post_notes(3)
    await world.wait_requests(lambda per_note: per_note == {0: 1, 1: 1})
    assert await first.terminate() == 0
    assert [len(world.replies(n)) for n in notes] == [1, 0, 0]
    assert world.answered(notes[0])

    world.delays.clear()
    second = await world.start_bot(JOB_CONCURRENCY=2)
    await world.wait_answered(notes)
    assert await second.terminate() == 0

    assert_one_reply_each(world, notes)
    # Note 1's first request was cut off by the shutdown: asked again, once.
    assert world.requests_per_note() == {0: 1, 1: 2, 2: 1}
    await assert_jobs_done(world, notes)
    world.assert_logs_private()


async def test_a_resumed_job_does_not_mistake_another_notes_identical_reply(world: World) -> None:
    # No threads here: replies go in the channel. Two notes say the same words; note 0 is
    # answered after note 1 was posted, then the bot dies while note 1 waits for Gemini.
    world.discord.set_bot_permissions(world.channel, denied={"CREATE_PUBLIC_THREADS"})
    world.same_words, world.delays = {1: 0}, {1: SLOW_S}
    first = await world.start_bot(JOB_CONCURRENCY=2)
    notes = await world.post_notes(2)
    await world.wait_requests(lambda per_note: per_note == {0: 1, 1: 1})
    await world.wait_answered(notes[:1])
    first.kill()
    assert await first.wait() == -9
    world.delays.clear()

    second = await world.start_bot(JOB_CONCURRENCY=2)
    await world.wait_answered(notes)
    assert await second.terminate() == 0

    replies = world.discord.bot_messages(world.channel)
    assert [r.message_reference and int(r.message_reference["message_id"]) for r in replies] == [
        n.id for n in notes
    ]  # one reply each, on its own note
    assert replies[0].content == replies[1].content
    world.assert_logs_private()


async def test_a_status_message_posted_by_a_killed_run_is_removed_by_the_next(
    world: World,
) -> None:
    # One worker: note 2 waits behind note 1 (note 0 is being worked on) and says so in its
    # thread; the bot dies while note 0 waits for Gemini. The next run answers all three and
    # removes that "Queued" message.
    world.delays = {0: SLOW_S}
    first = await world.start_bot(JOB_CONCURRENCY=1)
    notes = await world.post_notes(3)
    await world.discord.wait_for(
        lambda: any("Queued: 1 ahead" in m.content for m in world.replies(notes[2])),
        what="note 2's queue position",
    )
    first.kill()
    assert await first.wait() == -9
    (queued,) = world.replies(notes[2])
    world.delays.clear()

    second = await world.start_bot(JOB_CONCURRENCY=1)
    await world.wait_answered(notes)
    assert await second.terminate() == 0

    assert world.discord.message(queued.id).deleted
    assert_one_reply_each(world, notes)
    await assert_jobs_done(world, notes)
    world.assert_logs_private()
