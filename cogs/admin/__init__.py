"""/voicenotes-admin: what server admins (Manage Server) can do.

Admin commands live in their own top-level group because Discord applies default member
permissions per top-level command, not per subcommand; the permission is declared once
(:class:`cogs._permissions.RequiresPermissions`) for Discord's UI and the runtime check.
Each feature contributes its subcommands as a mixin module (``_settings``: settings, channel
and exempt; ``_vocabulary``: vocabulary and context; ``_status``: status; ``_review``:
review); :class:`AdminCommands` joins them into the one group.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.admin import ServerAdmin
from bot.ops import GuildStatusReader
from cogs._permissions import RequiresPermissions
from cogs.admin._review import ReviewSettingsCommands, missing_in
from cogs.admin._settings import SettingsCommands, describe_roles, describe_settings
from cogs.admin._status import StatusCommands
from cogs.admin._vocabulary import VocabularyCommands

__all__ = ["AdminCommands", "describe_roles", "describe_settings", "missing_in"]


@app_commands.guild_only()
class AdminCommands(
    SettingsCommands,
    VocabularyCommands,
    StatusCommands,
    ReviewSettingsCommands,
    RequiresPermissions,
    commands.GroupCog,
    group_name="voicenotes-admin",
):
    """Server administration (Manage Server)."""

    required = discord.Permissions(manage_guild=True)

    def __init__(self, admin: ServerAdmin, status: GuildStatusReader) -> None:
        super().__init__()
        self._admin = admin
        self._status = status
