"""Shared fixtures: the fakes, settings pointed at them, storage and the audio fixture set."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from pydantic import SecretStr

from bot.gemini import GeminiService, RateLimiter, RetryPolicy, build_genai_client
from bot.settings import Settings
from testkit.gemini import FakeGemini
from tests.helpers import loop_teardown
from tests.helpers.clocks import FakeClock, SleepRecorder

loop_teardown.install()

pytest_plugins = [
    "tests.helpers.fakes",
    "tests.helpers.audio_fixtures",
    "tests.helpers.storage_fixtures",
]


@pytest.fixture
def make_settings(tmp_path: Path) -> Any:
    """Settings for tests: no .env, data under tmp_path, overrides as keyword arguments."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"data_dir": tmp_path / "data", "_env_file": None}
        values.update(overrides)
        return Settings(**values)

    return build


@pytest.fixture
def sleeps() -> SleepRecorder:
    """A recorded, instant sleep."""
    return SleepRecorder()


@pytest_asyncio.fixture
async def make_gemini_service(
    fake_gemini: FakeGemini, make_settings: Any, sleeps: SleepRecorder, clock: FakeClock
) -> AsyncIterator[Callable[..., GeminiService]]:
    """Builds the real GeminiService and SDK, pointed at the fake, with instant retry waits
    and the test's clock (the one storage uses) for dating quota resets; keyword arguments
    override the service's (e.g. ``inline_limit_bytes``). Closed after the test."""
    services: list[GeminiService] = []

    def build(**overrides: Any) -> GeminiService:
        settings = make_settings(
            gemini_api_key=SecretStr(fake_gemini.api_key),
            gemini_base_url=fake_gemini.base_url,
            # Generous: the fake decodes each request's audio, and the machine may be busy.
            gemini_timeout_seconds=10.0,
        )
        arguments: dict[str, Any] = {
            "model": settings.gemini_model,
            "limiter": RateLimiter(1000),
            "retry": RetryPolicy(attempts=3, max_wait_s=30.0),
            "timeout_s": settings.gemini_timeout_seconds,
            "inline_limit_bytes": settings.gemini_inline_limit_bytes,
            "max_output_tokens": settings.gemini_max_output_tokens,
            "sleep": sleeps,
            "clock": clock,
        }
        services.append(GeminiService(build_genai_client(settings), **(arguments | overrides)))
        return services[-1]

    yield build
    for service in services:
        await service.close()


@pytest.fixture
def gemini_service(make_gemini_service: Callable[..., GeminiService]) -> GeminiService:
    """The real GeminiService on the fake, as :func:`make_gemini_service` builds it."""
    return make_gemini_service()
