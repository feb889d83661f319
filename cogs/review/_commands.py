"""/review list, show and export: for moderators, always private.

Registered with Manage Messages as its default permission (Discord shows the commands to
members with it); the runtime check also admits the server's moderator role, which admins
grant the commands to in Server Settings → Integrations. Everything is limited to this
server and to the channels the requester can view: an id from elsewhere answers exactly
like an unknown one.
"""

from __future__ import annotations

import io
from typing import Any, Protocol

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import InvalidOptions
from bot.model import FlagCategory
from bot.review import ExportFormat, ListFilters, Review, Viewer, parse_when
from bot.storage import Clock, ListStatus
from bot.storage.ports import SettingsReader
from cogs.review._access import interaction_viewer
from cogs.review._items import page_buttons
from cogs.review._render import list_embed, send_transcript

Interaction = discord.Interaction[Any]
NO_MENTIONS = discord.AllowedMentions.none()
STATUS_CHOICES = [app_commands.Choice(name=s.value, value=s.value) for s in ListStatus]
CATEGORY_CHOICES = [app_commands.Choice(name=c.value, value=c.value) for c in FlagCategory]
FORMAT_CHOICES = [app_commands.Choice(name=f.value, value=f.value) for f in ExportFormat]
MAX_EXPORT_BYTES = 8 * 1024 * 1024
TOO_BIG = "That export is over 8 MiB; choose a shorter period with `since` and `until`."


class CommandStore(SettingsReader, Protocol):
    """Settings (the moderator role)."""


@app_commands.guild_only()
@app_commands.default_permissions(manage_messages=True)
class ReviewCommands(commands.GroupCog, group_name="review"):
    """Moderators' review of voice notes."""

    def __init__(self, review: Review, store: CommandStore, clock: Clock) -> None:
        super().__init__()
        self._review = review
        self._store = store
        self._clock = clock

    async def _viewer(self, interaction: Interaction) -> Viewer:
        assert interaction.guild_id is not None
        viewer = interaction_viewer(
            interaction, await self._store.guild_settings(interaction.guild_id)
        )
        viewer.require_moderator()
        return viewer

    @app_commands.command(name="list", description="Voice note cards, 10 per page")
    @app_commands.describe(
        status="Which cards (default: unreviewed)",
        user="Only notes by this member",
        channel="Only notes from this channel",
        since="From: a date like 2030-01-31 (UTC) or an age like 7d",
        until="Until: a date like 2030-01-31 (UTC) or an age like 12h",
        category="Only notes with a flag of this category",
        text="Words to find in summaries and flag reasons",
    )
    @app_commands.choices(status=STATUS_CHOICES, category=CATEGORY_CHOICES)
    async def list_cards(
        self,
        interaction: Interaction,
        status: str = ListStatus.UNREVIEWED.value,
        user: discord.User | None = None,
        channel: discord.TextChannel | discord.Thread | discord.VoiceChannel | None = None,
        since: str | None = None,
        until: str | None = None,
        category: str | None = None,
        text: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        """The first page of matching cards, privately, with Previous/Next."""
        viewer = await self._viewer(interaction)
        filters = ListFilters(
            status=ListStatus(status),
            author_id=user.id if user else None,
            channel_id=channel.id if channel else None,
            since=parse_when(since, now=self._clock(), field="since") if since else None,
            until=parse_when(until, now=self._clock(), field="until", end=True) if until else None,
            category=FlagCategory(category) if category else None,
            text=text,
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        page = await self._review.queries.first_page(viewer, filters)
        await interaction.edit_original_response(
            embed=list_embed(page),
            view=page_buttons(page.query_id, page.page, page.pages),
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="show", description="One card, privately, with its transcript")
    @app_commands.describe(id="The card's id (shown on the card and in /review list)")
    async def show(self, interaction: Interaction, id: app_commands.Range[int, 1]) -> None:
        """The card and the transcript files, privately."""
        viewer = await self._viewer(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        card, document = await self._review.actions.transcript(viewer, id, audit_as="review.show")
        settings = await self._store.guild_settings(card.guild_id)
        await send_transcript(interaction, card, document, settings)

    @app_commands.command(name="export", description="Cards and audit entries as a file")
    @app_commands.describe(
        since="From: a date like 2030-01-31 (UTC) or an age like 30d",
        until="Until: a date like 2030-01-31 (UTC) or an age like 1d",
        format="csv (two files: cards, audit) or json (one file)",
    )
    @app_commands.choices(format=FORMAT_CHOICES)
    async def export(
        self,
        interaction: Interaction,
        since: str | None = None,
        until: str | None = None,
        format: str = ExportFormat.CSV.value,
    ) -> None:
        """A private file: one row per card and the audit entries of the period."""
        viewer = await self._viewer(interaction)
        now = self._clock()
        start = parse_when(since, now=now, field="since") if since else None
        end = parse_when(until, now=now, field="until", end=True) if until else None
        await interaction.response.defer(ephemeral=True, thinking=True)
        files = await self._review.queries.export(
            viewer, since=start, until=end, fmt=ExportFormat(format)
        )
        if any(len(data) > MAX_EXPORT_BYTES for _, data in files):
            raise InvalidOptions(TOO_BIG)
        attached = [discord.File(io.BytesIO(data), filename=name) for name, data in files]
        await interaction.followup.send(
            f"Export of {len(files)} file{'s' if len(files) > 1 else ''}.",
            files=attached,
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
