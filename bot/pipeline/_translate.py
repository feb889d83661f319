"""Another language, after the fact: a stored transcript translated from its text alone.

No audio is sent again: the segments go to the general model as numbered lines (data, not
instructions) in batches that fit its output, with the job's server prefix first like every
request of that server. The translated document keeps everything else (times, speakers,
words) and carries the translation of each line; it is cached per language next to the
transcript, so asking again costs nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.errors import TruncatedOutput, VoiceNoteError, charge
from bot.gemini import GeminiService, GeminiTranslation, translation_prompt
from bot.model import Segment, TranscriptDocument, Usage
from bot.pipeline._pipeline import ResultCache
from bot.pipeline._salvage import salvage_or_raise

BATCH_LINES = 120  # lines per request: their translations fit the output budget


@dataclass(frozen=True)
class Translated:
    """A transcript in another language, what it cost now, and whether it was cached."""

    document: TranscriptDocument
    usage: Usage
    cached: bool


def translation_key(result_key: str, language: str) -> str:
    """Where a transcript's translation into ``language`` is cached."""
    return f"{result_key}:translation:{' '.join(language.split()).casefold()}"


def _lines(segments: list[Segment]) -> str:
    return "\n".join(f"{n}. {s.content}" for n, s in enumerate(segments, 1))


class Translator:
    """Translates stored transcripts (see the module docstring); one translation per key
    at a time in this process."""

    def __init__(self, cache: ResultCache) -> None:
        self._cache = cache
        self._locks: dict[str, asyncio.Lock] = {}

    @asynccontextmanager
    async def _one_at_a_time(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked():
                self._locks.pop(key, None)

    async def translate(
        self, gemini: GeminiService, document: TranscriptDocument, language: str, result_key: str
    ) -> Translated:
        """``document`` with every line translated into ``language`` (cached per language)."""
        key = translation_key(result_key, language)
        async with self._one_at_a_time(key):
            cached = await self._cache.load(key)
            if cached is not None:
                return Translated(cached, Usage(), cached=True)
            translated = await self._translate(gemini, document, language)
            await self._cache.save(key, translated)
        return Translated(translated, translated.usage, cached=False)

    async def _translate(
        self, gemini: GeminiService, document: TranscriptDocument, language: str
    ) -> TranscriptDocument:
        segments, summary = document.segments, document.summary
        texts: dict[int, str] = {}
        usage, partial = Usage(), False
        for first in range(0, len(segments), BATCH_LINES):
            batch = segments[first : first + BATCH_LINES]
            heading = document.summary if first == 0 else ""
            try:
                reply, spent, cut = await _request(gemini, language, batch, heading)
            except VoiceNoteError as error:
                charge(error, usage)
                raise
            usage, partial = usage + spent, partial or cut
            texts |= {first + line.line: line.text.strip() for line in reply.lines}
            summary = (reply.summary.strip() or summary) if first == 0 else summary
        lines = [
            s.model_copy(update={"translation": texts.get(n) or None})
            for n, s in enumerate(segments, 1)
        ]
        partial = partial or any(s.translation is None for s in lines)
        return document.model_copy(
            update={
                "translate_to": language,
                "summary": summary,
                "segments": lines,
                "usage": usage,
                "partial": document.partial or partial,
            }
        )


async def _request(
    gemini: GeminiService, language: str, batch: list[Segment], summary: str
) -> tuple[GeminiTranslation, Usage, bool]:
    prompt = translation_prompt(language, _lines(batch), summary)
    try:
        reply = await gemini.structured(prompt=prompt, response_model=GeminiTranslation)
    except TruncatedOutput as cut:  # keep the lines that came back whole
        return salvage_or_raise(cut, GeminiTranslation), cut.usage, True
    return reply.value, reply.usage, False
