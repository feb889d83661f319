"""The persistent buttons of review: a card's five (and the private delete confirmation)
and a list's Previous/Next, as ``discord.ui.DynamicItem`` classes.

The card id (or the kept list query and its page) is in the custom id, ≤ 100 characters,
so a click works after a restart and in whichever process receives it: everything else is
in the database. discord.py rebuilds an item from the custom id for every click, so an item
holds no services: its callback hands the click to the ``review_button`` or ``review_page``
event, which :class:`cogs.review.ReviewClicks` (built with the services) handles.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.review import ButtonAction, CardView

Interaction = discord.Interaction[Any]
CARD_PREFIX = "voicenotes:review:"
PAGE_PREFIX = "voicenotes:review-page:"
CONFIRM_DELETE = "confirm-delete"
_STYLES = {
    ButtonAction.REVIEWED: discord.ButtonStyle.success,
    ButtonAction.FLAG: discord.ButtonStyle.secondary,
    ButtonAction.TRANSCRIPT: discord.ButtonStyle.primary,
    ButtonAction.DELETE: discord.ButtonStyle.danger,
    ButtonAction.RERUN: discord.ButtonStyle.secondary,
}
_ACTIONS = "|".join([*(a.value for a in ButtonAction), CONFIRM_DELETE])


def card_custom_id(action: str, card_id: int) -> str:
    """``voicenotes:review:<action>:<card id>`` (at most 53 characters)."""
    return f"{CARD_PREFIX}{action}:{card_id}"


class CardButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=re.escape(CARD_PREFIX) + rf"(?P<action>{_ACTIONS}):(?P<card_id>[0-9]{{1,20}})",
):
    """One of a card's buttons (or Confirm delete)."""

    def __init__(
        self,
        action: str,
        card_id: int,
        *,
        label: str = "",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        disabled: bool = False,
    ) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=label or action,
            style=style,
            disabled=disabled,
            custom_id=card_custom_id(action, card_id),
        )
        super().__init__(button)
        self.action = action
        self.card_id = card_id

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CardButton:
        """The clicked button, from its custom id."""
        return cls(match["action"], int(match["card_id"]))

    async def callback(self, interaction: Interaction) -> None:
        """Hand the click to the review handler (see the module docstring)."""
        interaction.client.dispatch("review_button", interaction, self.action, self.card_id)


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=re.escape(PAGE_PREFIX)
    + r"(?P<query_id>[0-9]{1,20}):(?P<page>[0-9]{1,6}):(?P<way>[pn])",
):
    """Previous (``p``) or Next (``n``) on a ``/review list`` answer: the way is in the
    custom id too, as a message's custom ids must differ even where both lead to one page."""

    def __init__(
        self, query_id: int, page: int, way: str, *, label: str = "", disabled: bool = False
    ) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=label or str(page + 1),
            disabled=disabled,
            custom_id=f"{PAGE_PREFIX}{query_id}:{page}:{way}",
        )
        super().__init__(button)
        self.query_id = query_id
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PageButton:
        """The clicked button, from its custom id."""
        return cls(int(match["query_id"]), int(match["page"]), match["way"])

    async def callback(self, interaction: Interaction) -> None:
        """Hand the click to the review handler."""
        interaction.client.dispatch("review_page", interaction, self.query_id, self.page)


def card_buttons(card_id: int, view: CardView) -> discord.ui.View:
    """The card's five buttons, labelled and enabled as ``view`` says."""
    buttons = discord.ui.View(timeout=None)
    for button in view.buttons:
        buttons.add_item(
            CardButton(
                button.action.value,
                card_id,
                label=button.label,
                style=_STYLES[button.action],
                disabled=button.disabled,
            )
        )
    return buttons


def confirm_delete_view(card_id: int) -> discord.ui.View:
    """The private confirmation's one button."""
    buttons = discord.ui.View(timeout=None)
    buttons.add_item(
        CardButton(
            CONFIRM_DELETE, card_id, label="Yes, delete it", style=discord.ButtonStyle.danger
        )
    )
    return buttons


def page_buttons(query_id: int, page: int, pages: int) -> discord.ui.View:
    """Previous and Next (disabled at the ends)."""
    buttons = discord.ui.View(timeout=None)
    previous = PageButton(query_id, max(0, page - 1), "p", label="Previous", disabled=page <= 0)
    last = pages - 1
    following = PageButton(query_id, min(last, page + 1), "n", label="Next", disabled=page >= last)
    buttons.add_item(previous)
    buttons.add_item(following)
    return buttons
