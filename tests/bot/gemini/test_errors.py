"""GeminiService meets each of Gemini's error codes, refusals and usage, through the real SDK
and the fake Gemini: what is retried, what is final, and what is told and counted."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import (
    GeminiBadOutput,
    GeminiQuotaExhausted,
    GeminiRefused,
    GeminiRejected,
    GeminiUnavailable,
)
from bot.gemini import AudioInput, GeminiService, GeminiTranscript
from testkit.gemini import SAFETY_CODES, FakeGemini, Reply, TokenCounts
from tests.helpers.clocks import FakeClock, SleepRecorder

GOOD = {"language": "en", "summary": "Hi.", "segments": [], "flags": []}


async def ask(service: GeminiService, audio: AudioInput) -> GeminiTranscript:
    reply = await service.structured(prompt="p", response_model=GeminiTranscript, audio=audio)
    return reply.value


async def test_quota_exceeded_is_final_and_dated_to_midnight_pacific(
    fake_gemini: FakeGemini,
    gemini_service: GeminiService,
    audio: AudioInput,
    clock: FakeClock,
    sleeps: SleepRecorder,
) -> None:
    clock.now = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)  # 04:00 in Los Angeles (PST)
    fake_gemini.enqueue(Reply.quota_exceeded(), Reply.json(GOOD))

    with pytest.raises(GeminiQuotaExhausted) as caught:
        await ask(gemini_service, audio)

    assert caught.value.resume_at == datetime(2030, 1, 2, 8, 0, tzinfo=UTC)
    assert "08:00 UTC (midnight Pacific time)" in caught.value.user_message
    assert isinstance(caught.value, GeminiUnavailable)
    assert len(fake_gemini.requests) == 1  # no retry can help before the reset
    assert sleeps.calls == []


async def test_rate_limit_exceeded_backs_off_with_jitter_without_a_hint(
    fake_gemini: FakeGemini,
    gemini_service: GeminiService,
    audio: AudioInput,
    sleeps: SleepRecorder,
) -> None:
    fake_gemini.enqueue(Reply.rate_limited(), Reply.rate_limited(), Reply.json(GOOD))

    assert (await ask(gemini_service, audio)).summary == "Hi."

    first, second = sleeps.calls
    assert 0.5 <= first <= 1.0  # RetryPolicy: base 1 s, full jitter over the upper half
    assert 1.0 <= second <= 2.0


async def test_rate_limit_exceeded_honours_a_retry_hint(
    fake_gemini: FakeGemini,
    gemini_service: GeminiService,
    audio: AudioInput,
    sleeps: SleepRecorder,
) -> None:
    fake_gemini.enqueue(Reply.rate_limited(retry_after=2.5), Reply.json(GOOD))

    await ask(gemini_service, audio)

    assert sleeps.calls == [2.5]


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (Reply.payment_required(), "credit is used up"),
        (Reply.error(401, "authentication", "API key not valid."), "API key"),
        (Reply.error(403, "permission_denied", "Permission denied."), "permissions"),
        (Reply.error(404, "model_not_found", "No such model."), "GEMINI_MODEL"),
        (Reply.error(404, "not_found", "Not found."), "GEMINI_MODEL"),
        (Reply.bad_request("Bad field."), "invalid_request"),
    ],
)
async def test_final_codes_are_never_retried_and_say_what_to_fix(
    fake_gemini: FakeGemini,
    gemini_service: GeminiService,
    audio: AudioInput,
    reply: Reply,
    words: str,
) -> None:
    fake_gemini.enqueue(reply, Reply.json(GOOD))

    with pytest.raises(GeminiRejected, match=words):
        await ask(gemini_service, audio)

    assert len(fake_gemini.requests) == 1


async def test_5xx_codes_are_retried(
    fake_gemini: FakeGemini, gemini_service: GeminiService, audio: AudioInput
) -> None:
    fake_gemini.enqueue(Reply.unavailable(), Reply.internal(), Reply.json(GOOD))

    assert (await ask(gemini_service, audio)).summary == "Hi."
    assert len(fake_gemini.requests) == 3


@pytest.mark.parametrize("code", SAFETY_CODES)
async def test_a_safety_refusal_is_final_neutral_and_counted(
    fake_gemini: FakeGemini, gemini_service: GeminiService, audio: AudioInput, code: str
) -> None:
    fake_gemini.enqueue(Reply.refused(code), Reply.json(GOOD))

    with pytest.raises(GeminiRefused) as caught:
        await ask(gemini_service, audio)

    assert caught.value.user_message == "I couldn't transcribe this note."
    assert caught.value.codes == (code,)
    assert caught.value.usage.requests == 1
    assert caught.value.usage.input_tokens > 0  # the input was billed
    assert len(fake_gemini.requests) == 1


async def test_a_refusal_code_given_as_a_uri_is_recognised(
    fake_gemini: FakeGemini, gemini_service: GeminiService, audio: AudioInput
) -> None:
    uri = "https://ai.google.dev/gemini-api/docs/errors#spii"  # Error.code is "a URI"
    fake_gemini.enqueue(Reply.failed("Blocked.", code=uri))

    with pytest.raises(GeminiRefused) as caught:
        await ask(gemini_service, audio)

    assert caught.value.codes == ("spii",)


async def test_recitation_is_not_a_refusal_it_is_retried(
    fake_gemini: FakeGemini, gemini_service: GeminiService, audio: AudioInput
) -> None:
    fake_gemini.enqueue(Reply.failed(code="recitation"), Reply.json(GOOD))

    assert (await ask(gemini_service, audio)).summary == "Hi."
    assert len(fake_gemini.requests) == 2


async def test_unusable_replies_fail_carrying_every_attempts_usage(
    fake_gemini: FakeGemini, gemini_service: GeminiService, audio: AudioInput
) -> None:
    fake_gemini.set_responder(lambda _r: Reply.text("{not json", usage=TokenCounts(100, 7, 3)))

    with pytest.raises(GeminiBadOutput) as caught:
        await ask(gemini_service, audio)

    usage = caught.value.usage
    assert (usage.requests, usage.input_tokens, usage.output_tokens) == (3, 300, 21)
    assert usage.thought_tokens == 9


async def test_an_error_after_a_billed_attempt_still_carries_that_attempt(
    fake_gemini: FakeGemini, gemini_service: GeminiService, audio: AudioInput
) -> None:
    fake_gemini.enqueue(Reply.text("", usage=TokenCounts(50, 1)), Reply.quota_exceeded())

    with pytest.raises(GeminiQuotaExhausted) as caught:
        await ask(gemini_service, audio)

    assert (caught.value.usage.requests, caught.value.usage.input_tokens) == (1, 50)


async def test_thought_and_cached_tokens_are_read_apart_from_output(
    fake_gemini: FakeGemini, gemini_service: GeminiService, audio: AudioInput
) -> None:
    fake_gemini.enqueue(Reply.json(GOOD, usage=TokenCounts(2000, 40, thought=300, cached=1500)))

    reply = await gemini_service.structured(
        prompt="p", response_model=GeminiTranscript, audio=audio
    )

    usage = reply.usage
    assert (usage.input_tokens, usage.output_tokens) == (2000, 40)
    assert (usage.thought_tokens, usage.cached_tokens) == (300, 1500)


async def test_computed_usage_reports_thinking(
    fake_gemini: FakeGemini, gemini_service: GeminiService, audio: AudioInput
) -> None:
    fake_gemini.enqueue(Reply.json(GOOD))

    reply = await gemini_service.structured(
        prompt="p", response_model=GeminiTranscript, audio=audio
    )

    assert reply.usage.thought_tokens > 0  # the service asks for thinking_level "low"
    assert reply.usage.input_tokens > 32 * 3  # a few seconds of audio plus the prompt
