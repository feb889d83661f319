"""A server's vocabulary and description: /voicenotes-admin vocabulary add|remove|list and
/voicenotes-admin context (a mixin of the group).

Terms (names, jargon, brand names; up to 100, each up to 60 characters) and one short
paragraph about the server go into every Gemini request of this server as quoted data,
never as instructions, before the audio; with the speech engine the terms are its custom
vocabulary too. They cost a few tokens per request (counted like the rest).
"""

from __future__ import annotations

from typing import Any, Protocol

import discord
from discord import app_commands
from discord.ext import commands

from bot.options import MAX_CONTEXT_CHARS, MAX_TERM_CHARS, MAX_VOCABULARY_TERMS
from bot.storage.ports import AuditLog, SettingsReader, SettingsWriter, Vocabulary

Interaction = discord.Interaction[Any]
_SHOWN = 1800  # a list longer than this is cut short in the reply


class VocabularyStore(Vocabulary, SettingsReader, SettingsWriter, AuditLog, Protocol):
    """Terms, the server context setting, and the audit log."""


def describe_terms(terms: tuple[str, ...]) -> str:
    """The terms as a short message (code spans: nothing in them renders or pings)."""
    if not terms:
        return "This server has no vocabulary yet: `/voicenotes-admin vocabulary add`."
    shown = ", ".join(f"`{term.replace('`', 'ʼ')}`" for term in terms)
    if len(shown) > _SHOWN:
        shown = shown[:_SHOWN].rsplit(", ", 1)[0] + ", …"
    return f"**Vocabulary** ({len(terms)}/{MAX_VOCABULARY_TERMS}): {shown}"


def split_terms(text: str) -> list[str]:
    """Comma- or semicolon-separated terms (a term itself may hold spaces)."""
    return [part for part in text.replace(";", ",").split(",") if part.strip()]


async def _reply(interaction: Interaction, text: str) -> None:
    await interaction.response.send_message(
        text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
    )


class VocabularyCommands(commands.Cog):
    """The vocabulary and context subcommands of :class:`cogs.admin.AdminCommands`."""

    _storage: VocabularyStore

    vocabulary = app_commands.Group(
        name="vocabulary", description="Names and terms Gemini should spell right here"
    )

    @vocabulary.command(name="add", description="Add names or terms (separate them with commas)")
    @app_commands.describe(terms=f"e.g. Kubernetes, Alice Smith (each ≤ {MAX_TERM_CHARS} chars)")
    async def vocabulary_add(
        self, interaction: Interaction, terms: app_commands.Range[str, 1, 1000]
    ) -> None:
        """Add terms to the server's vocabulary."""
        assert interaction.guild_id is not None
        change = await self._storage.add_vocabulary(interaction.guild_id, split_terms(terms))
        await self._storage.audit(
            interaction.guild_id,
            interaction.user.id,
            "vocabulary.add",
            {"added": len(change.added), "present": len(change.present)},
        )
        already = f" ({len(change.present)} were already there)" if change.present else ""
        await _reply(
            interaction, f"Added {len(change.added)}{already}.\n{describe_terms(change.terms)}"
        )

    @vocabulary.command(name="remove", description="Remove a term")
    @app_commands.describe(term="The term to remove (any case)")
    async def vocabulary_remove(
        self, interaction: Interaction, term: app_commands.Range[str, 1, MAX_TERM_CHARS]
    ) -> None:
        """Remove one term."""
        assert interaction.guild_id is not None
        removed = await self._storage.remove_vocabulary(interaction.guild_id, term)
        await self._storage.audit(
            interaction.guild_id, interaction.user.id, "vocabulary.remove", {"removed": removed}
        )
        terms = await self._storage.vocabulary(interaction.guild_id)
        said = "Removed." if removed else "That term wasn't in the vocabulary."
        await _reply(interaction, f"{said}\n{describe_terms(terms)}")

    @vocabulary.command(name="list", description="Show this server's vocabulary")
    async def vocabulary_list(self, interaction: Interaction) -> None:
        """List the terms."""
        assert interaction.guild_id is not None
        await _reply(
            interaction, describe_terms(await self._storage.vocabulary(interaction.guild_id))
        )

    @app_commands.command(name="context", description="Describe this server in a sentence or two")
    @app_commands.describe(
        text=f"One short paragraph (≤ {MAX_CONTEXT_CHARS} characters); leave out to see it",
        clear="True to remove the description",
    )
    async def context(
        self,
        interaction: Interaction,
        text: app_commands.Range[str, 1, MAX_CONTEXT_CHARS] | None = None,
        clear: bool = False,
    ) -> None:
        """Show, set or clear the server's description."""
        assert interaction.guild_id is not None
        if clear or text is not None:
            value = None if clear else text
            current = await self._storage.update_guild_settings(
                interaction.guild_id, server_context=value
            )
            await self._storage.audit(
                interaction.guild_id, interaction.user.id, "settings.context", {"set": not clear}
            )
        else:
            current = await self._storage.guild_settings(interaction.guild_id)
        shown = discord.utils.escape_markdown(current.server_context or "") or "*(none)*"
        await _reply(interaction, f"**About this server**, for Gemini: {shown}")
