"""Slash commands and message context menus: /transcribe, /summarize, /ask, and
"Transcribe voice note" / "Summarize voice note" on any message with audio.

The commands take an ``attachment`` or a ``link`` (exactly one): a YouTube video (where the
server turned links on) or a message in this server (:mod:`cogs._links`). Each command
acknowledges at once (defer: Discord allows 3 seconds), records a job and returns; the job
runner posts the result as followups (or, once the 15-minute token has expired, in the
channel — or by DM for private results).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import InvalidOptions
from bot.jobs import Consent, JobRunner
from bot.links import MAX_LINK_CHARS, VideoLink
from bot.model import Mode
from bot.options import MAX_QUESTION_CHARS, JobOptions, JobSpec, Origin
from bot.storage import JobRequest
from bot.storage.ports import JobQueue, SettingsReader
from bot.timecodes import parse_user_timecode
from cogs._audio import first_audio, is_audio_attachment
from cogs._common import AnyBot, language_autocomplete
from cogs._forward import NoteAuthor
from cogs._links import MessageLink, linked_message, moderates, parse_link
from cogs.delivery import NO_MENTIONS, queued_text
from cogs.members import is_exempt_member

Interaction = discord.Interaction[Any]


class CommandStore(SettingsReader, JobQueue, Protocol):
    """Settings (exempt roles) and the queue (to report a position)."""


EXACTLY_ONE = "Give me either an attachment or a link (one of the two)."
LINKS_OFF = (
    "Video links are off in this server: they cost more than voice notes. A server admin can "
    "turn them on with `/voicenotes-admin settings links:True`."
)
ATTACHMENT_HELP = "The voice note, audio or video file (or use link)"
LINK_HELP = "A YouTube video, or a link to a message with audio in this server"


def _time(value: str | None, field: str) -> float | None:
    return parse_user_timecode(value, field=field) if value else None


@dataclass(frozen=True)
class NoteSource:
    """What a command is about: an attachment (of a message, for menus and message links,
    with its author) or a video Gemini fetches itself."""

    attachment: discord.Attachment | None = None
    message: discord.Message | None = None
    author: NoteAuthor | None = None
    video_url: str | None = None


def command_request(
    interaction: Interaction, spec: JobSpec, source: NoteSource, private: bool, origin: Origin
) -> JobRequest:
    """The job of one command (keyed by its interaction: a retried event is one job)."""
    attachment, message, author = source.attachment, source.message, source.author
    elsewhere = message is not None and message.channel.id != interaction.channel_id
    return JobRequest(
        dedupe_key=f"{origin.value}:{interaction.id}",
        origin=origin,
        spec=spec,
        channel_id=interaction.channel_id or interaction.user.id,
        guild_id=interaction.guild_id,
        message_id=message.id if message else None,
        attachment_id=attachment.id if attachment else None,
        attachment_url=attachment.url if attachment else None,
        filename=attachment.filename if attachment else None,
        author_id=author.user_id if author else interaction.user.id,
        requester_id=interaction.user.id,
        interaction_id=interaction.id,
        interaction_token=interaction.token,
        private=private,
        source_channel_id=message.channel.id if message is not None and elsewhere else None,
    )


class VoiceCommands(commands.Cog):
    """The commands anyone can use."""

    def __init__(
        self, bot: AnyBot, runner: JobRunner, store: CommandStore, consent: Consent
    ) -> None:
        self._bot = bot
        self._runner = runner
        self._store = store
        self._consent = consent
        self._menus = [
            app_commands.ContextMenu(name="Transcribe voice note", callback=self.menu_transcribe),
            app_commands.ContextMenu(name="Summarize voice note", callback=self.menu_summarize),
        ]

    async def cog_load(self) -> None:
        """Context menus can't live in a cog class body; register them with the tree."""
        for menu in self._menus:
            self._bot.tree.add_command(menu)

    async def cog_unload(self) -> None:
        """Remove the context menus again."""
        for menu in self._menus:
            self._bot.tree.remove_command(menu.name, type=menu.type)

    async def _queue(
        self,
        interaction: Interaction,
        options: JobOptions,
        source: NoteSource,
        *,
        private: bool,
        origin: Origin = Origin.SLASH,
    ) -> None:
        """Acknowledge, record the job and say where it stands in the queue. Everything that
        can be refused without a download (the options, the source, the attachment's type)
        is checked before the acknowledgement, so a refusal is a private answer of its own."""
        attachment = source.attachment
        if attachment is not None and not is_audio_attachment(attachment):
            raise InvalidOptions(f"{attachment.filename[:80]} doesn't look like audio or video.")
        await interaction.response.defer(ephemeral=private, thinking=True)
        spec = JobSpec(
            options=options,
            quota_exempt=await self._exempt(interaction),
            forwarded_by=source.author.forwarded_by if source.author else None,
            video_url=source.video_url,
        )
        request = command_request(interaction, spec, source, private, origin)
        job, _ = await self._runner.submit(request)
        ahead = await self._store.queue_position(job.id)
        if ahead > 0:
            await interaction.edit_original_response(
                content=queued_text(ahead), allowed_mentions=NO_MENTIONS
            )

    async def _source(
        self,
        interaction: Interaction,
        attachment: discord.Attachment | None,
        link: str | None,
        mode: Mode,
    ) -> NoteSource:
        """The command's one source: the attachment, or what the link points at."""
        if (attachment is None) == (link is None):
            raise InvalidOptions(EXACTLY_ONE)
        if attachment is not None:
            return NoteSource(attachment=attachment)
        assert link is not None
        target = parse_link(link)
        if isinstance(target, VideoLink):
            await self._require_links(interaction)
            return NoteSource(video_url=target.url)
        return await self._from_message_link(interaction, target, mode)

    async def _require_links(self, interaction: Interaction) -> None:
        guild_id = interaction.guild_id
        if guild_id is None or not (await self._store.guild_settings(guild_id)).links_enabled:
            raise InvalidOptions(LINKS_OFF)

    async def _from_message_link(
        self, interaction: Interaction, link: MessageLink, mode: Mode
    ) -> NoteSource:
        message = await linked_message(interaction, link)
        moderator = moderates(message.channel, interaction.user)
        return await self._note_of(interaction, message, mode, moderator=moderator)

    async def _note_of(
        self, interaction: Interaction, message: discord.Message, mode: Mode, *, moderator: bool
    ) -> NoteSource:
        """A message's first audio and its author, once the author's consent allows it."""
        attachment = first_audio(message)
        if attachment is None:
            raise InvalidOptions("That message has no audio or video attachment.")
        author = await NoteAuthor.of(message)
        await self._consent.require(  # before any work: refused at once, privately
            author_id=author.user_id,
            requester_id=interaction.user.id,
            guild_id=interaction.guild_id,
            moderator=moderator,
            detail={"channel_id": message.channel.id, "message_id": message.id, "mode": mode},
        )
        return NoteSource(attachment=attachment, message=message, author=author)

    async def _exempt(self, interaction: Interaction) -> bool:
        """Whether the requester holds one of the server's quota-exempt roles."""
        if interaction.guild_id is None:
            return False
        settings = await self._store.guild_settings(interaction.guild_id)
        return is_exempt_member(interaction.user, settings)

    @app_commands.command(name="transcribe", description="Transcribe an audio or video file")
    @app_commands.describe(
        attachment=ATTACHMENT_HELP,
        link=LINK_HELP,
        translate_to="Translate non-matching speech into this language (default English)",
        language="The language spoken, if you know it (helps short clips)",
        start="Start at this time: MM:SS, H:MM:SS or seconds",
        end="Stop at this time: MM:SS, H:MM:SS or seconds",
        private="Only you see the result",
    )
    @app_commands.autocomplete(translate_to=language_autocomplete, language=language_autocomplete)
    async def transcribe(
        self,
        interaction: Interaction,
        attachment: discord.Attachment | None = None,
        link: app_commands.Range[str, 1, MAX_LINK_CHARS] | None = None,
        translate_to: str | None = None,
        language: str | None = None,
        start: str | None = None,
        end: str | None = None,
        private: bool = False,
    ) -> None:
        """/transcribe"""
        options = JobOptions(
            mode=Mode.TRANSCRIPT,
            translate_to=translate_to or "English",
            language=language,
            start_s=_time(start, "start"),
            end_s=_time(end, "end"),
        )
        source = await self._source(interaction, attachment, link, options.mode)
        await self._queue(interaction, options, source, private=private)

    @app_commands.command(name="summarize", description="Summarize an audio or video file")
    @app_commands.describe(
        attachment=ATTACHMENT_HELP, link=LINK_HELP, private="Only you see the result"
    )
    async def summarize(
        self,
        interaction: Interaction,
        attachment: discord.Attachment | None = None,
        link: app_commands.Range[str, 1, MAX_LINK_CHARS] | None = None,
        private: bool = False,
    ) -> None:
        """/summarize"""
        options = JobOptions(mode=Mode.SUMMARY)
        source = await self._source(interaction, attachment, link, options.mode)
        await self._queue(interaction, options, source, private=private)

    @app_commands.command(name="ask", description="Ask a question about an audio or video file")
    @app_commands.describe(
        question="What you want to know about it",
        attachment=ATTACHMENT_HELP,
        link=LINK_HELP,
        private="Only you see the answer",
    )
    async def ask(
        self,
        interaction: Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION_CHARS],
        attachment: discord.Attachment | None = None,
        link: app_commands.Range[str, 1, MAX_LINK_CHARS] | None = None,
        private: bool = False,
    ) -> None:
        """/ask"""
        options = JobOptions(mode=Mode.ASK, question=question)
        source = await self._source(interaction, attachment, link, options.mode)
        await self._queue(interaction, options, source, private=private)

    async def _menu(self, interaction: Interaction, message: discord.Message, mode: Mode) -> None:
        moderator = interaction.permissions.manage_messages  # in the note's own channel
        source = await self._note_of(interaction, message, mode, moderator=moderator)
        await self._queue(
            interaction, JobOptions(mode=mode), source, private=False, origin=Origin.CONTEXT
        )

    async def menu_transcribe(self, interaction: Interaction, message: discord.Message) -> None:
        """Message menu: Transcribe voice note."""
        await self._menu(interaction, message, Mode.TRANSCRIPT)

    async def menu_summarize(self, interaction: Interaction, message: discord.Message) -> None:
        """Message menu: Summarize voice note."""
        await self._menu(interaction, message, Mode.SUMMARY)
