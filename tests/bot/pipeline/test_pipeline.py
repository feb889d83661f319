"""The whole pipeline on real audio, with the real SDK talking to the fake Gemini."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.audio import AudioTools
from bot.gemini import GeminiService
from bot.model import Mode, TranscriptDocument
from bot.options import JobOptions
from bot.pipeline import Pipeline, Progress
from testkit.audio import PausedSpeech
from testkit.gemini import FakeGemini, Reply
from tests.helpers.pipelines import MemoryCache, make_pipeline
from tests.helpers.replies import segment, smart_reply, transcript


@pytest.fixture
def pipeline(gemini_service: GeminiService, audio_tools: AudioTools, tmp_path: Path) -> Pipeline:
    return make_pipeline(gemini_service, audio_tools, tmp_path, chunk_concurrency=2)


async def run(pipeline: Pipeline, path: Path, **options: Any) -> TranscriptDocument:
    return await pipeline.process_file(path, file_name=path.name, options=JobOptions(**options))


async def test_voice_note_transcript(
    pipeline: Pipeline, fake_gemini: FakeGemini, voice_note: Path, tmp_path: Path
) -> None:
    fake_gemini.enqueue(Reply.json(transcript(segment("00:00", "Testing one two three."))))
    document = await run(pipeline, voice_note)
    assert document.kind is Mode.TRANSCRIPT
    assert document.segments[0].content == "Testing one two three."
    assert document.segments[-1].end == pytest.approx(document.source.duration_s, abs=0.01)
    assert document.source.mime_type == "audio/ogg"
    assert len(document.source.sha256) == 64
    assert document.usage.requests == 1
    assert fake_gemini.requests[0].audio_parts[0]["mime_type"] == "audio/ogg"
    assert not any((tmp_path / "jobs").iterdir())


async def test_digital_silence_costs_no_request(
    pipeline: Pipeline, fake_gemini: FakeGemini, silence_files: dict[str, Path]
) -> None:
    document = await run(pipeline, silence_files["opus_long"])
    assert document.no_speech
    assert document.summary.startswith("No speech heard")
    assert fake_gemini.requests == []


async def test_time_range_is_cut_locally_and_offset(
    pipeline: Pipeline, fake_gemini: FakeGemini, paused_speech: PausedSpeech
) -> None:
    fake_gemini.enqueue(Reply.json(transcript(segment("00:00", "a"), segment("00:05", "b"))))
    document = await run(pipeline, paused_speech.path, start_s=60.0, end_s=90.0)
    assert [s.start for s in document.segments] == [60.0, 65.0]
    assert [s.timestamp for s in document.segments] == ["01:00", "01:05"]
    assert document.segments[-1].end == pytest.approx(90.0, abs=0.5)
    assert document.source.range_start_s == 60.0
    sent = fake_gemini.requests[0]
    assert len(sent.audio_parts[0]["data"]) < len(paused_speech.path.read_bytes())


async def test_long_audio_is_chunked_stitched_and_speakers_reconciled(
    gemini_service: GeminiService,
    audio_tools: AudioTools,
    tmp_path: Path,
    fake_gemini: FakeGemini,
    paused_speech: PausedSpeech,
) -> None:
    pipeline = make_pipeline(gemini_service, audio_tools, tmp_path, chunk_s=60, chunk_concurrency=2)
    fake_gemini.set_responder(smart_reply)
    seen: list[Progress] = []

    async def progress(value: Progress) -> None:
        seen.append(value)

    document = await pipeline.process_file(
        paused_speech.path, file_name="long.ogg", options=JobOptions(), progress=progress
    )
    chunks = [r for r in fake_gemini.requests if r.audio_parts]
    assert len(chunks) >= 3
    starts = [s.start for s in document.segments]
    assert starts == sorted(starts)
    assert starts[-1] > 120  # absolute times from the later chunks
    assert {s.speaker for s in document.segments} == {"Alice"}
    assert document.summary == "The whole thing."
    assert seen[-1].done == seen[-1].total == len(chunks)
    assert document.usage.requests == len(fake_gemini.requests)


async def test_cut_output_on_a_long_chunk_is_recovered_by_splitting(
    gemini_service: GeminiService,
    audio_tools: AudioTools,
    tmp_path: Path,
    fake_gemini: FakeGemini,
    paused_speech: PausedSpeech,
) -> None:
    pipeline = make_pipeline(gemini_service, audio_tools, tmp_path)
    fake_gemini.enqueue(Reply.truncated(transcript(*(segment("00:01", f"w{i}") for i in range(9)))))
    fake_gemini.set_responder(smart_reply)
    document = await run(pipeline, paused_speech.path)
    assert not document.partial
    halves = [r for r in fake_gemini.requests if r.audio_parts][1:]
    assert len(halves) == 2
    assert max(s.start for s in document.segments) > paused_speech.duration_s / 2


async def test_cut_output_on_a_short_clip_keeps_whole_segments_marked_partial(
    pipeline: Pipeline, fake_gemini: FakeGemini, voice_note: Path
) -> None:
    reply = transcript(*(segment(f"00:0{i}", f"segment {i}") for i in range(5)))
    fake_gemini.enqueue(Reply.truncated(reply))
    document = await run(pipeline, voice_note)
    assert document.partial
    assert document.segments
    assert all(s.content.startswith("segment ") for s in document.segments)
    assert any("cut short" in w for w in document.warnings)


async def test_repetition_loop_is_retried_once(
    pipeline: Pipeline, fake_gemini: FakeGemini, voice_note: Path
) -> None:
    fake_gemini.enqueue(
        Reply.repeat_loop(transcript(segment("00:00", "hello"), segment("00:01", "again"))),
        Reply.json(transcript(segment("00:00", "hello"), segment("00:01", "bye"))),
    )
    document = await run(pipeline, voice_note)
    assert [s.content for s in document.segments] == ["hello", "bye"]
    assert document.usage.requests == 2


async def test_bad_timestamps_are_repaired(
    pipeline: Pipeline, fake_gemini: FakeGemini, voice_note: Path
) -> None:
    fake_gemini.enqueue(
        Reply.json(
            transcript(
                segment("00:02", "second"),
                segment("00:00", "first"),
                segment("09:59", "ghost"),
            )
        )
    )
    document = await run(pipeline, voice_note)
    assert [s.content for s in document.segments] == ["first", "second"]
    assert len(document.warnings) == 2


async def test_summary_and_ask_modes(
    pipeline: Pipeline, fake_gemini: FakeGemini, voice_note: Path
) -> None:
    fake_gemini.set_responder(smart_reply)
    summary = await run(pipeline, voice_note, mode=Mode.SUMMARY)
    assert (summary.summary, summary.key_points) == ("The whole thing.", ["k"])
    assert summary.segments == []
    fake_gemini.set_responder(None)
    fake_gemini.enqueue(
        Reply.json(
            {
                "language": "en",
                "answer": "Three.",
                "evidence": [{"timestamp": "00:01", "quote": "three"}],
            }
        )
    )
    answer = await run(pipeline, voice_note, mode=Mode.ASK, question="How many?")
    assert (answer.question, answer.answer) == ("How many?", "Three.")
    assert answer.evidence[0].start == 1.0
    assert "<<<How many?>>>" in fake_gemini.requests[-1].input_parts[0]["text"]


async def test_same_audio_and_options_hit_the_cache(
    gemini_service: GeminiService,
    audio_tools: AudioTools,
    tmp_path: Path,
    fake_gemini: FakeGemini,
    voice_note: Path,
) -> None:
    cache = MemoryCache()
    pipeline = make_pipeline(gemini_service, audio_tools, tmp_path, cache=cache)
    fake_gemini.set_responder(smart_reply)
    first = await run(pipeline, voice_note)
    again = await run(pipeline, voice_note)
    assert again.segments == first.segments
    assert (first.usage.requests, again.usage.requests) == (1, 0)  # nothing spent again
    assert len(fake_gemini.requests) == 1
    await run(pipeline, voice_note, translate_to="German")
    assert len(fake_gemini.requests) == 2
    key = next(iter(cache.items))
    assert json.loads(cache.items[key])["source"]["sha256"] in key
