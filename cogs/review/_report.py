"""**Report voice note**: the message menu open to everyone, wherever the bot can see the
note (automatic transcription on or off). The answer is private and nothing appears in
the source channel: no reaction, no message, no thread (see :mod:`bot.review._reports`)."""

from __future__ import annotations

from typing import Any, Protocol

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import InvalidOptions
from bot.model import Mode
from bot.options import JobOptions, JobSpec, Origin
from bot.review import NoteFacts, Review
from bot.storage import JobRequest
from bot.storage.ports import SettingsReader
from cogs._audio import first_audio
from cogs._common import AnyBot
from cogs._forward import NoteAuthor
from cogs.review._port import DiscordReviewPort, place_of

Interaction = discord.Interaction[Any]
MENU = "Report voice note"


class ReportStore(SettingsReader, Protocol):
    """Settings (the language summaries are written in)."""


def report_request(
    message: discord.Message,
    attachment: discord.Attachment,
    facts: NoteFacts,
    translate_to: str,
    reporter_id: int,
) -> JobRequest:
    """The job a report queues when the note has no result yet: one per note whoever
    reports it, private (its only output is the card), paid by the server."""
    return JobRequest(
        dedupe_key=f"report:{message.id}:{attachment.id}",
        origin=Origin.REPORT,
        spec=JobSpec(
            options=JobOptions(mode=Mode.TRANSCRIPT, translate_to=translate_to),
            server_pays=True,
        ),
        channel_id=message.channel.id,
        guild_id=facts.place.guild_id,
        message_id=message.id,
        attachment_id=attachment.id,
        attachment_url=attachment.url,
        filename=attachment.filename,
        author_id=facts.author_id,
        requester_id=reporter_id,
        private=True,
    )


class ReportCommand(commands.Cog):
    """The Report voice note menu."""

    def __init__(
        self, bot: AnyBot, review: Review, port: DiscordReviewPort, store: ReportStore
    ) -> None:
        self._bot = bot
        self._review = review
        self._port = port
        self._store = store
        self._menu = app_commands.ContextMenu(name=MENU, callback=self.report)
        app_commands.guild_only()(self._menu)

    async def cog_load(self) -> None:
        """Context menus can't live in a cog class body; register it with the tree."""
        self._bot.tree.add_command(self._menu)

    async def cog_unload(self) -> None:
        """Remove the menu again."""
        self._bot.tree.remove_command(self._menu.name, type=self._menu.type)

    async def report(self, interaction: Interaction, message: discord.Message) -> None:
        """Report the note to the moderators; the reporter alone is answered."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        attachment = first_audio(message)
        if attachment is None or interaction.guild_id is None:
            raise InvalidOptions("That message has no voice note or audio to report.")
        author = await NoteAuthor.of(message)
        name = message.author.display_name
        if author.user_id != message.author.id:  # a forward: the original's author
            name = await self._port.author_name(interaction.guild_id, author.user_id)
        facts = NoteFacts(
            place=place_of(message.channel, interaction.guild_id, message.id, attachment.id),
            author_id=author.user_id,
            author_name=name,
            note_at=message.created_at,
            jump_channel_id=message.channel.id,
            jump_message_id=message.id,
        )
        settings = await self._store.guild_settings(interaction.guild_id)
        request = report_request(
            message, attachment, facts, settings.translate_to, interaction.user.id
        )
        text = await self._review.reports.report(interaction.user.id, facts, request)
        await interaction.edit_original_response(
            content=text, allowed_mentions=discord.AllowedMentions.none()
        )
