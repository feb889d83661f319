"""The speech engine end to end on the fake Gemini: words, speakers and word timestamps from
the speech model, then one text-only request for summary, translations, flags and misheard
vocabulary; word-timed subtitles."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.audio import AudioTools
from bot.gemini import GeminiService
from bot.model import TranscriptDocument
from bot.options import Engine, Hearing, JobOptions
from bot.pipeline import Pipeline
from bot.render import render_srt
from testkit.gemini import FakeGemini, Reply, SpeechWord
from tests.helpers.pipelines import SPEECH_MODEL, make_pipeline

NOTES = {
    "language": "en",
    "summary": "Alice says the cluster is down; Bob will look.",
    "lines": [
        {"line": 1, "language": "en", "translation": ""},
        {"line": 2, "language": "de", "translation": "I will look."},
    ],
    "flags": [],
    "fixes": [{"heard": "cube a net ease", "term": "Kubernetes"}, {"heard": "Bob", "term": "Evil"}],
}
WORDS = [
    SpeechWord("The", 0.2, 0.4, "spk_1"),
    SpeechWord("cube", 0.5, 0.7, "spk_1"),
    SpeechWord("a", 0.7, 0.8, "spk_1"),
    SpeechWord("net", 0.8, 1.0, "spk_1"),
    SpeechWord("ease", 1.0, 1.3, "spk_1"),
    SpeechWord("cluster", 1.4, 1.9, "spk_1"),
    SpeechWord("is", 2.0, 2.1, "spk_1"),
    SpeechWord("down.", 2.1, 2.5, "spk_1"),
    SpeechWord("Ich", 2.9, 3.0, "spk_2"),
    SpeechWord("schaue.", 3.1, 3.5, "spk_2"),
]
CONFIG = {
    "mode": {
        "type": "verbatim",
        "diarization_mode": "speaker",
        "timestamp_granularities": ["word"],
    },
    "custom_vocabulary": ["Kubernetes"],
    "language_codes": ["en-US"],  # "English" as BCP-47
}
SPEECH = Hearing(engine=Engine.SPEECH, vocabulary=("Kubernetes",), word_timestamps=True)


@pytest.fixture
def pipeline(gemini_service: GeminiService, audio_tools: AudioTools, tmp_path: Path) -> Pipeline:
    return make_pipeline(gemini_service, audio_tools, tmp_path)


async def transcribe(pipeline: Pipeline, path: Path, hearing: Hearing) -> TranscriptDocument:
    async with pipeline.workspace() as workdir:
        processed = await pipeline.process_in(
            path, workdir, path.name, JobOptions(language="English"), hearing=hearing
        )
    return processed.document


async def test_the_speech_engine_produces_word_timed_srt(
    pipeline: Pipeline, fake_gemini: FakeGemini, voice_note: Path
) -> None:
    fake_gemini.enqueue(Reply.speech(*WORDS), Reply.json(NOTES))
    document = await transcribe(pipeline, voice_note, SPEECH)

    speech, notes = fake_gemini.requests
    assert speech.model == SPEECH_MODEL
    assert speech.body["generation_config"]["transcription_config"] == CONFIG
    assert notes.model == pipeline.gemini.model
    assert notes.audio_parts == []
    assert "Kubernetes" in notes.input_parts[0]["text"]  # the server prefix comes first
    assert (document.engine, document.model, document.timing) == (
        Engine.SPEECH.value,
        SPEECH_MODEL,
        "words",
    )
    alice, bob = document.segments
    assert (alice.speaker, bob.speaker) == ("Speaker 1", "Speaker 2")
    assert alice.content == "The Kubernetes cluster is down."  # misheard term put right
    assert [w.text for w in alice.words][:3] == ["The", "Kubernetes", "cluster"]
    assert alice.words[1].start == 0.5
    assert alice.words[1].end == 1.3
    assert bob.translation == "I will look."
    assert bob.language == "de"
    assert "Evil" not in document.model_dump_json()  # only the server's own terms
    assert alice.emotion is None
    assert document.summary.startswith("Alice says")
    assert render_srt(document).startswith(
        "1\n00:00:00,200 --> 00:00:02,500\nSpeaker 1: The Kubernetes cluster is down.\n"
    )
    assert "2\n00:00:02,900 --> 00:00:03,500\nSpeaker 2: Ich schaue.\n(I will look.)" in (
        render_srt(document)
    )
    assert document.usage.requests == 2


async def test_without_word_timestamps_times_are_estimated(
    pipeline: Pipeline, fake_gemini: FakeGemini, voice_note: Path
) -> None:
    fake_gemini.enqueue(Reply.speech(*WORDS), Reply.json(NOTES))
    hearing = Hearing(engine=Engine.SPEECH)
    document = await transcribe(pipeline, voice_note, hearing)
    mode = fake_gemini.requests[0].body["generation_config"]["transcription_config"]["mode"]
    assert mode == {"type": "verbatim", "diarization_mode": "speaker"}
    assert document.timing == "estimated"
    assert all(segment.words == [] for segment in document.segments)
    assert document.segments[0].start == 0.0
    assert document.segments[-1].end == pytest.approx(document.source.duration_s, abs=0.01)
    assert "misheard" not in notes_text(fake_gemini)  # no vocabulary: no fixes asked


def notes_text(fake: FakeGemini) -> str:
    return " ".join(str(p.get("text")) for p in fake.requests[1].input_parts)


async def test_engines_and_vocabularies_are_cached_apart(
    pipeline: Pipeline, fake_gemini: FakeGemini, voice_note: Path
) -> None:
    plain = pipeline.cache_key("a" * 64, JobOptions())
    assert plain != pipeline.cache_key("a" * 64, JobOptions(), SPEECH)
    other = Hearing(engine=Engine.SPEECH, vocabulary=("Grafana",), word_timestamps=True)
    assert pipeline.cache_key("a" * 64, JobOptions(), SPEECH) != pipeline.cache_key(
        "a" * 64, JobOptions(), other
    )
    assert SPEECH_MODEL in pipeline.cache_key("a" * 64, JobOptions(), SPEECH)
