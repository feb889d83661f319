"""GeminiClient: the real google-genai SDK on its own loop and thread, against the fake."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from google import genai

from bot.gemini import AudioInput, GeminiService, GeminiTranscript, RateLimiter, RetryPolicy
from bot.gemini._client import GeminiClient
from bot.gemini._sdk import new_client
from testkit.gemini import FakeGemini, Reply
from tests.bot.gemini.test_service import GOOD
from tests.helpers.clocks import FakeClock, SleepRecorder

THREAD = "gemini-sdk"


def sdk_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == THREAD]


@pytest.fixture
def sdk(fake_gemini: FakeGemini) -> genai.Client:
    return new_client(fake_gemini.api_key, base_url=fake_gemini.base_url, timeout_s=10.0)


@pytest_asyncio.fixture
async def client(sdk: genai.Client) -> AsyncIterator[GeminiClient]:
    client = GeminiClient(sdk)
    yield client
    await client.close()


def spy_on_create(sdk: genai.Client) -> list[tuple[threading.Thread, asyncio.AbstractEventLoop]]:
    """Wrap the SDK's own ``interactions.create`` to record where it runs."""
    seen: list[tuple[threading.Thread, asyncio.AbstractEventLoop]] = []
    real = sdk.aio.interactions.create

    async def create(**kwargs: Any) -> Any:
        seen.append((threading.current_thread(), asyncio.get_running_loop()))
        return await real(**kwargs)

    sdk.aio.interactions.create = create  # type: ignore[method-assign]
    return seen


async def test_requests_are_built_and_sent_off_the_callers_loop(
    fake_gemini: FakeGemini,
    sdk: genai.Client,
    client: GeminiClient,
    audio: AudioInput,
    sleeps: SleepRecorder,
    clock: FakeClock,
) -> None:
    seen = spy_on_create(sdk)
    service = GeminiService(
        client,
        model="gemini-3.5-flash",
        limiter=RateLimiter(1000),
        retry=RetryPolicy(attempts=1, max_wait_s=1.0),
        timeout_s=10.0,
        inline_limit_bytes=fake_gemini.inline_limit_bytes,
        max_output_tokens=8192,
        sleep=sleeps,
        clock=clock,
    )
    fake_gemini.enqueue(Reply.json(GOOD), Reply.json(GOOD))
    for _ in range(2):
        reply = await service.structured(prompt="p", response_model=GeminiTranscript, audio=audio)
        assert reply.value.segments[0].content == "Hello"
    assert len(fake_gemini.requests) == 2
    threads = {thread for thread, _ in seen}
    loops = {loop for _, loop in seen}
    assert [thread.name for thread in threads] == [THREAD]  # one thread, reused
    assert threading.current_thread() not in threads
    assert len(loops) == 1
    assert asyncio.get_running_loop() not in loops


async def test_cancelling_the_caller_cancels_the_call_on_the_sdk_loop(
    client: GeminiClient,
) -> None:
    started, cancelled = threading.Event(), threading.Event()

    async def hang(_sdk: genai.Client) -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    caller = asyncio.create_task(client.run(hang))
    assert await asyncio.to_thread(started.wait, 10)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert await asyncio.to_thread(cancelled.wait, 10)


async def test_errors_of_the_sdk_reach_the_caller_unchanged(client: GeminiClient) -> None:
    async def fail(_sdk: genai.Client) -> None:
        raise LookupError("from the SDK's loop")

    with pytest.raises(LookupError, match="from the SDK's loop"):
        await client.run(fail)


async def test_close_stops_the_thread_and_an_unused_client_never_starts_one(
    fake_gemini: FakeGemini, sdk: genai.Client
) -> None:
    before = len(sdk_threads())
    unused = GeminiClient(new_client("k", base_url=fake_gemini.base_url, timeout_s=1.0))
    await unused.close()
    assert len(sdk_threads()) == before

    used = GeminiClient(sdk)
    fake_gemini.enqueue(Reply.json(GOOD))
    await used.create_interaction(model="gemini-3.5-flash", input="hello", store=False)
    assert len(sdk_threads()) == before + 1
    await used.close()
    assert len(sdk_threads()) == before
