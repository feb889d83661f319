"""A fake Gemini API on 127.0.0.1 that the real google-genai SDK (3.6) can talk to.

Point the SDK at it with :func:`make_client` (``HttpOptions(base_url=fake.base_url)``), queue
answers with :meth:`FakeGemini.enqueue` and assert on :attr:`FakeGemini.requests` and
:attr:`FakeGemini.uploads`. Any ``/{api_version}/`` path segment is accepted: the SDK
sends ``v1`` by default (``GOOGLE_GENAI_API_VERSION`` changes it).

Wire format (read from ``google/genai/_gaos``): ``interactions.create`` is
``POST {base_url}/{api_version}/interactions`` with header ``x-goog-api-key`` and body
``{"model", "input": [{"type": "user_input", "content": [...]}], "response_format",
"generation_config", "store", "system_instruction"}`` (the SDK wraps a bare list of content
blocks into one ``user_input`` step). The answer is an ``Interaction``: ``{"id", "status",
"steps": [{"type": "model_output", "content": [{"type": "text", "text"}]}], "usage":
{"total_input_tokens", "total_output_tokens", "total_thought_tokens", "total_tokens"},
"errors": [{"code", "message"}]}``. ``output_text`` is not on the wire: the SDK joins the
text items of the trailing ``model_output`` steps; it is ``""`` (never None) without text.
Usage is computed from the request (:mod:`testkit.gemini._usage`: 32 tokens per audio
second, measured by decoding the audio, plus the prompt and some thinking) unless a reply
gives :class:`TokenCounts`.

Errors are the Interactions API's ``{"error": {"code": "<string>", "message"}}`` (see
:mod:`testkit.gemini._replies`). The SDK raises them from ``google.genai._gaos.lib.
compat_errors`` (re-exported by ``google.genai._interactions``), NOT as
``google.genai.errors.APIError``: subclasses of ``APIStatusError`` with ``.status_code``
and ``.body`` (the parsed ``{"error": {...}}``), verified by ``test_gemini_fake*.py``:

* 400 → ``BadRequestError``; 401 → ``AuthenticationError``; 403 → ``PermissionDeniedError``;
  404 → ``NotFoundError``; 429 → ``RateLimitError``; any 5xx → ``InternalServerError``;
  other 4xx (402) → ``APIStatusError``.
* Timeout → ``APITimeoutError`` (an ``APIConnectionError``, not an ``APIStatusError``).
* A failure on a continuation hop after the first → ``google.genai.errors.
  ContinuationInterruptedError`` (with ``partial_interaction`` and the token).
* The SDK retries 408/409/429/5xx by itself: ``attempts`` requests in all (default 5), then
  raises the last error. ``Retry-After`` replaces the computed delay with no upper bound.

The Files API goes through the older client and speaks the Google RPC error shape; the SDK
raises ``google.genai.errors.ClientError`` (4xx) / ``ServerError`` (5xx) for it.

Beyond plain audio the fake speaks YouTube video input (:mod:`testkit.gemini._video`, videos
registered on :attr:`FakeGemini.youtube`), the speech model's transcription config and word
annotations (:mod:`testkit.gemini._speech`), service tiers with flex latency and drops
(:mod:`testkit.gemini._tiers`, :attr:`FakeGemini.flex`; every answer says its
``service_tier``) and implicit prefix caching (:mod:`testkit.gemini._caching`).

Refusals: a wrong or missing key is 401 ``authentication`` on interactions (400
INVALID_ARGUMENT / 403 on the Files API); 400 ``invalid_request`` for the schema keywords in
:mod:`testkit.gemini._schema`, audio MIME types outside :data:`ALLOWED_AUDIO_MIME_TYPES`,
audio ffmpeg cannot decode, bodies over :attr:`FakeGemini.inline_limit_bytes` (20 MB) and
file URIs that are unknown or deleted (``failed_precondition`` when not ACTIVE).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeAlias

from aiohttp import web
from google import genai
from google.genai import types

from testkit.gemini._caching import PrefixCache
from testkit.gemini._costing import Costing
from testkit.gemini._files import FileStore, UploadedFile
from testkit.gemini._replies import (
    ContinuationReply,
    ErrorReply,
    JsonObject,
    Reply,
    SlowReply,
    SpeechReply,
    TextReply,
    TokenCounts,
)
from testkit.gemini._requests import RecordedRequest
from testkit.gemini._schema import example_for
from testkit.gemini._speech import SpeechRules, default_words, speech_config, speech_output
from testkit.gemini._tiers import FlexTier, requested_tier
from testkit.gemini._usage import RequestCost
from testkit.gemini._validate import (
    ALLOWED_AUDIO_MIME_TYPES,
    INLINE_LIMIT_BYTES,
    Checks,
    validate_interaction,
)
from testkit.gemini._video import YouTube
from testkit.gemini._wire import (
    Outcome,
    error_response,
    files_key_error,
    interaction_payload,
    interactions_key_error,
    invalid_request,
    presented_key,
    redacted_headers,
)

__all__ = [
    "ALLOWED_AUDIO_MIME_TYPES",
    "DEFAULT_API_KEY",
    "FakeGemini",
    "RecordedRequest",
    "Reply",
    "UploadedFile",
    "make_client",
]

DEFAULT_API_KEY = "test-key-not-real"

Responder: TypeAlias = Callable[[RecordedRequest], Reply]


@dataclass(frozen=True)
class _PendingContinuation:
    parts: tuple[str, ...]
    hop_id: str
    usage: TokenCounts | None
    cost: RequestCost


def default_reply(request: RecordedRequest) -> Reply:
    """A schema-conforming JSON answer (see :func:`example_for`), or plain text without one."""
    schema = request.response_schema
    if schema is None:
        return Reply.text("lorem ipsum")
    return Reply.json(example_for(schema))


class FakeGemini:
    """The fake server. Use ``async with FakeGemini() as fake:`` or the ``fake_gemini`` fixture.

    Each ``interactions`` request takes the next queued :class:`Reply`; when the queue is
    empty the responder set with :meth:`set_responder` answers, else :func:`default_reply`.
    Requests refused for a bad key or a bad body never consume a reply, nor do the SDK's
    continuation hops (those are answered by the :meth:`Reply.continuation` that started them).
    """

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        inline_limit_bytes: int = INLINE_LIMIT_BYTES,
        file_processing_polls: int = 1,
    ) -> None:
        self.api_key = api_key
        self.inline_limit_bytes = inline_limit_bytes
        self.requests: list[RecordedRequest] = []
        self.files = FileStore(self._files_key_check, processing_polls=file_processing_polls)
        self._queue: deque[Reply] = deque()
        self._responder: Responder | None = None
        self._pending: dict[str, _PendingContinuation] = {}
        self._ids = itertools.count(1)
        self.youtube = YouTube()
        self.speech = SpeechRules()
        self.flex = FlexTier()
        self.prefix_cache = PrefixCache()
        self._checks = Checks(self.files, self.youtube, self.speech, self.flex)
        self._costing = Costing(self.files, self.youtube, self.prefix_cache, self.speech)
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None
        self._closing = asyncio.Event()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``, for ``HttpOptions(base_url=...)``."""
        if self._base_url is None:
            raise RuntimeError("FakeGemini is not started")
        return self._base_url

    @property
    def uploads(self) -> dict[str, UploadedFile]:
        """Finished uploads by name (``files/...``), deleted ones included (``deleted=True``)."""
        return self.files.uploads

    @property
    def pending_replies(self) -> int:
        """How many queued replies no request has taken yet."""
        return len(self._queue)

    def enqueue(self, *replies: Reply) -> None:
        """Queue replies, first in first out, one per ``interactions`` request."""
        self._queue.extend(replies)

    def set_responder(self, fn: Responder | None) -> None:
        """Answer with ``fn(request)`` whenever the queue is empty (None: the default)."""
        self._responder = fn

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        self._closing = asyncio.Event()
        app = web.Application(client_max_size=max(64 * 1024 * 1024, 2 * self.inline_limit_bytes))
        app.add_routes([web.post("/{version}/interactions", self._interactions)])
        app.add_routes(self.files.routes())
        app.add_routes([web.route("*", "/{tail:.*}", self._unknown_route)])
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        self._runner, self._base_url = runner, f"http://{host}:{port}"

    async def stop(self) -> None:
        """Stop listening; slow replies still waiting are cut short."""
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> FakeGemini:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def _files_key_check(self, request: web.Request) -> web.Response | None:
        return files_key_error(request, self.api_key)

    def _record(self, request: web.Request, body: JsonObject) -> RecordedRequest:
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            api_version=request.match_info.get("version", ""),
            body=body,
            headers=redacted_headers(request.headers),
            had_valid_key=presented_key(request) == self.api_key,
        )
        self.requests.append(record)
        return record

    async def _interactions(self, request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            parsed: Any = json.loads(raw or b"{}")
        except ValueError:
            parsed = None
        record = self._record(request, parsed if isinstance(parsed, dict) else {})
        refused = interactions_key_error(request, self.api_key)
        if refused is not None:
            return refused
        if not isinstance(parsed, dict):
            return error_response(invalid_request("Invalid JSON payload received."))
        problem = validate_interaction(
            record.body, raw_size=len(raw), limit=self.inline_limit_bytes, checks=self._checks
        )
        if problem is not None:
            return error_response(problem)
        token = record.continuation_token
        if token:
            return await self._continue(record, token)
        cost = await self._costing.measure(record)
        if isinstance(cost, ErrorReply):
            return error_response(cost)
        if requested_tier(record.body) == "flex":
            await self._pause(self.flex.latency_s)  # flex: minutes of latency, at Google
            dropped = self.flex.drop()
            if dropped is not None:
                return error_response(dropped)
        return await self._answer(self._next_reply(record, cost), record, cost)

    def _next_reply(self, record: RecordedRequest, cost: RequestCost) -> Reply:
        if self._queue:
            return self._queue.popleft()
        if self._responder is not None:
            return self._responder(record)
        if self.speech.serves(record.model):  # a sentence spread over the audio
            return Reply.speech(*default_words(cost.audio_s))
        return default_reply(record)

    async def _continue(self, record: RecordedRequest, token: str) -> web.Response:
        """A continuation hop: answered from the reply that started it, billed like it (the
        context is processed again whether it is re-sent or stored)."""
        pending = self._pending.pop(token, None)
        if pending is None:
            return error_response(invalid_request("Invalid continuation_token."))
        stateful = record.body.get("store") is not False
        if stateful and record.body.get("previous_interaction_id") != pending.hop_id:
            message = "continuation_token does not belong to this interaction."
            return error_response(invalid_request(message))
        if not stateful and not record.body.get("input"):
            message = "input is required to continue with store=false."
            return error_response(invalid_request(message))
        reply = ContinuationReply(pending.parts, usage=pending.usage)
        return await self._answer(reply, record, pending.cost)

    async def _answer(
        self, reply: Reply, record: RecordedRequest, cost: RequestCost
    ) -> web.Response:
        match reply:
            case SlowReply(seconds=seconds, then=then):
                await self._pause(seconds)
                return await self._answer(then, record, cost)
            case ErrorReply():
                return error_response(reply)
            case ContinuationReply(parts=parts, usage=usage):
                return self._hop(record, parts, usage, cost)
            case SpeechReply(words=words, usage=usage):
                content = speech_output(words, speech_config(record.body))
                counts = usage or cost.counts(str(content["text"]))
                outcome = Outcome("completed", str(content["text"]), counts, content=content)
                return web.json_response(self._payload(outcome, record))
            case TextReply():
                generated = reply.status != "failed"
                outcome = Outcome(
                    status=reply.status,
                    text=reply.body_text,
                    usage=reply.usage or cost.counts(reply.body_text, generated=generated),
                    error_message=reply.error_message,
                    error_code=reply.error_code,
                )
                return web.json_response(self._payload(outcome, record))
        raise TypeError(f"not a reply the fake can send: {reply!r}")

    def _payload(
        self, outcome: Outcome, record: RecordedRequest, *, hop_id: str | None = None, **extra: Any
    ) -> JsonObject:
        return interaction_payload(
            outcome,
            interaction_id=hop_id or self._new_id(),
            model=record.model or "",
            service_tier=requested_tier(record.body) or "standard",
            **extra,
        )

    def _hop(
        self,
        record: RecordedRequest,
        parts: tuple[str, ...],
        usage: TokenCounts | None,
        cost: RequestCost,
    ) -> web.Response:
        hop_id, token = self._new_id(), None
        if len(parts) > 1:
            token = f"fake-continuation-{next(self._ids)}"
            self._pending[token] = _PendingContinuation(parts[1:], hop_id, usage, cost)
        status = "requires_continuation" if token else "completed"
        outcome = Outcome(status, parts[0], usage or cost.counts(parts[0]))
        payload = self._payload(outcome, record, hop_id=hop_id, continuation_token=token)
        return web.json_response(payload)

    def _new_id(self) -> str:
        return f"fake-interaction-{next(self._ids)}"

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), timeout=seconds)

    async def _unknown_route(self, request: web.Request) -> web.Response:
        message = f"The fake does not serve {request.method} {request.path}."
        return error_response(ErrorReply(404, "not_found", message))


def make_client(
    fake: FakeGemini,
    *,
    attempts: int = 1,
    timeout_ms: int | None = None,
    api_key: str | None = None,
) -> genai.Client:
    """The real SDK client pointed at ``fake``, with tiny retry delays and no jitter.

    ``attempts`` counts the first request (1: no retries); ``timeout_ms`` is the client-level
    per-request timeout; ``api_key`` overrides the (valid) key, for invalid-key tests.
    Close it with ``await client.aio.aclose()`` (or ``async with client.aio:``).
    """
    retry = types.HttpRetryOptions(
        attempts=attempts, initial_delay=0.01, max_delay=0.05, jitter=0.0
    )
    options = types.HttpOptions(base_url=fake.base_url, timeout=timeout_ms, retry_options=retry)
    return genai.Client(api_key=api_key or fake.api_key, http_options=options)
