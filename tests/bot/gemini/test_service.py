"""GeminiService against the fake Gemini, through the real google-genai SDK."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.errors import GeminiBadOutput, GeminiRejected, GeminiUnavailable, TruncatedOutput
from bot.gemini import AudioInput, GeminiService, GeminiTranscript, estimate_audio_tokens
from testkit.gemini import FakeGemini, Reply, TokenCounts
from tests.helpers.clocks import SleepRecorder

GOOD = {
    "language": "en",
    "summary": "A short hello.",
    "segments": [
        {
            "speaker": "Speaker 1",
            "timestamp": "00:00",
            "content": "Hello",
            "language": "en",
            "translation": "",
            "emotion": "happy",
        },
    ],
    "flags": [],
}


async def ask(service: GeminiService, audio: AudioInput) -> GeminiTranscript:
    reply = await service.structured(prompt="p", response_model=GeminiTranscript, audio=audio)
    return reply.value


async def test_request_carries_the_schema_audio_and_privacy_options(
    fake_gemini: FakeGemini, gemini_service: GeminiService, audio: AudioInput
) -> None:
    fake_gemini.enqueue(Reply.json(GOOD, usage=TokenCounts(96, 40)))
    reply = await gemini_service.structured(
        prompt="Transcribe", response_model=GeminiTranscript, audio=audio
    )
    assert reply.value.segments[0].content == "Hello"
    assert (reply.usage.requests, reply.usage.input_tokens, reply.usage.output_tokens) == (
        1,
        96,
        40,
    )
    assert reply.usage.estimated_input_tokens == estimate_audio_tokens(3.0) == 96
    sent = fake_gemini.requests[0]
    assert sent.body["store"] is False
    assert sent.body["response_format"]["type"] == "text"
    assert sent.body["response_format"]["mime_type"] == "application/json"
    assert "$defs" not in str(sent.response_schema)
    assert sent.body["generation_config"]["thinking_level"] == "low"
    assert sent.audio_parts[0]["mime_type"] == "audio/ogg"
    assert "data" in sent.audio_parts[0]
    assert "x-goog-api-key" not in {k.lower() for k in sent.headers}


async def test_rate_limit_then_ok_honours_retry_after(
    fake_gemini: FakeGemini,
    gemini_service: GeminiService,
    audio: AudioInput,
    sleeps: SleepRecorder,
) -> None:
    fake_gemini.enqueue(Reply.rate_limited(retry_after=7), Reply.json(GOOD))
    assert (await ask(gemini_service, audio)).summary == "A short hello."
    assert len(fake_gemini.requests) == 2
    assert sleeps.calls == [7.0]


async def test_overloaded_gives_up_after_the_attempt_budget(
    fake_gemini: FakeGemini, gemini_service: GeminiService, audio: AudioInput
) -> None:
    fake_gemini.set_responder(lambda _request: Reply.unavailable())
    with pytest.raises(GeminiUnavailable, match="overloaded"):
        await ask(gemini_service, audio)
    assert len(fake_gemini.requests) == 3  # RetryPolicy(attempts=3); the SDK adds none


async def test_a_retry_hint_longer_than_the_cap_is_not_waited_out(
    fake_gemini: FakeGemini,
    gemini_service: GeminiService,
    audio: AudioInput,
    sleeps: SleepRecorder,
) -> None:
    fake_gemini.enqueue(Reply.rate_limited(retry_after=3600))
    with pytest.raises(GeminiUnavailable) as caught:
        await ask(gemini_service, audio)
    assert caught.value.retry_after_s == 3600
    assert sleeps.calls == []


async def test_server_error_once_is_retried(
    fake_gemini: FakeGemini, gemini_service: GeminiService, audio: AudioInput
) -> None:
    fake_gemini.enqueue(Reply.internal(), Reply.json(GOOD))
    assert (await ask(gemini_service, audio)).language == "en"


async def test_invalid_json_empty_and_failed_replies_are_retried_then_explained(
    fake_gemini: FakeGemini, gemini_service: GeminiService, audio: AudioInput
) -> None:
    fake_gemini.enqueue(Reply.text("{not json"), Reply.text(""), Reply.json(GOOD))
    assert (await ask(gemini_service, audio)).summary == "A short hello."
    fake_gemini.enqueue(Reply.text("nope"), Reply.failed(), Reply.text('{"language": 1}'))
    with pytest.raises(GeminiBadOutput, match="unusable"):
        await ask(gemini_service, audio)


async def test_incomplete_output_is_reported_as_truncated(
    fake_gemini: FakeGemini, gemini_service: GeminiService, audio: AudioInput
) -> None:
    fake_gemini.enqueue(Reply.truncated(GOOD))
    with pytest.raises(TruncatedOutput) as caught:
        await ask(gemini_service, audio)
    assert caught.value.text.startswith('{"language"')
    assert caught.value.usage.requests == 1


async def test_continuation_hops_are_joined_by_the_sdk(
    fake_gemini: FakeGemini, gemini_service: GeminiService, audio: AudioInput
) -> None:
    import json

    text = json.dumps(GOOD)
    fake_gemini.enqueue(Reply.continuation(text[:30], text[30:]))
    assert (await ask(gemini_service, audio)).segments[0].emotion == "happy"


async def test_a_refused_key_is_final_and_never_echoed(
    fake_gemini: FakeGemini, gemini_service: GeminiService, audio: AudioInput
) -> None:
    real_key = fake_gemini.api_key
    fake_gemini.api_key = "the-key-gemini-expects"  # the service sends another: 401
    with pytest.raises(GeminiRejected, match="API key") as caught:
        await ask(gemini_service, audio)
    assert real_key not in str(caught.value)
    assert fake_gemini.api_key not in str(caught.value)
    assert len(fake_gemini.requests) == 1


async def test_slow_replies_time_out_and_count_as_unavailable(
    fake_gemini: FakeGemini,
    make_gemini_service: Callable[..., GeminiService],
    audio: AudioInput,
) -> None:
    fake_gemini.set_responder(lambda _request: Reply.slow(5.0, Reply.json(GOOD)))
    with pytest.raises(GeminiUnavailable, match="took too long"):
        await ask(make_gemini_service(timeout_s=1.0), audio)


async def test_large_audio_goes_through_the_files_api_and_is_deleted(
    fake_gemini: FakeGemini,
    make_gemini_service: Callable[..., GeminiService],
    audio: AudioInput,
) -> None:
    path = audio.path
    service = make_gemini_service(inline_limit_bytes=audio.size_bytes)  # stands for 20 MB
    fake_gemini.enqueue(Reply.json(GOOD))
    await ask(service, audio)
    audio_part = fake_gemini.requests[0].audio_parts[0]
    assert "uri" in audio_part
    assert "data" not in audio_part
    (upload,) = fake_gemini.uploads.values()
    assert upload.data == path.read_bytes()
    assert upload.deleted


async def test_text_only_requests_send_no_audio(
    fake_gemini: FakeGemini, gemini_service: GeminiService
) -> None:
    reply = await gemini_service.structured(prompt="merge", response_model=GeminiTranscript)
    assert isinstance(reply.value, GeminiTranscript)  # the fake's schema-walking default
    assert fake_gemini.requests[0].audio_parts == []


async def test_an_unreachable_endpoint_is_said_plainly(
    fake_gemini: FakeGemini, gemini_service: GeminiService, audio: AudioInput
) -> None:
    await fake_gemini.stop()  # nothing listens there any more: connection refused
    with pytest.raises(GeminiUnavailable, match="couldn't reach Gemini"):
        await ask(gemini_service, audio)
