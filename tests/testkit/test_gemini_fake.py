"""The real google-genai SDK against FakeGemini: proves the fake speaks the SDK's wire format.

No mocks: every test drives ``genai.Client`` over HTTP on 127.0.0.1 and asserts both on what
the SDK returned or raised and on what reached the fake. Errors, refusals and usage are in
``test_gemini_fake_errors.py``.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from google.genai import errors as genai_errors
from google.genai._interactions import APITimeoutError, BadRequestError

from testkit.gemini import FakeGemini, RecordedRequest, Reply, TokenCounts, make_client
from tests.testkit.gemini_calls import (
    MODEL,
    SCHEMA,
    TRANSCRIPT,
    audio_part,
    create,
    output_json,
    usage_of,
)


async def test_json_reply_round_trip(fake_gemini: FakeGemini, note: bytes) -> None:
    fake_gemini.enqueue(Reply.json(TRANSCRIPT, usage=TokenCounts(1920, 64)))

    interaction = await create(fake_gemini, note)

    assert interaction.status == "completed"
    assert interaction.output_text == json.dumps(TRANSCRIPT)
    assert output_json(interaction) == TRANSCRIPT
    assert usage_of(interaction).total_input_tokens == 1920
    assert usage_of(interaction).total_output_tokens == 64
    assert usage_of(interaction).total_tokens == 1984


async def test_request_body_reaches_the_fake_as_sent(fake_gemini: FakeGemini, note: bytes) -> None:
    await create(fake_gemini, note)

    (request,) = fake_gemini.requests
    assert request.path == "/v1/interactions"
    assert request.api_version == "v1"
    assert request.had_valid_key
    assert "x-goog-api-key" not in {k.lower() for k in request.headers}
    assert request.body["input"][0]["type"] == "user_input"
    assert request.input_parts == [{"type": "text", "text": "Transcribe."}, audio_part(note)]
    assert request.body["response_format"] == {
        "type": "text",
        "mime_type": "application/json",
        "schema": SCHEMA,
    }
    assert request.response_schema == SCHEMA
    assert request.body["store"] is False
    assert request.body["generation_config"] == {"max_output_tokens": 2048, "thinking_level": "low"}
    assert request.body["system_instruction"] == "You transcribe voice notes."


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
    fake_gemini: FakeGemini,
    schema: dict[str, Any],
    keyword: str,
    note: bytes,
) -> None:
    response_format = {"type": "text", "mime_type": "application/json", "schema": schema}

    with pytest.raises(BadRequestError, match=re.escape(f"Unsupported keyword '{keyword}'")):
        await create(fake_gemini, note, response_format=response_format)


async def test_property_named_like_a_keyword_is_fine(fake_gemini: FakeGemini, note: bytes) -> None:
    schema = {"type": "object", "properties": {"const": {"type": "string"}}}

    interaction = await create(fake_gemini, note, response_format=schema)  # bare schema form

    assert output_json(interaction) == {"const": "lorem"}


async def test_unlisted_audio_mime_type_is_400(fake_gemini: FakeGemini, note: bytes) -> None:
    parts = [audio_part(note, mime_type="audio/webm")]

    with pytest.raises(BadRequestError, match="Unsupported MIME type: audio/webm"):
        await create(fake_gemini, note, input=parts)


async def test_inline_request_over_limit_is_400(fake_gemini: FakeGemini, note: bytes) -> None:
    fake_gemini.inline_limit_bytes = 4096  # stands for Gemini's 20 MB

    with pytest.raises(BadRequestError, match="payload size exceeds the limit"):
        await create(fake_gemini, note, input=[audio_part(b"\x00" * 4096)])


async def test_truncated_reply_is_incomplete(fake_gemini: FakeGemini, note: bytes) -> None:
    fake_gemini.enqueue(Reply.truncated(TRANSCRIPT))

    interaction = await create(fake_gemini, note)

    assert interaction.status == "incomplete"
    assert interaction.output_text
    assert json.dumps(TRANSCRIPT).startswith(interaction.output_text)
    with pytest.raises(json.JSONDecodeError):
        output_json(interaction)


async def test_sdk_follows_continuation_with_store_false(
    fake_gemini: FakeGemini, note: bytes
) -> None:
    fake_gemini.enqueue(Reply.continuation('{"summary": "hel', 'lo"}', usage=TokenCounts(100, 10)))

    interaction = await create(fake_gemini, note)

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
    note: bytes,
) -> None:
    fake_gemini.enqueue(Reply.continuation("a", "b", "c"))

    interaction = await create(fake_gemini, note, store=True)

    assert interaction.output_text == "abc"
    hops = fake_gemini.requests
    assert len(hops) == 3
    assert "input" not in hops[1].body
    assert interaction.continuation_ids is not None
    assert hops[2].body["previous_interaction_id"] == interaction.continuation_ids[1]


async def test_slow_reply_times_out_without_retry(fake_gemini: FakeGemini, note: bytes) -> None:
    fake_gemini.enqueue(Reply.slow(5, Reply.json(TRANSCRIPT)))
    started = time.monotonic()

    with pytest.raises(APITimeoutError):
        await create(fake_gemini, note, attempts=3, timeout=0.2)

    assert time.monotonic() - started < 1
    assert len(fake_gemini.requests) == 1  # timeouts are not retried


async def test_client_level_timeout_applies_to_interactions(fake_gemini: FakeGemini) -> None:
    fake_gemini.enqueue(Reply.slow(5, Reply.json(TRANSCRIPT)))

    async with make_client(fake_gemini, timeout_ms=200).aio as client:
        with pytest.raises(APITimeoutError):
            await client.interactions.create(model=MODEL, input="hi", store=False)


async def test_default_responder_follows_the_schema(fake_gemini: FakeGemini, note: bytes) -> None:
    interaction = await create(fake_gemini, note)

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


async def test_responder_answers_when_queue_is_empty(fake_gemini: FakeGemini, note: bytes) -> None:
    def responder(request: RecordedRequest) -> Reply:
        return Reply.json({"audio_parts": len(request.audio_parts)})

    fake_gemini.set_responder(responder)
    fake_gemini.enqueue(Reply.text("queued first"))

    first = await create(fake_gemini, note)
    second = await create(fake_gemini, note)

    assert first.output_text == "queued first"
    assert output_json(second) == {"audio_parts": 1}


async def test_repeat_loop_repeats_the_last_segment(fake_gemini: FakeGemini, note: bytes) -> None:
    fake_gemini.enqueue(Reply.repeat_loop(TRANSCRIPT, times=30))

    interaction = await create(fake_gemini, note)

    segments = output_json(interaction)["segments"]
    assert len(segments) == 31
    assert all(segment == TRANSCRIPT["segments"][0] for segment in segments)


async def test_files_upload_poll_use_delete(
    fake_gemini: FakeGemini, tmp_path: Path, note: bytes
) -> None:
    path = tmp_path / "note.ogg"
    path.write_bytes(note)
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
    assert (stored.data, stored.mime_type, stored.deleted) == (note, "audio/ogg", True)
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
    fake_gemini: FakeGemini,
    tmp_path: Path,
    note: bytes,
) -> None:
    path = tmp_path / "note.ogg"
    path.write_bytes(note)

    async with make_client(fake_gemini, api_key="wrong-key").aio as client:
        with pytest.raises(genai_errors.ClientError) as caught:
            await client.files.upload(file=path, config={"mime_type": "audio/ogg"})

    assert (caught.value.code, caught.value.status) == (400, "INVALID_ARGUMENT")
    assert fake_gemini.uploads == {}
