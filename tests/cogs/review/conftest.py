"""Fixtures of the review tests: the moderators' world on the end-to-end harness."""

from __future__ import annotations

import pytest_asyncio

from tests.helpers.harness import Harness
from tests.helpers.review import ReviewWorld


@pytest_asyncio.fixture
async def world(harness: Harness) -> ReviewWorld:
    """Moderators, roles and private channels in the harness's server (review still off)."""
    return await ReviewWorld.build(harness)
