"""Gemini's speech model (``gemini-3.5-transcribe``): its request rules and reply shape.

Requests carry ``generation_config.transcription_config`` (the SDK's ``TranscriptionConfig``
in ``_gaos/types/interactions/transcriptionconfig.py``): ``custom_vocabulary``,
``language_codes`` (BCP-47) and ``mode``, either ``"smart"`` (``{"type": "smart"}``: filler
removed, no diarization or timestamps) or ``{"type": "verbatim", "diarization_mode":
"speaker", "timestamp_granularities": ["word"]}``; the top-level ``diarization_mode`` and
``timestamp_granularities`` are deprecated (accepted, and recorded in
:attr:`SpeechRules.deprecated_seen`). Limits (Gemini's speech-model docs): an hour of audio
per request, 30 minutes with diarization or word timestamps; longer is refused (400).

Where the docs say nothing the fake is strict: the model takes one audio part and nothing
else (no text prompt, no ``system_instruction``, no ``response_format``, no
``thinking_level``), and no ``service_tier`` (the model lists its consumption options as
unsupported).

The answer is a ``model_output`` step whose text content holds the transcript and, in its
``annotations``, one ``word_info`` per word (the SDK's ``WordInfo``: ``text``,
``start_offset``/``end_offset`` as ``"1.250s"`` only with word timestamps, ``speaker``
(``spk_1``...) only with diarization, ``start_index``/``end_index`` in bytes of the text).

**Custom vocabulary** biases recognition toward the listed terms, but a public report says
it had no effect once ``mode`` was set: the fake honours it only when ``mode`` is absent. A
scripted word may say what is heard without the bias (``SpeechWord.unbiased``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from testkit.gemini._replies import ErrorReply, JsonObject, SpeechWord
from testkit.gemini._wire import invalid_request

SPEECH_MODELS = frozenset({"gemini-3.5-transcribe"})
MAX_SECONDS = 3600.0
MAX_SECONDS_ANNOTATED = 1800.0  # with diarization or word timestamps
MAX_VOCABULARY = 1000
_BCP47 = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")
_NOT_FOR_SPEECH = ("response_format", "system_instruction", "service_tier")


@dataclass(frozen=True)
class SpeechConfig:
    """What a request asked of the speech model."""

    vocabulary: tuple[str, ...] = ()
    language_codes: tuple[str, ...] = ()
    mode_set: bool = False
    diarization: bool = False
    word_timestamps: bool = False

    @property
    def vocabulary_applied(self) -> bool:
        """Per the report: custom vocabulary only works without a ``mode``."""
        return bool(self.vocabulary) and not self.mode_set


def transcription_config(body: JsonObject) -> dict[str, Any]:
    """``generation_config.transcription_config`` of a request ({} when absent)."""
    config = body.get("generation_config")
    found = config.get("transcription_config") if isinstance(config, dict) else None
    return found if isinstance(found, dict) else {}


def speech_config(body: JsonObject) -> SpeechConfig:
    """The parsed transcription config (deprecated top-level fields included)."""
    raw = transcription_config(body)
    mode = raw.get("mode")
    verbatim = mode if isinstance(mode, dict) and mode.get("type") == "verbatim" else {}
    diarization = verbatim.get("diarization_mode") or raw.get("diarization_mode")
    granularities = verbatim.get("timestamp_granularities") or raw.get("timestamp_granularities")
    return SpeechConfig(
        vocabulary=tuple(str(term) for term in raw.get("custom_vocabulary") or ()),
        language_codes=tuple(str(code) for code in raw.get("language_codes") or ()),
        mode_set=mode is not None,
        diarization=diarization == "speaker",
        word_timestamps="word" in (granularities or ()),
    )


@dataclass
class SpeechRules:
    """The speech models the fake serves, and what requests to them must look like."""

    models: frozenset[str] = SPEECH_MODELS
    deprecated_seen: list[str] = field(default_factory=list)

    def serves(self, model: str | None) -> bool:
        """Whether ``model`` is a speech model."""
        return model in self.models

    def check(self, body: JsonObject, blocks: list[JsonObject]) -> ErrorReply | None:
        """The refusal of a malformed speech request, if any (durations come later)."""
        model = body.get("model")
        for name in _NOT_FOR_SPEECH:
            if body.get(name) is not None:
                return invalid_request(f"{name} is not supported by {model}.")
        config = body.get("generation_config") or {}
        if isinstance(config, dict) and config.get("thinking_level") is not None:
            return invalid_request(f"thinking_level is not supported by {model}.")
        if [b.get("type") for b in blocks] != ["audio"]:
            return invalid_request(f"{model} takes exactly one audio part and nothing else.")
        return self._check_config(transcription_config(body))

    def _check_config(self, raw: dict[str, Any]) -> ErrorReply | None:
        self.deprecated_seen.extend(
            name for name in ("diarization_mode", "timestamp_granularities") if name in raw
        )
        mode = raw.get("mode")
        if mode is not None and mode != "smart" and not _valid_mode(mode):
            return invalid_request("transcription_config.mode must be smart or verbatim.")
        codes = raw.get("language_codes") or []
        bad = [code for code in codes if not _BCP47.match(str(code))]
        if bad:
            return invalid_request(f"Invalid BCP-47 language code: {bad[0]}")
        if len(raw.get("custom_vocabulary") or []) > MAX_VOCABULARY:
            return invalid_request(f"custom_vocabulary holds at most {MAX_VOCABULARY} phrases.")
        return None

    @staticmethod
    def check_duration(config: SpeechConfig, seconds: float) -> ErrorReply | None:
        """The per-request audio limit: 1 h, or 30 min with diarization or timestamps."""
        annotated = config.diarization or config.word_timestamps
        limit = MAX_SECONDS_ANNOTATED if annotated else MAX_SECONDS
        if seconds > limit:
            return invalid_request(
                f"Audio of {seconds:.0f} s exceeds the {limit:.0f} s limit of this model"
                + (" with diarization or word timestamps." if annotated else ".")
            )
        return None


def _valid_mode(mode: object) -> bool:
    if not isinstance(mode, dict) or mode.get("type") not in ("smart", "verbatim"):
        return False
    if mode.get("type") == "smart":
        return set(mode) <= {"type", "source_text"}
    diarization = mode.get("diarization_mode")
    granularities = mode.get("timestamp_granularities")
    return diarization in (None, "speaker") and granularities in (None, [], ["word"])


def _said(word: SpeechWord, config: SpeechConfig) -> str:
    if word.unbiased is None:
        return word.text
    wanted = {term.casefold() for term in config.vocabulary}
    biased = config.vocabulary_applied and word.text.casefold() in wanted
    return word.text if biased else word.unbiased


def _offset(seconds: float) -> str:
    return f"{seconds:.3f}s"


def speech_output(words: tuple[SpeechWord, ...], config: SpeechConfig) -> JsonObject:
    """The text content block of the answer: the transcript and its word annotations."""
    text, annotations = "", []
    for word in words:
        said = _said(word, config)
        start_index = len((text + (" " if text else "")).encode())
        text = f"{text} {said}" if text else said
        note: JsonObject = {
            "type": "word_info",
            "text": said,
            "start_index": start_index,
            "end_index": len(text.encode()),
        }
        if config.word_timestamps:
            note |= {"start_offset": _offset(word.start), "end_offset": _offset(word.end)}
        if config.diarization:
            note["speaker"] = word.speaker
        annotations.append(note)
    return {"type": "text", "text": text, "annotations": annotations}


def default_words(duration_s: float) -> tuple[SpeechWord, ...]:
    """What the fake hears in unscripted audio: a short sentence spread over it."""
    said = ("Hello", "from", "the", "fake", "speech", "model.")
    step = max(min(duration_s, 6.0), 0.6) / len(said)
    return tuple(
        SpeechWord(word, round(i * step, 3), round((i + 0.8) * step, 3))
        for i, word in enumerate(said)
    )
