"""The google-genai client, run on a private event loop in its own thread.

Why a thread: the SDK does real CPU work for every request on the loop that awaits it. Its
serializer builds a pydantic model class per request body (``create_model``, 3 to 15 ms
measured on this project's benchmark machine), then dumps the body, base64 audio included,
to JSON, and it validates every reply into its own models. On the bot's loop that work
runs in one piece while gateway heartbeats, interaction acks (3 s) and every other job
wait; in a burst it was the largest share of the event loop's lag (docs/benchmarks.md).
In a thread it is cut into the interpreter's switch interval (5 ms), so the bot's loop
gets its turn while a request is being built.

The rules, each enforced in one place below:

* The SDK is only ever touched from its own loop: every call is a factory run there
  (:meth:`GeminiClient.run`), so its connection pool and sessions belong to one loop.
* The caller's cancellation and timeouts reach the SDK call (``run_coroutine_threadsafe``
  cancels the task on the SDK's loop when the caller's future is cancelled).
* The thread starts on first use (a client that never sends costs nothing) and
  :meth:`GeminiClient.close` closes the SDK's connections on that loop, then stops and
  joins the thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from google import genai
from google.genai.types import File

from bot.gemini._sdk import Interaction

T = TypeVar("T")


class _LoopThread:
    """An event loop running forever in a daemon thread, started on first use."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def loop(self) -> asyncio.AbstractEventLoop:
        """The running loop, started if it was not."""
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                self._thread = threading.Thread(
                    target=self._serve, args=(loop,), name=self._name, daemon=True
                )
                self._thread.start()
                self._loop = loop
            return self._loop

    @staticmethod
    def _serve(loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
        finally:
            loop.close()

    @property
    def started(self) -> bool:
        """Whether the thread was ever started (and not stopped since)."""
        return self._loop is not None

    def stop(self) -> None:
        """Stop the loop and wait for its thread (blocking: call it off the event loop)."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join()


async def _call(make: Callable[[], Awaitable[T]]) -> T:
    return await make()


class GeminiClient:
    """The SDK calls the bot makes, each run on the SDK's own loop (module docstring)."""

    def __init__(self, sdk: genai.Client) -> None:
        self._sdk = sdk
        self._thread = _LoopThread("gemini-sdk")

    async def run(self, make: Callable[[genai.Client], Awaitable[T]]) -> T:
        """``make(sdk)`` awaited on the SDK's loop; cancelling the caller cancels it."""
        future = asyncio.run_coroutine_threadsafe(
            _call(lambda: make(self._sdk)), self._thread.loop()
        )
        return await asyncio.wrap_future(future)

    async def create_interaction(self, **request: Any) -> Interaction:
        """``interactions.create(**request)``."""
        return await self.run(lambda sdk: sdk.aio.interactions.create(**request))

    async def upload(self, path: str, mime_type: str) -> File:
        """Upload a file through the Files API."""
        return await self.run(
            lambda sdk: sdk.aio.files.upload(file=path, config={"mime_type": mime_type})
        )

    async def file(self, name: str) -> File:
        """The Files API's record of an upload (its state and URI)."""
        return await self.run(lambda sdk: sdk.aio.files.get(name=name))

    async def delete(self, name: str) -> None:
        """Delete an upload."""
        await self.run(lambda sdk: sdk.aio.files.delete(name=name))

    async def close(self) -> None:
        """Close the SDK's connections on its loop, then stop the thread."""
        if not self._thread.started:
            await self._sdk.aio.aclose()  # nothing ran on another loop: close it here
            return
        await self.run(lambda sdk: sdk.aio.aclose())
        await asyncio.to_thread(self._thread.stop)
