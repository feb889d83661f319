"""Slash commands and message context menus: /transcribe, /summarize, /ask, and
"Transcribe voice note" / "Summarize voice note" on any message with audio.

Each command acknowledges at once (defer: Discord allows 3 seconds), records a job and
returns; the job runner posts the result as followups (or, once the 15-minute token has
expired, in the channel — or by DM for private results).
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import InvalidOptions
from bot.jobs import JobRunner
from bot.jobs_options import JobOptions
from bot.model import Mode
from bot.policy import QUOTA_EXEMPT, require_consent
from bot.storage import JobRequest, Storage
from bot.timecodes import parse_user_timecode
from cogs._common import AnyBot, first_audio, is_audio_attachment, language_autocomplete
from cogs.members import is_exempt_member

Interaction = discord.Interaction[Any]


def _check_options(mode: Mode, options: dict[str, Any]) -> None:
    """Validate now, so a bad option is answered at once instead of after a download."""
    JobOptions(mode=mode, **{k: v for k, v in options.items() if k != "output_mode"})


def _time(value: str | None, field: str) -> float | None:
    return parse_user_timecode(value, field=field) if value else None


class VoiceCommands(commands.Cog):
    """The commands anyone can use."""

    def __init__(self, bot: AnyBot, runner: JobRunner, storage: Storage) -> None:
        self._bot = bot
        self._runner = runner
        self._storage = storage
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
        *,
        mode: Mode,
        attachment: discord.Attachment,
        options: dict[str, Any],
        private: bool,
        message: discord.Message | None = None,
    ) -> None:
        await interaction.response.defer(ephemeral=private, thinking=True)
        _check_options(mode, options)
        if not is_audio_attachment(attachment):
            raise InvalidOptions(f"{attachment.filename[:80]} doesn't look like audio or video.")
        origin = "context" if message is not None else "slash"
        request = JobRequest(
            dedupe_key=f"{origin}:{interaction.id}",
            origin=origin,
            mode=mode.value,
            channel_id=interaction.channel_id or interaction.user.id,
            guild_id=interaction.guild_id,
            message_id=message.id if message else None,
            attachment_id=attachment.id,
            attachment_url=attachment.url,
            filename=attachment.filename,
            author_id=message.author.id if message else interaction.user.id,
            requester_id=interaction.user.id,
            interaction_id=interaction.id,
            interaction_token=interaction.token,
            private=private,
            options=await self._with_exemption(interaction, options),
        )
        job, _ = await self._runner.submit(request)
        ahead = await self._storage.queue_position(job.id)
        if ahead > 0:
            await interaction.edit_original_response(
                content=f"⏳ Queued: {ahead} ahead of you.",
                allowed_mentions=discord.AllowedMentions.none(),
            )

    async def _with_exemption(
        self, interaction: Interaction, options: dict[str, Any]
    ) -> dict[str, Any]:
        """The options, marked quota-exempt when the requester holds an exempt role."""
        if interaction.guild_id is None:
            return options
        settings = await self._storage.guild_settings(interaction.guild_id)
        if not is_exempt_member(interaction.user, settings):
            return options
        return {**options, QUOTA_EXEMPT: True}

    @app_commands.command(name="transcribe", description="Transcribe an audio or video file")
    @app_commands.describe(
        attachment="The voice note, audio or video file",
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
        attachment: discord.Attachment,
        translate_to: str | None = None,
        language: str | None = None,
        start: str | None = None,
        end: str | None = None,
        private: bool = False,
    ) -> None:
        """/transcribe"""
        options = {
            "translate_to": translate_to or "English",
            "language": language,
            "start_s": _time(start, "start"),
            "end_s": _time(end, "end"),
        }
        await self._queue(
            interaction, mode=Mode.TRANSCRIPT, attachment=attachment, options=options,
            private=private,
        )  # fmt: skip

    @app_commands.command(name="summarize", description="Summarize an audio or video file")
    @app_commands.describe(
        attachment="The voice note, audio or video file",
        private="Only you see the result",
    )
    async def summarize(
        self, interaction: Interaction, attachment: discord.Attachment, private: bool = False
    ) -> None:
        """/summarize"""
        await self._queue(
            interaction, mode=Mode.SUMMARY, attachment=attachment, options={}, private=private
        )

    @app_commands.command(name="ask", description="Ask a question about an audio or video file")
    @app_commands.describe(
        attachment="The voice note, audio or video file",
        question="What you want to know about it",
        private="Only you see the answer",
    )
    async def ask(
        self,
        interaction: Interaction,
        attachment: discord.Attachment,
        question: app_commands.Range[str, 1, 500],
        private: bool = False,
    ) -> None:
        """/ask"""
        await self._queue(
            interaction, mode=Mode.ASK, attachment=attachment,
            options={"question": question}, private=private,
        )  # fmt: skip

    async def _menu(self, interaction: Interaction, message: discord.Message, mode: Mode) -> None:
        attachment = first_audio(message)
        if attachment is None:
            raise InvalidOptions("That message has no audio or video attachment.")
        await require_consent(  # before any work: refused at once, privately
            self._storage, author_id=message.author.id, requester_id=interaction.user.id,
            guild_id=interaction.guild_id, moderator=interaction.permissions.manage_messages,
            detail={"channel_id": message.channel.id, "message_id": message.id,
                    "mode": mode.value},
        )  # fmt: skip
        await self._queue(
            interaction, mode=mode, attachment=attachment, options={}, private=False,
            message=message,
        )  # fmt: skip

    async def menu_transcribe(self, interaction: Interaction, message: discord.Message) -> None:
        """Message menu: Transcribe voice note."""
        await self._menu(interaction, message, Mode.TRANSCRIPT)

    async def menu_summarize(self, interaction: Interaction, message: discord.Message) -> None:
        """Message menu: Summarize voice note."""
        await self._menu(interaction, message, Mode.SUMMARY)
