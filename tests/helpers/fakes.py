"""Fixtures for the fakes: a started fake Discord (discord.py pointed at it) and fake Gemini.

At the end of the run the terminal summary says how many invalid requests (401, 403, 429:
the answers Discord counts toward its IP ban) the suite's fake Discords answered, and how
many of them no test had provoked on purpose (target: none).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from testkit.discord import FakeDiscord, point_discord_py_at
from testkit.discord.rejections import is_invalid
from testkit.gemini import FakeGemini


@dataclass
class InvalidRequestTally:
    """Invalid requests across the run: all of them, and those no test provoked."""

    total: int = 0
    unprovoked: int = 0
    tests: int = 0


_TALLY = pytest.StashKey[InvalidRequestTally]()


def _tally(config: pytest.Config) -> InvalidRequestTally:
    return config.stash.setdefault(_TALLY, InvalidRequestTally())


@pytest.fixture
async def fake_discord(request: pytest.FixtureRequest) -> AsyncIterator[FakeDiscord]:
    """A started ``FakeDiscord`` with discord.py pointed at it.

    At teardown it fails if the bot called routes the fake does not implement, or if
    Discord refused (4xx) a request the test did not provoke: injected with ``fail_next`` or
    ``exhaust_bucket``, or declared with ``fake.expect_rejection(status=..., code=...)``.
    """
    async with FakeDiscord() as fake:
        with point_discord_py_at(fake):
            yield fake
    check_fake_discord(fake, request.config)


def check_fake_discord(fake: FakeDiscord, config: pytest.Config) -> None:
    """After a test: count its invalid requests for the summary, then fail it on unknown
    routes and on refusals it did not provoke (for tests that start their own fake)."""
    tally = _tally(config)
    tally.total += fake.invalid_request_count
    tally.unprovoked += sum(1 for r in fake.unexpected_rejections if is_invalid(r))
    tally.tests += fake.invalid_request_count > 0
    fake.check_unknown_routes()
    fake.check_rejections()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line: the invalid requests of this run."""
    tally = terminalreporter.config.stash.get(_TALLY, None)
    if tally is not None:
        terminalreporter.write_line(
            f"fake Discord: {tally.total} invalid requests (401/403/429) in {tally.tests} "
            f"tests, {tally.unprovoked} of them not provoked by the test"
        )


@pytest.fixture
async def fake_gemini() -> AsyncIterator[FakeGemini]:
    """A started :class:`FakeGemini`, stopped after the test."""
    async with FakeGemini() as fake:
        yield fake
