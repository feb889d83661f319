"""Fixtures of the job tests: a pipeline on the fake Gemini, a second process's storage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.audio import AudioTools
from bot.gemini import GeminiService
from bot.pipeline import Pipeline
from bot.storage import Storage
from tests.helpers.clocks import FakeClock
from tests.helpers.pipelines import make_pipeline


@pytest.fixture
def pipeline(gemini_service: GeminiService, audio_tools: AudioTools, tmp_path: Path) -> Pipeline:
    """The real pipeline on the fake Gemini, no result cache."""
    return make_pipeline(gemini_service, audio_tools, tmp_path)


@pytest_asyncio.fixture
async def second_storage(storage_url: str, clock: FakeClock) -> AsyncIterator[Storage]:
    """Another process's view of the same database (leases compare clocks: share one)."""
    store = await Storage.open(storage_url, clock=clock)
    yield store
    await store.close()
