"""A server's vocabulary and description: /voicenotes-admin vocabulary add|remove|list and
/voicenotes-admin context (a mixin of the group).

Terms (names, jargon, brand names; up to 100, each up to 60 characters) and one short
paragraph about the server go into every Gemini request of this server as quoted data,
never as instructions, before the audio; with the speech engine the terms are its custom
vocabulary too. They cost a few tokens per request (counted like the rest).
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.admin import ServerAdmin, split_terms
from bot.options import MAX_CONTEXT_CHARS, MAX_TERM_CHARS, MAX_VOCABULARY_TERMS

Interaction = discord.Interaction[Any]
_SHOWN = 1800  # a list longer than this is cut short in the reply


def describe_terms(terms: tuple[str, ...]) -> str:
    """The terms as a short message (code spans: nothing in them renders or pings)."""
    if not terms:
        return "This server has no vocabulary yet: `/voicenotes-admin vocabulary add`."
    shown = ", ".join(f"`{term.replace('`', 'ʼ')}`" for term in terms)
    if len(shown) > _SHOWN:
        shown = shown[:_SHOWN].rsplit(", ", 1)[0] + ", …"
    return f"**Vocabulary** ({len(terms)}/{MAX_VOCABULARY_TERMS}): {shown}"


async def _reply(interaction: Interaction, text: str) -> None:
    await interaction.response.send_message(
        text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
    )


class VocabularyCommands(commands.Cog):
    """The vocabulary and context subcommands of :class:`cogs.admin.AdminCommands`."""

    _admin: ServerAdmin

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
        change = await self._admin.add_terms(
            interaction.guild_id, interaction.user.id, split_terms(terms)
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
        removed = await self._admin.remove_term(interaction.guild_id, interaction.user.id, term)
        terms = await self._admin.store.vocabulary(interaction.guild_id)
        said = "Removed." if removed else "That term wasn't in the vocabulary."
        await _reply(interaction, f"{said}\n{describe_terms(terms)}")

    @vocabulary.command(name="list", description="Show this server's vocabulary")
    async def vocabulary_list(self, interaction: Interaction) -> None:
        """List the terms."""
        assert interaction.guild_id is not None
        await _reply(
            interaction, describe_terms(await self._admin.store.vocabulary(interaction.guild_id))
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
            current = await self._admin.set_context(
                interaction.guild_id, interaction.user.id, None if clear else text
            )
        else:
            current = await self._admin.store.guild_settings(interaction.guild_id)
        shown = discord.utils.escape_markdown(current.server_context or "") or "*(none)*"
        await _reply(interaction, f"**About this server**, for Gemini: {shown}")
