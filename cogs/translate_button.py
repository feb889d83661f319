"""The Translate button on every transcript reply, and the language select it opens.

Both are persistent (``DynamicItem`` whose custom id carries the job's id), so they work
after a restart and in any process. The button answers privately with a select of
languages; picking one posts the stored transcript's translation where the reply is (in its
thread), privately when the reply was private. The translation comes from the transcript's
text alone (:class:`bot.jobs.Translations`: no audio is sent again), is cached per language,
and says what it cost.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot.errors import VoiceNoteError
from bot.jobs import Prices, Translations
from bot.pipeline import Translated
from bot.render import split_messages
from bot.storage.ports import JobQueue
from cogs._common import DISCORD_REFUSALS, LANGUAGES, refusal
from cogs.delivery import NO_MENTIONS, compose_reply, files_of
from cogs.errors import answer

log = logging.getLogger(__name__)
Interaction = discord.Interaction[Any]
BUTTON_PREFIX = "voicenotes:translate:"
SELECT_PREFIX = "voicenotes:translate-to:"
CHOOSE = "Translate this transcript into…"
NOT_YOURS = "Only the person who asked for this transcript can translate it."
_SELECT_CHOICES = LANGUAGES[:25]  # Discord allows 25 options in a select


def _dollars(amount: float) -> str:
    return f"${amount:.2f}" if amount >= 1 else f"${amount:.4f}"


def cost_line(translated: Translated, prices: Prices) -> str:
    """What the translation cost now (nothing when it was cached)."""
    if translated.cached:
        return "-# Translated before: from the cache, no cost."
    usage = translated.usage
    return (
        f"-# Translated from the text (no audio sent again): {usage.input_tokens:,} tokens in / "
        f"{usage.output_tokens + usage.thought_tokens:,} out · ≈ "
        f"{_dollars(prices.cost_of(usage))}"
    )


def translation_messages(translated: Translated, prices: Prices, inline_cap: int) -> list[str]:
    """The messages of a translation: a heading, the lines, the cost."""
    language = discord.utils.escape_markdown(translated.document.translate_to or "")
    plan = compose_reply(translated.document, inline_cap=inline_cap)
    lines = [f"🌐 Translated into **{language}**", *plan.messages, cost_line(translated, prices)]
    return split_messages(lines)


class TranslateFlow:
    """What the button and the select do, with the services they need."""

    def __init__(
        self, translations: Translations, jobs: JobQueue, prices: Prices, *, inline_cap: int
    ) -> None:
        self._translations = translations
        self._jobs = jobs
        self._prices = prices
        self._inline_cap = inline_cap

    async def post(self, interaction: Interaction, job_id: int, language: str) -> None:
        """Post the job's transcript translated into ``language`` where the reply is
        (privately for a private reply, which only its requester may translate)."""
        job = await self._jobs.get_job(job_id)
        private = job is not None and job.private
        if job is not None and private and interaction.user.id != job.requester_id:
            await interaction.response.send_message(NOT_YOURS, ephemeral=True)
            return
        await interaction.response.defer(ephemeral=private, thinking=True)
        try:
            translated = await self._translations.translate(
                job_id, language, requester_id=interaction.user.id
            )
        except VoiceNoteError as error:
            await answer(interaction, f"⚠️ {error.user_message}")
            return
        try:
            await self._send(interaction, translated, private=private)
        except DISCORD_REFUSALS as error:
            log.info("job %d: translation not posted (%s)", job_id, refusal(error))

    async def _send(
        self, interaction: Interaction, translated: Translated, *, private: bool
    ) -> None:
        messages = translation_messages(translated, self._prices, self._inline_cap)
        plan = compose_reply(translated.document, inline_cap=self._inline_cap)
        for index, content in enumerate(messages):
            files = files_of(plan.files) if index == len(messages) - 1 else []
            await interaction.followup.send(
                content,
                ephemeral=private,
                allowed_mentions=NO_MENTIONS,
                silent=True,
                suppress_embeds=True,
                files=files,
            )


def language_select_type(flow: TranslateFlow) -> type[discord.ui.DynamicItem[Any]]:
    """The language select (persistent), bound to ``flow``."""

    class LanguageSelect(
        discord.ui.DynamicItem[discord.ui.Select[Any]],
        template=re.escape(SELECT_PREFIX) + r"(?P<job_id>[0-9]{1,20})",
    ):
        def __init__(self, job_id: int) -> None:
            select: discord.ui.Select[Any] = discord.ui.Select(
                custom_id=f"{SELECT_PREFIX}{job_id}",
                placeholder="Choose a language",
                options=[discord.SelectOption(label=name, value=name) for name in _SELECT_CHOICES],
            )
            super().__init__(select)
            self.job_id = job_id

        @classmethod
        async def from_custom_id(
            cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
        ) -> LanguageSelect:
            return cls(int(match["job_id"]))

        async def callback(self, interaction: Interaction) -> None:
            language = self.item.values[0] if self.item.values else "English"
            await flow.post(interaction, self.job_id, language)

    return LanguageSelect


def translate_button_type(
    select: type[discord.ui.DynamicItem[Any]],
) -> type[discord.ui.DynamicItem[Any]]:
    """The Translate button (persistent): it answers privately with ``select``."""

    class TranslateButton(
        discord.ui.DynamicItem[discord.ui.Button[Any]],
        template=re.escape(BUTTON_PREFIX) + r"(?P<job_id>[0-9]{1,20})",
    ):
        def __init__(self, job_id: int) -> None:
            button: discord.ui.Button[Any] = discord.ui.Button(
                label="Translate", emoji="🌐", custom_id=f"{BUTTON_PREFIX}{job_id}"
            )
            super().__init__(button)
            self.job_id = job_id

        @classmethod
        async def from_custom_id(
            cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
        ) -> TranslateButton:
            return cls(int(match["job_id"]))

        async def callback(self, interaction: Interaction) -> None:
            view = discord.ui.View(timeout=None)
            view.add_item(select(self.job_id))
            await interaction.response.send_message(
                CHOOSE, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS
            )

    return TranslateButton


def translate_items(
    translations: Translations, jobs: JobQueue, prices: Prices, *, inline_cap: int
) -> tuple[type[discord.ui.DynamicItem[Any]], type[discord.ui.DynamicItem[Any]]]:
    """The Translate button and the language select, bound to the services they call
    (both registered with the bot at start; the button goes under transcript replies)."""
    flow = TranslateFlow(translations, jobs, prices, inline_cap=inline_cap)
    select = language_select_type(flow)
    return translate_button_type(select), select
