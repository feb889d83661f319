"""End-to-end fixtures: the bot on the fake Discord and fake Gemini (see tests.helpers.harness)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from testkit.discord import FakeDiscord
from testkit.gemini import FakeGemini
from tests.helpers.harness import Harness, harness_settings, open_harness


@pytest.fixture(scope="session")
def voice_note_bytes(voice_note: Path) -> bytes:
    """A real Discord-style voice message (48 kHz mono Opus in OGG) as uploaded bytes."""
    return voice_note.read_bytes()


@pytest_asyncio.fixture
async def harness(
    fake_discord: FakeDiscord, fake_gemini: FakeGemini, make_settings: Any, tmp_path: Path
) -> AsyncIterator[Harness]:
    """The bot, connected to the fakes, in a guild with one text channel."""
    settings = harness_settings(make_settings, fake_discord, fake_gemini, tmp_path)
    async with open_harness(fake_discord, fake_gemini, settings) as harness:
        yield harness


@pytest.fixture
def make_harness(
    fake_discord: FakeDiscord, fake_gemini: FakeGemini, make_settings: Any, tmp_path: Path
) -> Callable[..., AbstractAsyncContextManager[Harness]]:
    """``async with make_harness(chunk_seconds=60) as harness:`` the bot on the fakes with
    these settings changed."""

    def build(**overrides: Any) -> AbstractAsyncContextManager[Harness]:
        settings = harness_settings(make_settings, fake_discord, fake_gemini, tmp_path, **overrides)
        return open_harness(fake_discord, fake_gemini, settings)

    return build
