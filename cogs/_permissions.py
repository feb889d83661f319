"""Permissions a cog's commands need, declared once for Discord's UI and the runtime check."""

from __future__ import annotations

from typing import Any, ClassVar

import discord
from discord import app_commands

PERMISSION_NAMES = {"manage_guild": "Manage Server", "manage_messages": "Manage Messages"}


class RequiresPermissions:
    """Mixin for a cog whose every command needs :attr:`required` (RoboDanny's pattern).

    Declared once as a class attribute, it becomes the commands' ``default_permissions``
    (Discord hides them from members without it) and the cog's ``interaction_check``
    refuses such members at runtime, should a server's command settings override that.
    Put it before the cog base class: ``class Admin(RequiresPermissions, commands.GroupCog)``.
    """

    required: ClassVar[discord.Permissions]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        app_commands.default_permissions(cls.required)(cls)

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """Refuse (MissingPermissions) a member who lacks a required permission."""
        granted = interaction.permissions
        missing = [name for name, wanted in self.required if wanted and not getattr(granted, name)]
        if missing:
            raise app_commands.MissingPermissions(missing)
        return True
