"""A YouTube video goes to Gemini by URL, bounded and never downloaded; a stored transcript
is translated from its text alone and cached per language."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.audio import AudioTools
from bot.errors import GeminiRejected, QuotaExceeded
from bot.gemini import GeminiService
from bot.model import Mode
from bot.options import JobOptions, ServiceTier
from bot.pipeline import Pipeline, Translator, quota_seconds
from testkit.gemini import FakeGemini, Reply
from tests.helpers.pipelines import MemoryCache, make_pipeline
from tests.helpers.replies import segment, transcript

VIDEO_ID = "dQw4w9WgXcQ"


@pytest.fixture
def cache() -> MemoryCache:
    return MemoryCache()


@pytest.fixture
def pipeline(
    gemini_service: GeminiService, audio_tools: AudioTools, tmp_path: Path, cache: MemoryCache
) -> Pipeline:
    return make_pipeline(gemini_service, audio_tools, tmp_path, cache=cache, video_max_s=300)


async def test_a_video_is_asked_for_by_its_canonical_uri_and_bounded(
    pipeline: Pipeline, fake_gemini: FakeGemini, tmp_path: Path
) -> None:
    url = fake_gemini.youtube.add(VIDEO_ID, 600.0)
    fake_gemini.enqueue(Reply.json(transcript(segment("00:05", "Hi"), segment("07:00", "late"))))
    admitted: list[float] = []

    async def admit(seconds: float) -> None:
        admitted.append(seconds)

    processed = await pipeline.process_video(url, JobOptions(), admit=admit)
    (request,) = fake_gemini.requests
    assert request.audio_parts == []
    video = request.input_parts[-1]
    assert video["uri"] == url
    assert video["processing"] == {
        "type": "static",
        "start_offset": "0s",
        "end_offset": "300s",
        "fps": 0.25,
        "content_layers": ["audio"],
    }
    assert "from 00:00 to 05:00" in request.input_parts[0]["text"]
    document = processed.document
    assert document.source.uri == url
    assert document.source.file_name == url
    assert document.source.duration_s == 600.0  # the real length, from the audio tokens
    assert [s.content for s in document.segments] == ["Hi"]  # past the window: dropped
    assert document.usage.audio_tokens == 600 * 32
    assert quota_seconds(document) == (600 * 32 + 75 * 66) / 32
    assert admitted == [pytest.approx(300 * (32 + 0.25 * 66) / 32)]
    assert not (tmp_path / "jobs").exists()  # no workspace: nothing was ever downloaded
    again = await pipeline.process_video(url, JobOptions())
    assert again.reused
    assert len(fake_gemini.requests) == 1


async def test_the_requested_window_and_the_server_limit_bound_the_video(
    pipeline: Pipeline, fake_gemini: FakeGemini
) -> None:
    url = fake_gemini.youtube.add(VIDEO_ID, 3600.0)
    options = JobOptions(mode=Mode.SUMMARY, start_s=600.0, end_s=2400.0)
    await pipeline.process_video(url, options)
    processing = fake_gemini.requests[0].input_parts[-1]["processing"]
    assert (processing["start_offset"], processing["end_offset"]) == ("600s", "900s")


async def test_a_private_video_is_refused_in_plain_words(
    pipeline: Pipeline, fake_gemini: FakeGemini
) -> None:
    url = fake_gemini.youtube.add(VIDEO_ID, 60.0, public=False)
    with pytest.raises(GeminiRejected, match="Only public YouTube videos work"):
        await pipeline.process_video(url, JobOptions())


async def test_a_refused_admission_sends_nothing(
    pipeline: Pipeline, fake_gemini: FakeGemini
) -> None:
    url = fake_gemini.youtube.add(VIDEO_ID, 60.0)

    async def refuse(seconds: float) -> None:
        raise QuotaExceeded("no")

    with pytest.raises(QuotaExceeded):
        await pipeline.process_video(url, JobOptions(), admit=refuse)
    assert fake_gemini.requests == []


async def test_a_transcript_is_translated_from_its_text_and_cached_per_language(
    pipeline: Pipeline, fake_gemini: FakeGemini, voice_note: Path, cache: MemoryCache
) -> None:
    fake_gemini.enqueue(Reply.json(transcript(segment("00:00", "Hello"), segment("00:02", "Bye"))))
    document = await pipeline.process_file(voice_note, file_name="n.ogg", options=JobOptions())
    translation = {
        "summary": "Une note.",
        "lines": [{"line": 1, "text": "Bonjour"}, {"line": 2, "text": "Salut"}],
    }
    fake_gemini.enqueue(Reply.json(translation))
    translator = Translator(cache)
    gemini = pipeline.gemini.scoped(prefix=None, tier=ServiceTier.STANDARD)
    first = await translator.translate(gemini, document, "French", "key")
    assert fake_gemini.requests[-1].audio_parts == []  # no audio sent again
    assert "1. Hello\n2. Bye" in fake_gemini.requests[-1].input_parts[0]["text"]
    assert [s.translation for s in first.document.segments] == ["Bonjour", "Salut"]
    assert first.document.summary == "Une note."
    assert first.document.translate_to == "French"
    assert not first.cached
    assert first.usage.requests == 1
    again = await translator.translate(gemini, document, " french ", "key")
    assert again.cached
    assert again.usage.requests == 0
    assert len(fake_gemini.requests) == 2
