"""Without the Message Content intent the bot keeps its promise: commands and context menus
still work, and only automatic transcription (which needs the files of messages) is off.

The real ``python -m bot run`` (see :mod:`testkit.bot_process`) meets what Discord does
when the portal switch is off: IDENTIFY asking for the intent is closed with 4014, the bot
connects again without it, and guild messages then arrive with no content and no files.
"""

# Test helpers take an explicit timeout like asyncio.wait_for; that is the API.

from __future__ import annotations

from pathlib import Path

from bot.options import Origin
from bot.storage import JobStatus, Storage
from testkit.bot_process import BotProcess, bot_environment, database_url
from testkit.discord import FakeAttachment, FakeDiscord, StoredMessage
from testkit.gemini import FakeGemini, Reply
from tests.helpers.harness import transcript_reply
from tests.helpers.polling import wait_no_unfinished_jobs

MESSAGE_CONTENT = 1 << 15  # the intent's bit in IDENTIFY


async def _jobs_by_origin(data_dir: Path) -> dict[Origin, JobStatus]:
    """Once the bot's queue is empty: every job it made, by origin."""
    storage = await Storage.open(database_url(data_dir))
    try:
        await wait_no_unfinished_jobs(storage)
        jobs, job_id = {}, 1
        while (job := await storage.get_job(job_id)) is not None:  # ids count from 1
            jobs[job.origin] = job.status
            job_id += 1
        return jobs
    finally:
        await storage.close()


def _seen_by_bot(discord: FakeDiscord, note: StoredMessage) -> dict[str, object]:
    """The MESSAGE_CREATE of ``note`` as the bot's session received it."""
    (event,) = [
        e
        for e in discord.sessions[-1].log
        if e.event == "MESSAGE_CREATE" and e.data["id"] == str(note.id)
    ]
    return event.data


async def _menu_and_command(
    discord: FakeDiscord, note: StoredMessage, memo: FakeAttachment
) -> list[str]:
    """The note's author runs the context menu on it, then /transcribe on ``memo``; what
    each got back."""
    alice = note.author
    menu = await discord.invoke_message_command(
        "Transcribe voice note", user=alice, target_message=note
    )
    (from_menu,) = await menu.wait_followups(1, timeout=30)
    slash = await discord.invoke_slash_command(
        "transcribe", user=alice, channel=note.channel_id, options={"attachment": memo}
    )
    (from_slash,) = await slash.wait_followups(1, timeout=30)
    return [from_menu.content, from_slash.content]


async def test_without_message_content_commands_and_menus_still_transcribe(
    fake_discord: FakeDiscord,
    fake_gemini: FakeGemini,
    tmp_path: Path,
    voice_note_bytes: bytes,
    format_files: dict[str, Path],
) -> None:
    fake_discord.granted_intents.discard("MESSAGE_CONTENT")  # the portal switch is off
    guild = fake_discord.add_guild()
    channel = fake_discord.add_text_channel(guild, "general")
    alice = fake_discord.make_user("alice")
    fake_discord.add_member(guild, alice)
    fake_gemini.set_responder(lambda _r: Reply.json(transcript_reply("Heard all the same.")))
    env = bot_environment(fake_discord, fake_gemini, tmp_path / "data", LOG_LEVEL="INFO")
    run = await BotProcess.start(env, cwd=tmp_path, log_path=tmp_path / "bot.log")
    memo = FakeAttachment("memo.mp3", format_files["mp3"].read_bytes(), "audio/mpeg")
    try:
        await run.wait_connected(fake_discord, 0)
        note = await fake_discord.post_voice_message(channel, alice, voice_note_bytes)
        answers = await _menu_and_command(fake_discord, note, memo)
        jobs = await _jobs_by_origin(tmp_path / "data")
    finally:
        await run.ensure_stopped()
    assert all("Heard all the same." in answer for answer in answers)
    # Asked with the intent, refused (4014), connected again without it.
    intents = [identify["intents"] for identify in fake_discord.identify_payloads]
    assert [bool(i & MESSAGE_CONTENT) for i in intents] == [True, False]
    assert "Message Content intent is not enabled" in run.log_tail()
    # The note arrived without its file, so nothing automatic happened: no job, no
    # reaction, no thread; only the two commands were done.
    seen = _seen_by_bot(fake_discord, note)
    assert (seen["attachments"], seen["content"]) == ([], "")
    assert jobs == {Origin.CONTEXT: JobStatus.DONE, Origin.SLASH: JobStatus.DONE}
    assert fake_discord.reactions_on(note) == {}
    assert fake_discord.threads == []
