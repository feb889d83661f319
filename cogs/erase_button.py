"""The "Erase what you stored" button offered with an opt-out: persistent (a DynamicItem
whose custom id carries the member's id), so it works after a restart and in any process;
only that member may use it."""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.storage.ports import AuditLog
from cogs.erasure import Eraser

log = logging.getLogger(__name__)
Interaction = discord.Interaction[Any]
PREFIX = "voicenotes:erase-notes:"
LABEL = "Erase what you stored about my notes"
NOT_YOURS = "This button is for the member who opted out; use `/voicenotes optout` yourself."


def erased_text(count: int) -> str:
    """The confirmation, in words."""
    if count == 0:
        return "Nothing was stored about your voice notes."
    notes = "1 voice note" if count == 1 else f"{count} voice notes"
    return f"Done: I erased what I stored about {notes}, and the replies I had posted."


def erase_button_type(eraser: Eraser, audit: AuditLog) -> type[discord.ui.DynamicItem[Any]]:
    """The button class, bound to the services it calls (registered with the bot at start)."""

    class EraseMyNotes(
        discord.ui.DynamicItem[discord.ui.Button[Any]],
        template=re.escape(PREFIX) + r"(?P<user_id>[0-9]{1,20})",
    ):
        def __init__(self, user_id: int) -> None:
            button: discord.ui.Button[Any] = discord.ui.Button(
                label=LABEL, style=discord.ButtonStyle.danger, custom_id=f"{PREFIX}{user_id}"
            )
            super().__init__(button)
            self.user_id = user_id

        @classmethod
        async def from_custom_id(
            cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
        ) -> EraseMyNotes:
            return cls(int(match["user_id"]))

        async def callback(self, interaction: Interaction) -> None:
            if interaction.user.id != self.user_id:
                await interaction.response.send_message(NOT_YOURS, ephemeral=True)
                return
            await interaction.response.defer(ephemeral=True, thinking=True)
            count = await eraser.erase_author(self.user_id)
            await audit.audit(interaction.guild_id, self.user_id, "optout.erase", {"jobs": count})
            await interaction.edit_original_response(
                content=erased_text(count), allowed_mentions=discord.AllowedMentions.none()
            )

    return EraseMyNotes
