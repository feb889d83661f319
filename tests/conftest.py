"""Shared fixtures: the fakes, settings pointed at them, and the audio fixture set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from pydantic import SecretStr

from bot.gemini import GeminiService, RetryPolicy, build_genai_client
from bot.ratelimit import RateLimiter
from bot.settings import Settings
from tests.fakes.gemini import FakeGemini
from tests.fakes.gemini import fake_gemini as fake_gemini  # re-exported fixture

pytest_plugins = ["tests.conftest_audio", "tests.conftest_storage"]


class SleepRecorder:
    """Stands in for asyncio.sleep where a test should not wait for real."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


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
async def gemini_service(
    fake_gemini: FakeGemini, make_settings: Any, sleeps: SleepRecorder
) -> AsyncIterator[GeminiService]:
    """The real GeminiService and SDK, pointed at the fake, with instant retry waits."""
    settings = make_settings(
        gemini_api_key=SecretStr(fake_gemini.api_key), gemini_base_url=fake_gemini.base_url,
        gemini_timeout_seconds=1.0,
    )  # fmt: skip
    service = GeminiService(
        build_genai_client(settings),
        model=settings.gemini_model,
        limiter=RateLimiter(1000),
        retry=RetryPolicy(attempts=3, max_wait_s=30.0),
        timeout_s=settings.gemini_timeout_seconds,
        inline_limit_bytes=settings.gemini_inline_limit_bytes,
        max_output_tokens=settings.gemini_max_output_tokens,
        sleep=sleeps,
    )
    yield service
    await service.close()
