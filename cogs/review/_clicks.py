"""Clicks on review's persistent buttons, and the sweep that posts cards that never got out.

Every click is answered within Discord's 3 seconds. Anyone but a moderator gets a private
refusal and nothing changes. **Mark reviewed** and **Flag**/**Unflag** acknowledge with a
deferred update (type 6) and the card is edited in place; **Show transcript** and
**Re-run** answer privately; **Delete original** asks for a private confirmation first,
whose button updates that message (type 7) as it works.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import discord
from discord.ext import commands, tasks

from bot.errors import VoiceNoteError
from bot.review import Interaction as Answering
from bot.review import NotAModerator, Review, Viewer
from bot.storage.ports import SettingsReader
from cogs._common import DISCORD_REFUSALS, AnyBot, refusal
from cogs.errors import answer
from cogs.review._access import interaction_viewer
from cogs.review._items import CONFIRM_DELETE, confirm_delete_view, page_buttons
from cogs.review._render import list_embed, send_transcript

log = logging.getLogger(__name__)
Interaction = discord.Interaction[Any]
NO_MENTIONS = discord.AllowedMentions.none()
CONFIRM = (
    "Delete the original voice note by **{author}** in <#{channel}>? This can't be undone; "
    "the card stays as a tombstone with its summary and flags."
)
RERUNNING = "⏳ Re-running this note without the cache; the card updates when it is done."
DELETED = "Deleted. The card stays as a tombstone saying who deleted the original and when."


class ClicksStore(SettingsReader, Protocol):
    """The server's review settings (its moderator role)."""


class ReviewClicks(commands.Cog):
    """Handles the ``review_button`` and ``review_page`` events of :mod:`cogs.review._items`."""

    def __init__(self, bot: AnyBot, review: Review, store: ClicksStore) -> None:
        self._bot = bot
        self._review = review
        self._store = store

    async def cog_load(self) -> None:
        """Start the sweep."""
        self.sweep.start()

    async def cog_unload(self) -> None:
        """Stop the sweep."""
        self.sweep.cancel()

    @tasks.loop(minutes=1)
    async def sweep(self) -> None:
        """Post the cards of this process's servers that never reached their channel."""
        try:
            tried = await self._review.publisher.post_pending([g.id for g in self._bot.guilds])
        except Exception:  # a database or Discord hiccup must not stop the loop
            log.exception("review sweep failed; trying again in a minute")
            return
        if tried:
            log.info("review sweep: %d cards tried", tried)

    async def _moderator(self, interaction: Interaction) -> Viewer | None:
        """The clicking moderator; anyone else is refused privately (nothing changes)."""
        if interaction.guild_id is None:
            return None
        viewer = interaction_viewer(
            interaction, await self._store.guild_settings(interaction.guild_id)
        )
        if not viewer.moderator:
            await interaction.response.send_message(
                f"⚠️ {NotAModerator().user_message}", ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return None
        return viewer

    @commands.Cog.listener()
    async def on_review_button(self, interaction: Interaction, action: str, card_id: int) -> None:
        """A card's button (or the delete confirmation)."""
        try:
            viewer = await self._moderator(interaction)
            if viewer is not None:
                await self._act(interaction, viewer, action, card_id)
        except VoiceNoteError as error:
            await answer(interaction, f"⚠️ {error.user_message}")
        except DISCORD_REFUSALS as error:
            log.info("card %d: %s click not answered (%s)", card_id, action, refusal(error))

    async def _act(
        self, interaction: Interaction, viewer: Viewer, action: str, card_id: int
    ) -> None:
        actions = self._review.actions
        if action in ("reviewed", "flag"):
            await interaction.response.defer()  # 6: the card itself is edited in place
            change = actions.mark_reviewed if action == "reviewed" else actions.toggle_flag
            await change(viewer, card_id)
        elif action == "transcript":
            await self._transcript(interaction, viewer, card_id)
        elif action == "delete":
            card = await actions.check_delete(viewer, card_id)
            text = CONFIRM.format(author=card.author_name[:80], channel=card.place.channel_id)
            await interaction.response.send_message(
                text,
                view=confirm_delete_view(card.id),
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
        elif action == CONFIRM_DELETE:
            await interaction.response.edit_message(content="Deleting the original…", view=None)
            await actions.delete_original(viewer, card_id)
            await interaction.edit_original_response(content=DELETED, allowed_mentions=NO_MENTIONS)
        elif action == "rerun":
            await interaction.response.defer(ephemeral=True, thinking=True)
            await actions.rerun(viewer, card_id, Answering(interaction.id, interaction.token))
            await interaction.edit_original_response(
                content=RERUNNING, allowed_mentions=NO_MENTIONS
            )

    async def _transcript(self, interaction: Interaction, viewer: Viewer, card_id: int) -> None:
        """The card in full and the transcript with its files, privately."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        card, document = await self._review.actions.transcript(viewer, card_id)
        settings = await self._store.guild_settings(card.guild_id)
        await send_transcript(interaction, card, document, settings)

    @commands.Cog.listener()
    async def on_review_page(self, interaction: Interaction, query_id: int, page: int) -> None:
        """Previous or Next on a list: the same message shows the other page."""
        try:
            viewer = await self._moderator(interaction)
            if viewer is None:
                return
            found = await self._review.queries.page(viewer, query_id, page)
            await interaction.response.edit_message(
                embed=list_embed(found), view=page_buttons(found.query_id, found.page, found.pages)
            )
        except VoiceNoteError as error:
            await answer(interaction, f"⚠️ {error.user_message}")
        except DISCORD_REFUSALS as error:
            log.info("list %d: page click not answered (%s)", query_id, refusal(error))
