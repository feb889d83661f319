"""Gemini's speech model (``GEMINI_TRANSCRIBE_MODEL``, ``gemini-3.5-transcribe``): words,
speakers and word timestamps, through the SDK's transcription config.

One request carries one audio part and ``generation_config.transcription_config``:
``custom_vocabulary`` (the server's terms), ``language_codes`` (BCP-47) and ``mode`` as
``{"type": "verbatim", "diarization_mode": "speaker", "timestamp_granularities":
["word"]}`` (never the deprecated top-level fields). Diarization is always asked for (a
transcript names its speakers); word timestamps only when a server opted in (they are
experimental and can lower accuracy). Per-request limits: an hour of audio, 30 minutes with
diarization or word timestamps: callers cut longer audio (:attr:`SpeechRequest.limit_s`).
The model takes no prompt, no schema and no service tier. A reported caveat: custom
vocabulary had no effect once ``mode`` is set (see the README); the terms are sent anyway
and the general model's follow-up request applies them to the words heard.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from bot.errors import GeminiBadOutput, GeminiRefused, VoiceNoteError, charge
from bot.gemini._files import AudioInput, AudioParts
from bot.gemini._sdk import Interaction, RawWord, refusal_codes, word_annotations
from bot.gemini._sender import Sender, Tiering
from bot.gemini._service import GeminiService
from bot.model import Usage
from bot.options import ServiceTier

log = logging.getLogger(__name__)
LIMIT_S = 3600.0
ANNOTATED_LIMIT_S = 1800.0


@dataclass(frozen=True)
class SpeechRequest:
    """What is asked of the speech model for one piece of audio."""

    vocabulary: tuple[str, ...] = ()
    language_codes: tuple[str, ...] = ()
    diarization: bool = True
    word_timestamps: bool = False

    @property
    def limit_s(self) -> float:
        """The longest audio one request may carry."""
        return ANNOTATED_LIMIT_S if self.diarization or self.word_timestamps else LIMIT_S

    def transcription_config(self) -> dict[str, Any]:
        """``generation_config.transcription_config``, with everything in ``mode``."""
        mode: dict[str, Any] = {"type": "verbatim"}
        if self.diarization:
            mode["diarization_mode"] = "speaker"
        if self.word_timestamps:
            mode["timestamp_granularities"] = ["word"]
        config: dict[str, Any] = {"mode": mode}
        if self.vocabulary:
            config["custom_vocabulary"] = list(self.vocabulary)
        if self.language_codes:
            config["language_codes"] = list(self.language_codes)
        return config


@dataclass(frozen=True)
class SpeechReply:
    """What the speech model heard: the text, its words (timed and attributed as asked),
    whether the output was cut short, and what it cost."""

    text: str
    words: list[RawWord] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    partial: bool = False


class SpeechService:
    """Requests to the speech model; built next to the general model's service and sharing
    its client, rate limit and uploads (see the module docstring)."""

    def __init__(
        self, model: str, sender: Sender, audio: AudioParts, *, max_output_tokens: int
    ) -> None:
        self.model = model
        self._sender = sender
        self._audio = audio
        self._max_output_tokens = max_output_tokens

    @classmethod
    def alongside(cls, gemini: GeminiService, model: str) -> SpeechService:
        """The speech model's service next to ``gemini``: the same client, rate limit,
        retries and uploads; never a service tier (the model takes none)."""
        sender = gemini.sender.for_model(Tiering(supported=False))
        return cls(model, sender, gemini.audio, max_output_tokens=gemini.max_output_tokens)

    async def transcribe(self, audio: AudioInput, request: SpeechRequest) -> SpeechReply:
        """The words of ``audio`` (at most :attr:`SpeechRequest.limit_s` long)."""
        if audio.duration_s > request.limit_s + 1:
            raise ValueError("audio longer than the speech model takes in one request")
        async with self._audio.part(audio) as part:
            body = {
                "model": self.model,
                "input": [{"type": "user_input", "content": [part]}],
                "generation_config": {
                    "max_output_tokens": self._max_output_tokens,
                    "transcription_config": request.transcription_config(),
                },
            }
            return await self._ask(body)

    async def _ask(self, body: dict[str, Any]) -> SpeechReply:
        usage = Usage()
        for attempt in range(1, self._sender.retry.output_attempts + 2):
            try:
                interaction = await self._sender.send(body, ServiceTier.STANDARD)
            except VoiceNoteError as error:
                charge(error, usage)
                raise
            usage = usage + self._sender.billed(interaction)
            reply = self._sender.judged(partial(_judge, interaction, usage, attempt))
            if reply is not None:
                return reply
        raise GeminiBadOutput("Gemini's speech model kept answering with nothing usable.", usage)


def _judge(interaction: Interaction, usage: Usage, attempt: int) -> SpeechReply | None:
    """The reply; None (logged) for an empty or failed one; GeminiRefused for a refusal."""
    codes = refusal_codes(interaction)
    if codes:
        log.warning("speech model refused the content: codes=%s", ",".join(codes))
        raise GeminiRefused(codes, usage)
    text = (interaction.output_text or "").strip()
    if interaction.status not in ("completed", "incomplete") or not text:
        log.warning(
            "speech reply status=%s empty=%s (attempt %d)", interaction.status, not text, attempt
        )
        return None
    partial = interaction.status == "incomplete"  # output cut at the limit: keep the words
    return SpeechReply(text, word_annotations(interaction), usage, partial)
