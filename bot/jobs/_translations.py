"""Translations of stored transcripts, asked for after the reply (the Translate button).

The job's stored result is translated from its text alone (no audio), on the standard tier
(a person is waiting), with the job's server prefix; each language is cached with the
result. The tokens are recorded against the person who asked (no audio seconds: nothing was
listened to again).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Protocol

from bot.errors import InvalidOptions, VoiceNoteError
from bot.jobs._cache import parse_document
from bot.jobs._policy import Policy
from bot.model import Mode
from bot.options import ServiceTier, check_language
from bot.pipeline import Pipeline, Translated, Translator
from bot.storage.ports import JobQueue, ResultStore, UsageLedger

log = logging.getLogger(__name__)
GONE = (
    "I no longer have this transcript (transcripts are kept for a while, then erased), so I "
    "can't translate it; transcribe the note again."
)
NOT_A_TRANSCRIPT = "Only transcripts can be translated this way."


class TranslationStore(JobQueue, ResultStore, UsageLedger, Protocol):
    """Jobs, their stored results, and usage."""


class Translations:
    """Translates a job's stored transcript on request (see the module docstring)."""

    def __init__(
        self, store: TranslationStore, pipeline: Pipeline, policy: Policy, translator: Translator
    ) -> None:
        self._store = store
        self._pipeline = pipeline
        self._policy = policy
        self._translator = translator

    async def translate(self, job_id: int, language: str, *, requester_id: int) -> Translated:
        """The job's transcript in ``language``; VoiceNoteError (plain words) when it is gone
        or not a transcript."""
        wanted = check_language(language, "The language")
        assert wanted is not None
        job = await self._store.get_job(job_id)
        if job is None or job.result_key is None:
            raise VoiceNoteError(GONE)
        document = parse_document(await self._store.load_result(job.result_key))
        if document is None:
            raise VoiceNoteError(GONE)
        if document.kind is not Mode.TRANSCRIPT or not document.segments:
            raise InvalidOptions(NOT_A_TRANSCRIPT)
        hearing = replace(await self._policy.hearing_for(job), tier=ServiceTier.STANDARD)
        gemini = self._pipeline.scoped(hearing)
        translated = await self._translator.translate(gemini, document, wanted, job.result_key)
        if not translated.cached:
            usage = translated.usage
            await self._store.add_usage(
                guild_id=job.guild_id,
                user_id=requester_id,
                audio_s=0.0,
                tokens_in=usage.input_tokens,
                tokens_out=usage.output_tokens,
                tokens_thought=usage.thought_tokens,
                tokens_cached=usage.cached_tokens,
            )
        log.info("job %d: translated (cached=%s)", job.id, translated.cached)
        return translated
