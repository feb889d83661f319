"""Moderators' review, the Discord layer: cards in the review channel with persistent
buttons, the **Report voice note** menu, and ``/review list|show|export``.

Thin by design: the rules and actions are :mod:`bot.review`'s. Here are what Discord needs:
the port (``_port``: facts about notes, posting and editing cards), permission facts from
the cache (``_access``), embeds and files (``_render``), the persistent buttons (``_items``)
and their handler (``_clicks``), the commands (``_commands``) and the menu (``_report``).
"""

from cogs.review._access import interaction_viewer, viewer_for
from cogs.review._clicks import ReviewClicks
from cogs.review._commands import ReviewCommands
from cogs.review._items import CardButton, PageButton, card_custom_id
from cogs.review._port import DiscordReviewPort
from cogs.review._report import ReportCommand

DYNAMIC_ITEMS = (CardButton, PageButton)

__all__ = [
    "DYNAMIC_ITEMS",
    "CardButton",
    "DiscordReviewPort",
    "PageButton",
    "ReportCommand",
    "ReviewClicks",
    "ReviewCommands",
    "card_custom_id",
    "interaction_viewer",
    "viewer_for",
]
