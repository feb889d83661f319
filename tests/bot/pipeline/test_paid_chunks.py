"""Long audio whose chunks are already paid for: a cut speaker-map reply falls back instead of
failing the job, and a request that fails for good still reports everything spent before it.
Real audio cut at real silences, the real SDK, the fake Gemini."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.audio import AudioTools
from bot.errors import GeminiBadOutput, GeminiRejected
from bot.gemini import GeminiService
from bot.options import JobOptions
from bot.pipeline import Pipeline
from testkit.audio import PausedSpeech
from testkit.gemini import FakeGemini, RecordedRequest, Reply, TokenCounts
from tests.helpers.pipelines import make_pipeline

SPEAKERS_WARNING = "Speaker labels were assigned per part and may not match across parts."
CHUNK = {
    "language": "en",
    "summary": "Part summary.",
    "segments": [
        {
            "speaker": "Speaker 1",
            "timestamp": "00:01",
            "content": "words",
            "language": "en",
            "translation": "",
            "emotion": "neutral",
        }
    ],
    "flags": [],
}
SUMMARY = {
    "language": "en",
    "summary": "The whole thing.",
    "key_points": [],
    "action_items": [],
    "emotion": "neutral",
    "flags": [],
}


def asks_for(request: RecordedRequest) -> str:
    """Which request this is: a chunk, the speaker map or the overall summary."""
    properties = (request.response_schema or {}).get("properties", {})
    if "links" in properties:
        return "speakers"
    return "summary" if "key_points" in properties else "chunk"


@pytest.fixture
def pipeline(gemini_service: GeminiService, audio_tools: AudioTools, tmp_path: Path) -> Pipeline:
    """Three-minute audio in one-minute chunks, one at a time (a predictable order)."""
    return make_pipeline(gemini_service, audio_tools, tmp_path, chunk_s=60, chunk_concurrency=1)


async def transcribe(pipeline: Pipeline, speech: PausedSpeech) -> Any:
    return await pipeline.process_file(speech.path, file_name="long.ogg", options=JobOptions())


async def test_a_cut_speaker_map_keeps_the_paid_chunks_and_says_so(
    pipeline: Pipeline, fake_gemini: FakeGemini, paused_speech: PausedSpeech
) -> None:
    links = {"links": [{"part": p, "label": "Speaker 1", "speaker": "Alice"} for p in range(9)]}
    cut = Reply.truncated(links, usage=TokenCounts(400, 4000, thought=250))
    replies = {"chunk": Reply.json(CHUNK), "speakers": cut, "summary": Reply.json(SUMMARY)}
    fake_gemini.set_responder(lambda request: replies[asks_for(request)])

    document = await transcribe(pipeline, paused_speech)

    kinds = [asks_for(request) for request in fake_gemini.requests]
    assert kinds.count("chunk") >= 3
    assert kinds.count("speakers") == 1  # a cut reply is not asked for again
    assert SPEAKERS_WARNING in document.warnings
    assert {segment.speaker for segment in document.segments} == {"Speaker 1"}
    assert document.summary == "The whole thing."
    assert document.usage.requests == len(fake_gemini.requests)  # the cut reply counted
    assert document.usage.output_tokens >= 4000
    assert document.usage.thought_tokens >= 250


async def test_a_chunk_failing_for_good_stops_the_rest_and_reports_what_was_spent(
    pipeline: Pipeline, fake_gemini: FakeGemini, paused_speech: PausedSpeech
) -> None:
    chunk_requests = 0

    def responder(request: RecordedRequest) -> Reply:
        nonlocal chunk_requests
        chunk_requests += 1
        return Reply.json(CHUNK) if chunk_requests == 1 else Reply.text("{not json")

    fake_gemini.set_responder(responder)

    with pytest.raises(GeminiBadOutput) as caught:
        await transcribe(pipeline, paused_speech)

    assert len(fake_gemini.requests) == 4  # chunk 1, then chunk 2's three tries; no chunk 3
    assert caught.value.usage.requests == 4
    assert caught.value.usage.input_tokens > 4 * 30 * 32  # four requests, ~a minute of audio each


async def test_a_refused_summary_merge_still_reports_the_chunks_spend(
    pipeline: Pipeline, fake_gemini: FakeGemini, paused_speech: PausedSpeech
) -> None:
    replies = {
        "chunk": Reply.json(CHUNK),
        "speakers": Reply.json({"links": []}),
        "summary": Reply.payment_required(),
    }
    fake_gemini.set_responder(lambda request: replies[asks_for(request)])

    with pytest.raises(GeminiRejected, match="credit") as caught:
        await transcribe(pipeline, paused_speech)

    billed = [r for r in fake_gemini.requests if asks_for(r) != "summary"]
    assert caught.value.usage.requests == len(billed)  # every chunk and the speaker map
