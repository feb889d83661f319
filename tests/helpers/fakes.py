"""Fixtures for the fakes: a started fake Discord (discord.py pointed at it) and fake Gemini."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from testkit.discord import FakeDiscord, point_discord_py_at
from testkit.gemini import FakeGemini


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A started ``FakeDiscord`` with discord.py pointed at it.

    At teardown it fails if the bot called routes the fake does not implement.
    """
    async with FakeDiscord() as fake:
        with point_discord_py_at(fake):
            yield fake
    fake.check_unknown_routes()


@pytest.fixture
async def fake_gemini() -> AsyncIterator[FakeGemini]:
    """A started :class:`FakeGemini`, stopped after the test."""
    async with FakeGemini() as fake:
        yield fake
