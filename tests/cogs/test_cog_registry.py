"""Every cog loads, and no two commands share a name."""

from __future__ import annotations

from collections import Counter

import discord

from tests.helpers.harness import Harness


def test_every_cog_loaded_and_command_names_are_unique(harness: Harness) -> None:
    bot = harness.bot
    assert {type(cog).__name__ for cog in bot.build_cogs()} == {
        type(cog).__name__ for cog in bot.cogs.values()
    }
    names = Counter(
        (command.name, getattr(command, "type", discord.AppCommandType.chat_input))
        for command in bot.tree.get_commands()
    )
    assert all(count == 1 for count in names.values()), names


def test_synced_commands_match_the_tree_and_admin_is_gated(harness: Harness) -> None:
    synced = {c["name"]: c for c in harness.discord.commands()}
    assert {
        "transcribe",
        "summarize",
        "ask",
        "voicenotes-admin",
        "Transcribe voice note",
        "Summarize voice note",
    } <= set(synced)
    admin = synced["voicenotes-admin"]
    assert str(admin["default_member_permissions"]) == str(1 << 5)  # Manage Server
    assert synced["transcribe"].get("default_member_permissions") is None
    for command in synced.values():
        assert command.get("description", "x") or command["type"] != 1
