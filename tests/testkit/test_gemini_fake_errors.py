"""The fake Gemini's errors, refusals and usage, through the real google-genai SDK.

Errors follow the Interactions API's shape (``{"error": {"code": "<string>", "message"}}``);
refusals are failed interactions whose ``errors`` carry a safety code; usage is computed from
the request (32 tokens per decoded audio second, ~4 characters per text token, thinking by
level). Each test checks what the SDK raised or returned.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from google.genai import errors as genai_errors
from google.genai._interactions import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
)

from testkit.gemini import (
    AUDIO_TOKENS_PER_SECOND,
    QUOTA_MESSAGE,
    SAFETY_CODES,
    FakeGemini,
    Reply,
    text_tokens,
)
from tests.testkit.gemini_calls import (
    PROMPT,
    SYSTEM,
    TRANSCRIPT,
    audio_part,
    create,
    output_json,
    usage_of,
)


def error_body(caught: pytest.ExceptionInfo[APIStatusError]) -> Any:
    """The parsed error body the SDK attached to the exception."""
    return caught.value.body


async def test_rate_limit_exceeded_has_a_string_code_and_no_rpc_status(
    fake_gemini: FakeGemini, note: bytes
) -> None:
    fake_gemini.enqueue(Reply.rate_limited())

    with pytest.raises(RateLimitError) as caught:
        await create(fake_gemini, note)

    assert caught.value.status_code == 429
    body = error_body(caught)
    assert body["error"]["code"] == "rate_limit_exceeded"
    assert set(body["error"]) == {"code", "message"}


async def test_quota_exceeded_is_a_429_with_its_own_code(
    fake_gemini: FakeGemini, note: bytes
) -> None:
    fake_gemini.enqueue(Reply.quota_exceeded())

    with pytest.raises(RateLimitError) as caught:
        await create(fake_gemini, note)

    assert error_body(caught) == {"error": {"code": "quota_exceeded", "message": QUOTA_MESSAGE}}


async def test_payment_required_is_a_plain_402_status_error(
    fake_gemini: FakeGemini, note: bytes
) -> None:
    fake_gemini.enqueue(Reply.payment_required())

    with pytest.raises(APIStatusError) as caught:
        await create(fake_gemini, note, attempts=3)

    assert caught.value.status_code == 402
    assert not isinstance(caught.value, RateLimitError)
    assert error_body(caught)["error"]["code"] == "payment_required"
    assert len(fake_gemini.requests) == 1  # the SDK does not retry a 402


async def test_unknown_model_is_404_model_not_found(fake_gemini: FakeGemini, note: bytes) -> None:
    fake_gemini.enqueue(Reply.error(404, "model_not_found", "Model gemini-0 is not found."))

    with pytest.raises(NotFoundError) as caught:
        await create(fake_gemini, note)

    assert error_body(caught)["error"]["code"] == "model_not_found"


async def test_a_wrong_key_is_401_authentication_and_consumes_no_reply(
    fake_gemini: FakeGemini, note: bytes
) -> None:
    fake_gemini.enqueue(Reply.json(TRANSCRIPT))

    with pytest.raises(AuthenticationError) as caught:
        await create(fake_gemini, note, api_key="wrong-key")

    assert error_body(caught)["error"]["code"] == "authentication"
    assert not fake_gemini.requests[0].had_valid_key
    assert fake_gemini.pending_replies == 1


async def test_request_checks_answer_invalid_request(fake_gemini: FakeGemini, note: bytes) -> None:
    with pytest.raises(BadRequestError) as caught:
        await create(fake_gemini, note, input=[audio_part(note, mime_type="audio/webm")])

    assert error_body(caught)["error"]["code"] == "invalid_request"


async def test_undecodable_audio_is_refused_and_consumes_no_reply(
    fake_gemini: FakeGemini, note: bytes
) -> None:
    fake_gemini.enqueue(Reply.json(TRANSCRIPT))

    with pytest.raises(BadRequestError, match="could not be decoded"):
        await create(fake_gemini, b"OggS\x00 not really audio")

    assert fake_gemini.pending_replies == 1


async def test_sdk_retries_429_by_itself(fake_gemini: FakeGemini, note: bytes) -> None:
    fake_gemini.enqueue(Reply.rate_limited(), Reply.json(TRANSCRIPT))

    interaction = await create(fake_gemini, note, attempts=2)

    assert output_json(interaction) == TRANSCRIPT
    assert len(fake_gemini.requests) == 2


async def test_retry_after_overrides_max_delay(fake_gemini: FakeGemini, note: bytes) -> None:
    fake_gemini.enqueue(Reply.rate_limited(retry_after=0.3), Reply.json(TRANSCRIPT))

    await create(fake_gemini, note, attempts=2)

    first, second = fake_gemini.requests
    assert second.time - first.time >= 0.3  # max_delay is 0.05: Retry-After is not capped


async def test_503_every_time_costs_all_attempts(fake_gemini: FakeGemini, note: bytes) -> None:
    fake_gemini.set_responder(lambda _request: Reply.unavailable())

    with pytest.raises(InternalServerError) as caught:
        await create(fake_gemini, note, attempts=3)

    assert caught.value.status_code == 503
    assert not isinstance(caught.value, genai_errors.APIError)
    assert len(fake_gemini.requests) == 3


async def test_failed_reply_has_no_output_text(fake_gemini: FakeGemini, note: bytes) -> None:
    fake_gemini.enqueue(Reply.failed(code="recitation"))

    interaction = await create(fake_gemini, note)

    assert interaction.status == "failed"
    assert interaction.output_text == ""  # the SDK gives "" (never None) when there is no text
    assert interaction.errors is not None
    assert interaction.errors[0].code == "recitation"


@pytest.mark.parametrize("code", SAFETY_CODES)
async def test_a_safety_refusal_is_a_failed_interaction_that_bills_its_input(
    fake_gemini: FakeGemini, note: bytes, code: str
) -> None:
    fake_gemini.enqueue(Reply.refused(code))

    interaction = await create(fake_gemini, note)

    assert interaction.status == "failed"
    assert interaction.errors is not None
    assert [error.code for error in interaction.errors] == [code]
    assert usage_of(interaction).total_input_tokens
    assert usage_of(interaction).total_output_tokens == 0
    assert usage_of(interaction).total_thought_tokens is None


async def test_input_is_32_tokens_per_audio_second_plus_the_prompt(
    fake_gemini: FakeGemini, note: bytes, speech_duration: float
) -> None:
    twice = [{"type": "text", "text": PROMPT}, audio_part(note), audio_part(note)]

    one = usage_of(await create(fake_gemini, note)).total_input_tokens
    two = usage_of(await create(fake_gemini, note, input=twice)).total_input_tokens

    assert one is not None
    assert two is not None
    prompt = text_tokens(PROMPT) + text_tokens(SYSTEM)
    audio = one - prompt
    assert two - prompt == 2 * audio
    assert math.isclose(audio, speech_duration * AUDIO_TOKENS_PER_SECOND, rel_tol=0.05)


async def test_output_follows_the_reply_and_thinking_the_level(
    fake_gemini: FakeGemini, note: bytes
) -> None:
    short, long = {"summary": "hi"}, {"summary": "hello " * 200}
    usages = []
    for level, reply in [("minimal", short), ("low", short), ("high", short), ("high", long)]:
        fake_gemini.enqueue(Reply.json(reply))
        config = {"max_output_tokens": 2048, "thinking_level": level}
        usages.append(usage_of(await create(fake_gemini, note, generation_config=config)))

    minimal, low, high, high_long = usages
    assert minimal.total_thought_tokens is None  # minimal: no thinking
    assert 0 < (low.total_thought_tokens or 0) < (high.total_thought_tokens or 0)
    assert (high_long.total_thought_tokens or 0) > (high.total_thought_tokens or 0)
    assert high_long.total_output_tokens == text_tokens('{"summary": "' + "hello " * 200 + '"}')
    assert high.total_tokens == (
        (high.total_input_tokens or 0)
        + (high.total_output_tokens or 0)
        + (high.total_thought_tokens or 0)
    )


async def test_every_continuation_hop_bills_the_input_again(
    fake_gemini: FakeGemini, note: bytes
) -> None:
    fake_gemini.enqueue(Reply.json(TRANSCRIPT), Reply.continuation('{"summary": "hel', 'lo"}'))

    single = usage_of(await create(fake_gemini, note))
    hopped = usage_of(await create(fake_gemini, note))

    assert hopped.total_input_tokens == 2 * (single.total_input_tokens or 0)
    assert hopped.initial_input_tokens == single.total_input_tokens
