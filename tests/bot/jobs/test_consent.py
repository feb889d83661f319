"""The one opt-out rule, on a real SQLite storage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.errors import OptedOut
from bot.jobs import Consent
from bot.storage import Storage

GUILD, ALICE, BOB = 100, 500, 501


@pytest_asyncio.fixture
async def store(tmp_path: Path) -> AsyncIterator[Storage]:
    storage = await Storage.open(f"sqlite:///{tmp_path / 'consent.sqlite3'}")
    yield storage
    await storage.close()


async def test_automatic_processing_stops_when_the_author_opts_out(store: Storage) -> None:
    consent = Consent(store)
    assert await consent.allows_auto(ALICE)
    await store.set_opt_out(ALICE, True)
    assert not await consent.allows_auto(ALICE)
    assert await consent.allows_auto(None)  # a note with no known author (a CLI file)


async def test_consent(store: Storage) -> None:
    async def ask(requester: int, *, moderator: bool = False) -> None:
        await Consent(store).require(
            author_id=ALICE,
            requester_id=requester,
            guild_id=GUILD,
            moderator=moderator,
            detail={"message_id": 9},
        )

    await ask(BOB)  # not opted out: nothing to check, nothing logged
    await store.set_opt_out(ALICE, True)
    await ask(ALICE)  # her own note
    with pytest.raises(OptedOut, match="opted out"):
        await ask(BOB)
    assert await store.audit_log(GUILD) == []
    await ask(BOB, moderator=True)
    (entry,) = await store.audit_log(GUILD)
    assert (entry.action, entry.actor_id) == ("optout.override", BOB)
    assert entry.detail == {"author_id": ALICE, "message_id": 9}
