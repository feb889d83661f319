"""The fake Gemini's newer inputs, through the real SDK: YouTube videos, the speech model's
transcription config and word annotations, service tiers and implicit caching."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from google.genai._interactions import BadRequestError, InternalServerError
from google.genai.interactions import Interaction

from testkit import audio as fx
from testkit.gemini import MIN_CACHED_TOKENS, FakeGemini, Reply, SpeechWord, text_tokens
from tests.testkit.gemini_calls import MODEL, audio_part, create, usage_of

SPEECH = "gemini-3.5-transcribe"
VIDEO_ID = "dQw4w9WgXcQ"
BACKWARDS = {"type": "static", "start_offset": "30s", "end_offset": "10s"}
VERBATIM = {"type": "verbatim", "diarization_mode": "speaker", "timestamp_granularities": ["word"]}


def video(url: str, **extra: Any) -> dict[str, Any]:
    return {"type": "video", "uri": url, **extra}


async def ask_about(fake: FakeGemini, *blocks: dict[str, Any], **overrides: Any) -> Interaction:
    """One interactions.create with these input blocks after a short prompt."""
    inputs = [{"type": "text", "text": "Transcribe."}, *blocks]
    return await create(fake, b"", input=inputs, **overrides)


def modalities(interaction: Interaction) -> dict[str, int]:
    by = usage_of(interaction).input_tokens_by_modality or []
    return {str(item.modality): int(item.tokens or 0) for item in by}


async def test_a_public_video_bills_frames_by_resolution_and_the_whole_audio(
    fake_gemini: FakeGemini,
) -> None:
    url = fake_gemini.youtube.add(VIDEO_ID, 600.0)
    plain = await ask_about(fake_gemini, video(url))
    assert modalities(plain)["video"] == 600 * 258  # 1 frame per second, default resolution
    assert modalities(plain)["audio"] == 600 * 32
    bounded = video(
        url,
        resolution="low",
        processing={"type": "static", "end_offset": "60s", "fps": 0.5, "content_layers": ["audio"]},
    )
    cheap = await ask_about(fake_gemini, bounded)
    assert modalities(cheap)["video"] == 30 * 66  # frames clipped, low resolution, 0.5 fps
    assert modalities(cheap)["audio"] == 600 * 32  # YouTube audio is not clipped (reported)
    assert fake_gemini.youtube.fetched == [VIDEO_ID, VIDEO_ID]


@pytest.mark.parametrize(
    ("register", "block"),
    [
        (None, video(f"https://www.youtube.com/watch?v={VIDEO_ID}")),  # unknown
        (False, video(f"https://www.youtube.com/watch?v={VIDEO_ID}")),  # private
        (True, video("https://example.com/video.mp4")),
        (True, video(f"https://youtu.be/{VIDEO_ID}")),  # only the canonical form is known
        (True, video(f"https://www.youtube.com/watch?v={VIDEO_ID}", processing=BACKWARDS)),
    ],
)
async def test_videos_gemini_cannot_use_are_refused(
    fake_gemini: FakeGemini, register: bool | None, block: dict[str, Any]
) -> None:
    if register is not None:
        fake_gemini.youtube.add(VIDEO_ID, 60.0, public=register)
    with pytest.raises(BadRequestError) as refused:
        await ask_about(fake_gemini, block)
    assert refused.value.body["error"]["code"] == "invalid_request"  # type: ignore[index]
    assert fake_gemini.youtube.fetched == []


def speech_words() -> list[SpeechWord]:
    return [
        SpeechWord("Deploy", 0.2, 0.6, "spk_1"),
        SpeechWord("Kubernetes", 0.7, 1.4, "spk_1", unbiased="cube a net ease"),
        SpeechWord("now.", 1.5, 1.9, "spk_2"),
    ]


async def transcribe(fake: FakeGemini, note: bytes, **config: Any) -> Interaction:
    fake.enqueue(Reply.speech(*speech_words()))
    return await create(
        fake,
        note,
        model=SPEECH,
        input=[audio_part(note)],
        response_format=None,
        system_instruction=None,
        generation_config={"transcription_config": config},
    )


def word_notes(interaction: Interaction) -> list[dict[str, Any]]:
    """The word annotations of the answer's one text block, as the SDK parsed them."""
    (step,) = interaction.steps or []
    step_any: Any = step
    (content,) = step_any.content
    return [a.model_dump(exclude_none=True) for a in content.annotations or []]


async def test_verbatim_mode_gives_speakers_and_word_timestamps(
    fake_gemini: FakeGemini, note: bytes
) -> None:
    interaction = await transcribe(fake_gemini, note, mode=VERBATIM, language_codes=["en-US"])
    assert interaction.output_text == "Deploy cube a net ease now."
    words = word_notes(interaction)
    assert words[0] == {
        "type": "word_info",
        "text": "Deploy",
        "start_offset": "0.200s",
        "end_offset": "0.600s",
        "speaker": "spk_1",
        "start_index": 0,
        "end_index": 6,
    }
    assert [w["speaker"] for w in words] == ["spk_1", "spk_1", "spk_2"]
    assert usage_of(interaction).total_thought_tokens is None  # the speech model doesn't think
    assert fake_gemini.speech.deprecated_seen == []


async def test_smart_mode_has_no_timing_or_speakers(fake_gemini: FakeGemini, note: bytes) -> None:
    words = word_notes(await transcribe(fake_gemini, note, mode="smart"))
    assert all(set(w) == {"type", "text", "start_index", "end_index"} for w in words)


@pytest.mark.parametrize(
    ("config", "heard"),
    [
        ({"custom_vocabulary": ["Kubernetes"]}, "Kubernetes"),  # no mode: honoured
        ({"custom_vocabulary": ["Kubernetes"], "mode": VERBATIM}, "cube a net ease"),
        ({"custom_vocabulary": ["Kubernetes"], "mode": "smart"}, "cube a net ease"),
        ({}, "cube a net ease"),
    ],
)
async def test_custom_vocabulary_is_honoured_only_without_a_mode(
    fake_gemini: FakeGemini, note: bytes, config: dict[str, Any], heard: str
) -> None:
    interaction = await transcribe(fake_gemini, note, **config)
    assert interaction.output_text == f"Deploy {heard} now."


async def test_the_deprecated_top_level_fields_still_work_and_are_noticed(
    fake_gemini: FakeGemini, note: bytes
) -> None:
    old = {"diarization_mode": "speaker", "timestamp_granularities": ["word"]}
    words = word_notes(await transcribe(fake_gemini, note, **old))
    assert "start_offset" in words[0]
    assert "speaker" in words[0]
    assert fake_gemini.speech.deprecated_seen == ["diarization_mode", "timestamp_granularities"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"response_format": {"type": "text", "mime_type": "application/json", "schema": {}}},
        {"service_tier": "flex"},
        {"system_instruction": "Be helpful."},
        {"generation_config": {"thinking_level": "low"}},
        {"generation_config": {"transcription_config": {"language_codes": ["english"]}}},
        {"generation_config": {"transcription_config": {"mode": {"type": "loud"}}}},
    ],
)
async def test_the_speech_model_refuses_what_it_does_not_take(
    fake_gemini: FakeGemini, note: bytes, overrides: dict[str, Any]
) -> None:
    kwargs: dict[str, Any] = {"model": SPEECH, "input": [audio_part(note)]}
    kwargs |= {"response_format": None, "system_instruction": None, "generation_config": None}
    with pytest.raises(BadRequestError):
        await create(fake_gemini, note, **(kwargs | overrides))


async def test_the_speech_model_takes_at_most_30_minutes_with_word_timestamps(
    fake_gemini: FakeGemini, tmp_path: Path
) -> None:
    long = fx.digital_silence(tmp_path / "long.ogg", 1801).read_bytes()
    with pytest.raises(BadRequestError, match="1800 s limit"):
        await transcribe(fake_gemini, long, mode=VERBATIM)
    fake_gemini._queue.clear()
    plain = await transcribe(fake_gemini, long, mode={"type": "verbatim"})
    assert plain.output_text  # an hour is allowed without diarization or timestamps


async def test_flex_is_served_as_flex_and_the_default_is_standard(
    fake_gemini: FakeGemini, note: bytes
) -> None:
    assert (await create(fake_gemini, note)).service_tier == "standard"
    assert (await create(fake_gemini, note, service_tier="flex")).service_tier == "flex"
    with pytest.raises(BadRequestError):
        await create(fake_gemini, note, service_tier="deferred")


async def test_flex_requests_can_be_dropped_and_standard_ones_are_not(
    fake_gemini: FakeGemini, note: bytes
) -> None:
    fake_gemini.flex.drops = 1
    assert (await create(fake_gemini, note)).service_tier == "standard"  # not a flex request
    with pytest.raises(InternalServerError) as dropped:
        await create(fake_gemini, note, service_tier="flex")
    assert dropped.value.status_code == 503
    assert (await create(fake_gemini, note, service_tier="flex")).service_tier == "flex"
    assert fake_gemini.flex.dropped == 1


async def test_a_long_repeated_prefix_is_served_from_the_cache(
    fake_gemini: FakeGemini, note: bytes
) -> None:
    glossary = {"type": "text", "text": "Terms: " + "Kubernetes, Grafana, " * 260}
    prefix_tokens = text_tokens("You transcribe voice notes.") + text_tokens(glossary["text"])
    assert prefix_tokens >= MIN_CACHED_TOKENS
    blocks = [glossary, {"type": "text", "text": "Transcribe."}, audio_part(note)]
    first = await create(fake_gemini, note, input=blocks)
    assert usage_of(first).total_cached_tokens is None
    second = await create(fake_gemini, note, input=[*blocks[:2], audio_part(note)])
    assert usage_of(second).total_cached_tokens == usage_of(second).total_input_tokens
    other = [glossary, {"type": "text", "text": "Summarize."}, audio_part(note)]
    third = await create(fake_gemini, note, input=other)
    assert usage_of(third).total_cached_tokens == prefix_tokens  # only the shared blocks
    short = [{"type": "text", "text": "Terms: Grafana."}, audio_part(note)]
    await create(fake_gemini, note, input=short)
    again = await create(fake_gemini, note, input=short)
    assert usage_of(again).total_cached_tokens is None  # under the minimum: nothing cached
    elsewhere = await create(fake_gemini, note, input=blocks, model=f"{MODEL}-other")
    assert usage_of(elsewhere).total_cached_tokens is None  # caches are per model
