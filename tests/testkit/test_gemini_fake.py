"""The real google-genai SDK against FakeGemini: proves the fake speaks the SDK's wire format.

No mocks: every test drives ``genai.Client`` over HTTP on 127.0.0.1 and asserts both on what
the SDK returned or raised and on what reached the fake.
"""

from __future__ import annotations

import base64
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from google.genai import errors as genai_errors
from google.genai._interactions import (
    APIStatusError,
    APITimeoutError,
    BadRequestError,
    InternalServerError,
    RateLimitError,
)
from google.genai.interactions import Interaction, Usage

from testkit.gemini import QUOTA_MESSAGE, FakeGemini, RecordedRequest, Reply, make_client

MODEL = "gemini-3.5-flash"
AUDIO = b"OggS\x00fake opus bytes"
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "summary": {"type": "string"},
        "segments": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "speaker": {"type": "string"},
                    "timestamp": {"type": "string"},
                    "emotion": {"type": "string", "enum": ["happy", "sad", "neutral"]},
                    "confidence": {"type": "number", "minimum": 0.5},
                    "words": {"type": "integer"},
                    "overlap": {"type": "boolean"},
                },
            },
        },
    },
}
TRANSCRIPT = {"summary": "hi", "segments": [{"speaker": "Speaker 1", "content": "hello"}]}


def audio_part(data: bytes = AUDIO, mime_type: str = "audio/ogg") -> dict[str, str]:
    """An inline audio content block."""
    return {"type": "audio", "data": base64.b64encode(data).decode(), "mime_type": mime_type}


async def create(fake: FakeGemini, *, attempts: int = 1, **overrides: Any) -> Interaction:
    """One ``interactions.create`` through a fresh real client, with our usual arguments."""
    kwargs: dict[str, Any] = {
        "model": MODEL,
        "input": [{"type": "text", "text": "Transcribe."}, audio_part()],
        "response_format": {"type": "text", "mime_type": "application/json", "schema": SCHEMA},
        "generation_config": {"max_output_tokens": 2048, "thinking_level": "low"},
        "store": False,
        "system_instruction": "You transcribe voice notes.",
    }
    kwargs.update(overrides)
    api_key = kwargs.pop("api_key", None)
    async with make_client(fake, attempts=attempts, api_key=api_key).aio as client:
        interaction = await client.interactions.create(**kwargs)
    assert isinstance(interaction, Interaction)
    return interaction


def output_json(interaction: Interaction) -> Any:
    """The parsed ``output_text`` of an interaction."""
    assert interaction.output_text is not None
    return json.loads(interaction.output_text)


def usage_of(interaction: Interaction) -> Usage:
    """The interaction's usage, which the fake always reports."""
    assert interaction.usage is not None
    return interaction.usage


async def test_json_reply_round_trip(fake_gemini: FakeGemini) -> None:
    fake_gemini.enqueue(Reply.json(TRANSCRIPT, usage=(1920, 64)))

    interaction = await create(fake_gemini)

    assert interaction.status == "completed"
    assert interaction.output_text == json.dumps(TRANSCRIPT)
    assert output_json(interaction) == TRANSCRIPT
    assert usage_of(interaction).total_input_tokens == 1920
    assert usage_of(interaction).total_output_tokens == 64
    assert usage_of(interaction).total_tokens == 1984


async def test_request_body_reaches_the_fake_as_sent(fake_gemini: FakeGemini) -> None:
    await create(fake_gemini)

    (request,) = fake_gemini.requests
    assert request.path == "/v1/interactions"
    assert request.api_version == "v1"
    assert request.had_valid_key
    assert "x-goog-api-key" not in {k.lower() for k in request.headers}
    assert request.body["input"][0]["type"] == "user_input"
    assert request.input_parts == [{"type": "text", "text": "Transcribe."}, audio_part()]
    assert request.body["response_format"] == {
        "type": "text",
        "mime_type": "application/json",
        "schema": SCHEMA,
    }
    assert request.response_schema == SCHEMA
    assert request.body["store"] is False
    assert request.body["generation_config"] == {"max_output_tokens": 2048, "thinking_level": "low"}
    assert request.body["system_instruction"] == "You transcribe voice notes."


async def test_sdk_retries_429_by_itself(fake_gemini: FakeGemini) -> None:
    fake_gemini.enqueue(Reply.rate_limited(), Reply.json(TRANSCRIPT))

    interaction = await create(fake_gemini, attempts=2)

    assert output_json(interaction) == TRANSCRIPT
    assert len(fake_gemini.requests) == 2


async def test_retry_after_overrides_max_delay(fake_gemini: FakeGemini) -> None:
    fake_gemini.enqueue(Reply.rate_limited(retry_after=0.3), Reply.json(TRANSCRIPT))

    await create(fake_gemini, attempts=2)

    first, second = fake_gemini.requests
    assert second.time - first.time >= 0.3  # max_delay is 0.05: Retry-After is not capped


async def test_429_when_attempts_run_out_is_rate_limit_error(fake_gemini: FakeGemini) -> None:
    fake_gemini.enqueue(Reply.rate_limited())

    with pytest.raises(RateLimitError) as caught:
        await create(fake_gemini)

    assert caught.value.status_code == 429
    assert caught.value.body == {
        "error": {"code": 429, "message": QUOTA_MESSAGE, "status": "RESOURCE_EXHAUSTED"}
    }


async def test_503_every_time_costs_all_attempts(fake_gemini: FakeGemini) -> None:
    fake_gemini.set_responder(lambda _request: Reply.unavailable())

    with pytest.raises(InternalServerError) as caught:
        await create(fake_gemini, attempts=3)

    assert caught.value.status_code == 503
    assert isinstance(caught.value, APIStatusError)
    assert not isinstance(caught.value, genai_errors.APIError)
    assert len(fake_gemini.requests) == 3


async def test_wrong_api_key_is_400_and_consumes_no_reply(fake_gemini: FakeGemini) -> None:
    fake_gemini.enqueue(Reply.json(TRANSCRIPT))

    with pytest.raises(BadRequestError, match="API key not valid"):
        await create(fake_gemini, api_key="wrong-key")

    assert not fake_gemini.requests[0].had_valid_key
    assert fake_gemini.pending_replies == 1


@pytest.mark.parametrize(
    ("schema", "keyword"),
    [
        ({"$defs": {"S": {"type": "string"}}, "$ref": "#/$defs/S"}, "$ref"),
        ({"type": "object", "properties": {"a": {"oneOf": [{"type": "string"}]}}}, "oneOf"),
        ({"type": "array", "items": {"type": "string", "const": "x"}}, "const"),
        ({"type": "object", "additionalProperties": {"type": "string"}}, "additionalProperties"),
    ],
)
async def test_unsupported_schema_keyword_is_400(
    fake_gemini: FakeGemini, schema: dict[str, Any], keyword: str
) -> None:
    response_format = {"type": "text", "mime_type": "application/json", "schema": schema}

    with pytest.raises(BadRequestError, match=re.escape(f"Unsupported keyword '{keyword}'")):
        await create(fake_gemini, response_format=response_format)


async def test_property_named_like_a_keyword_is_fine(fake_gemini: FakeGemini) -> None:
    schema = {"type": "object", "properties": {"const": {"type": "string"}}}

    interaction = await create(fake_gemini, response_format=schema)  # bare schema form

    assert output_json(interaction) == {"const": "lorem"}


async def test_unlisted_audio_mime_type_is_400(fake_gemini: FakeGemini) -> None:
    parts = [audio_part(mime_type="audio/webm")]

    with pytest.raises(BadRequestError, match="Unsupported MIME type: audio/webm"):
        await create(fake_gemini, input=parts)


async def test_inline_request_over_limit_is_400(fake_gemini: FakeGemini) -> None:
    fake_gemini.inline_limit_bytes = 4096  # stands for Gemini's 20 MB

    with pytest.raises(BadRequestError, match="payload size exceeds the limit"):
        await create(fake_gemini, input=[audio_part(b"\x00" * 4096)])


async def test_truncated_reply_is_incomplete(fake_gemini: FakeGemini) -> None:
    fake_gemini.enqueue(Reply.truncated(TRANSCRIPT))

    interaction = await create(fake_gemini)

    assert interaction.status == "incomplete"
    assert interaction.output_text
    assert json.dumps(TRANSCRIPT).startswith(interaction.output_text)
    with pytest.raises(json.JSONDecodeError):
        output_json(interaction)


async def test_failed_reply_has_no_output_text(fake_gemini: FakeGemini) -> None:
    fake_gemini.enqueue(Reply.failed())

    interaction = await create(fake_gemini)

    assert interaction.status == "failed"
    assert interaction.output_text == ""  # the SDK gives "" (never None) when there is no text


async def test_sdk_follows_continuation_with_store_false(fake_gemini: FakeGemini) -> None:
    fake_gemini.enqueue(Reply.continuation('{"summary": "hel', 'lo"}', usage=(100, 10)))

    interaction = await create(fake_gemini)

    assert interaction.status == "completed"
    assert interaction.output_text == '{"summary": "hello"}'
    assert usage_of(interaction).total_input_tokens == 200  # every hop re-bills the input
    assert usage_of(interaction).initial_input_tokens == 100
    assert usage_of(interaction).total_output_tokens == 20
    assert interaction.continuation_ids is not None
    assert len(interaction.continuation_ids) == 2
    first, hop = fake_gemini.requests
    assert first.continuation_token is None
    assert hop.continuation_token is not None
    assert hop.input_parts == first.input_parts  # store=False: the input is sent again


async def test_continuation_with_store_true_names_the_previous_hop(
    fake_gemini: FakeGemini,
) -> None:
    fake_gemini.enqueue(Reply.continuation("a", "b", "c"))

    interaction = await create(fake_gemini, store=True)

    assert interaction.output_text == "abc"
    hops = fake_gemini.requests
    assert len(hops) == 3
    assert "input" not in hops[1].body
    assert interaction.continuation_ids is not None
    assert hops[2].body["previous_interaction_id"] == interaction.continuation_ids[1]


async def test_slow_reply_times_out_without_retry(fake_gemini: FakeGemini) -> None:
    fake_gemini.enqueue(Reply.slow(5, Reply.json(TRANSCRIPT)))
    started = time.monotonic()

    with pytest.raises(APITimeoutError):
        await create(fake_gemini, attempts=3, timeout=0.2)

    assert time.monotonic() - started < 1
    assert len(fake_gemini.requests) == 1  # timeouts are not retried


async def test_client_level_timeout_applies_to_interactions(fake_gemini: FakeGemini) -> None:
    fake_gemini.enqueue(Reply.slow(5, Reply.json(TRANSCRIPT)))

    async with make_client(fake_gemini, timeout_ms=200).aio as client:
        with pytest.raises(APITimeoutError):
            await client.interactions.create(model=MODEL, input="hi", store=False)


async def test_default_responder_follows_the_schema(fake_gemini: FakeGemini) -> None:
    interaction = await create(fake_gemini)

    segment = {
        "speaker": "lorem",
        "timestamp": "lorem",
        "emotion": "happy",
        "confidence": 0.5,
        "words": 0,
        "overlap": False,
    }
    assert output_json(interaction) == {
        "summary": "lorem",
        "segments": [segment, segment],
    }


async def test_responder_answers_when_queue_is_empty(fake_gemini: FakeGemini) -> None:
    def responder(request: RecordedRequest) -> Reply:
        return Reply.json({"audio_parts": len(request.audio_parts)})

    fake_gemini.set_responder(responder)
    fake_gemini.enqueue(Reply.text("queued first"))

    first = await create(fake_gemini)
    second = await create(fake_gemini)

    assert first.output_text == "queued first"
    assert output_json(second) == {"audio_parts": 1}


async def test_repeat_loop_repeats_the_last_segment(fake_gemini: FakeGemini) -> None:
    fake_gemini.enqueue(Reply.repeat_loop(TRANSCRIPT, times=30))

    interaction = await create(fake_gemini)

    segments = output_json(interaction)["segments"]
    assert len(segments) == 31
    assert all(segment == TRANSCRIPT["segments"][0] for segment in segments)


async def test_files_upload_poll_use_delete(fake_gemini: FakeGemini, tmp_path: Path) -> None:
    path = tmp_path / "note.ogg"
    path.write_bytes(AUDIO)
    async with make_client(fake_gemini).aio as client:
        uploaded = await client.files.upload(file=path, config={"mime_type": "audio/ogg"})
        assert uploaded.state == "PROCESSING"
        assert uploaded.name is not None
        assert uploaded.uri is not None
        uri_part = [{"type": "audio", "uri": uploaded.uri, "mime_type": "audio/ogg"}]
        with pytest.raises(BadRequestError, match="not in an ACTIVE state"):
            await client.interactions.create(model=MODEL, input=uri_part, store=False)
        states = [(await client.files.get(name=uploaded.name)).state for _ in range(2)]
        assert states == ["PROCESSING", "ACTIVE"]

        await client.interactions.create(model=MODEL, input=uri_part, store=False)
        await client.files.delete(name=uploaded.name)

        with pytest.raises(genai_errors.ClientError) as caught:
            await client.files.get(name=uploaded.name)
        assert (caught.value.code, caught.value.status) == (403, "PERMISSION_DENIED")
        with pytest.raises(BadRequestError, match="does not exist"):
            await client.interactions.create(model=MODEL, input=uri_part, store=False)

    stored = fake_gemini.uploads[uploaded.name]
    assert (stored.data, stored.mime_type, stored.deleted) == (AUDIO, "audio/ogg", True)
    assert fake_gemini.requests[1].audio_parts == uri_part


async def test_large_upload_arrives_in_chunks_intact(
    fake_gemini: FakeGemini, tmp_path: Path
) -> None:
    data = bytes(range(256)) * (33 * 1024 + 1)  # a little over 8 MiB: two chunks
    path = tmp_path / "long.flac"
    path.write_bytes(data)
    fake_gemini.files.processing_polls = 0

    async with make_client(fake_gemini).aio as client:
        uploaded = await client.files.upload(file=path, config={"mime_type": "audio/flac"})

    assert uploaded.state == "ACTIVE"
    assert uploaded.name is not None
    assert fake_gemini.uploads[uploaded.name].data == data


async def test_file_processing_can_fail(fake_gemini: FakeGemini, tmp_path: Path) -> None:
    path = tmp_path / "broken.wav"
    path.write_bytes(b"RIFF")
    fake_gemini.files.processing_polls = 0
    fake_gemini.files.final_state = "FAILED"

    async with make_client(fake_gemini).aio as client:
        uploaded = await client.files.upload(file=path, config={"mime_type": "audio/wav"})

    assert uploaded.state == "FAILED"
    assert uploaded.error is not None
    assert uploaded.error.message


async def test_files_with_wrong_key_is_client_error(
    fake_gemini: FakeGemini, tmp_path: Path
) -> None:
    path = tmp_path / "note.ogg"
    path.write_bytes(AUDIO)

    async with make_client(fake_gemini, api_key="wrong-key").aio as client:
        with pytest.raises(genai_errors.ClientError) as caught:
            await client.files.upload(file=path, config={"mime_type": "audio/ogg"})

    assert (caught.value.code, caught.value.status) == (400, "INVALID_ARGUMENT")
    assert fake_gemini.uploads == {}
