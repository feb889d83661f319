"""Versioned migrations: idempotent, concurrent-safe, and matching the Core tables."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import DBAPIError

from bot.errors import ConfigError
from bot.storage import LATEST_VERSION, Storage
from bot.storage import _migrations as migrations
from bot.storage._migrations import MIGRATIONS, Migration
from bot.storage._schema import metadata, schema_version
from tests.helpers.clocks import FakeClock


async def _versions(storage: Storage) -> list[int]:
    async with storage._engine.connect() as conn:
        rows = await conn.execute(select(schema_version.c.version).order_by("version"))
        return [int(v) for v in rows.scalars()]


async def test_fresh_database_is_at_the_latest_version(storage: Storage) -> None:
    assert await _versions(storage) == [m.version for m in MIGRATIONS]
    assert MIGRATIONS[-1].version == LATEST_VERSION


async def test_reopening_applies_nothing_and_keeps_data(
    storage: Storage, storage_url: str, clock: FakeClock
) -> None:
    await storage.update_guild_settings(1, quiet=True)
    await storage.close()
    for _ in range(2):
        reopened = await Storage.open(storage_url, clock=clock)
        try:
            assert await _versions(reopened) == [m.version for m in MIGRATIONS]
            assert (await reopened.guild_settings(1)).quiet is True
        finally:
            await reopened.close()


async def test_processes_starting_at_once_migrate_once(storage_url: str, clock: FakeClock) -> None:
    opened = await asyncio.gather(*(Storage.open(storage_url, clock=clock) for _ in range(4)))
    try:
        assert await _versions(opened[0]) == [m.version for m in MIGRATIONS]
    finally:
        for storage in opened:
            await storage.close()


def _columns(sync_conn: Any) -> dict[str, set[str]]:
    inspector = inspect(sync_conn)
    return {
        name: {column["name"] for column in inspector.get_columns(name)}
        for name in inspector.get_table_names()
    }


async def test_migrated_schema_matches_the_core_tables(storage: Storage) -> None:
    async with storage._engine.connect() as conn:
        reflected = await conn.run_sync(_columns)
    expected = {table.name: {c.name for c in table.columns} for table in metadata.sorted_tables}
    assert {name: reflected.get(name) for name in expected} == expected


async def test_a_newer_schema_is_refused(
    storage: Storage, storage_url: str, clock: FakeClock
) -> None:
    async with storage._engine.begin() as conn:
        await conn.execute(
            schema_version.insert().values(
                version=LATEST_VERSION + 1, description="from the future", applied_at=clock()
            )
        )
    with pytest.raises(ConfigError, match="newer"):
        await Storage.open(storage_url, clock=clock)


async def test_a_failing_step_leaves_no_trace(
    storage: Storage, storage_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await storage.close()
    broken = Migration(
        LATEST_VERSION + 1,
        "creates a table, then fails",
        ("CREATE TABLE half_done (id INTEGER PRIMARY KEY)", "THIS IS NOT SQL"),
    )
    monkeypatch.setattr(migrations, "MIGRATIONS", (*MIGRATIONS, broken))
    monkeypatch.setattr(migrations, "LATEST_VERSION", broken.version)
    with pytest.raises(DBAPIError):
        await Storage.open(storage_url, clock=clock)
    monkeypatch.undo()

    reopened = await Storage.open(storage_url, clock=clock)
    try:
        assert await _versions(reopened) == [m.version for m in MIGRATIONS]
        async with reopened._engine.connect() as conn:
            tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        assert "half_done" not in tables
    finally:
        await reopened.close()


def test_versions_increase() -> None:
    versions = [m.version for m in MIGRATIONS]
    assert versions == sorted(set(versions))


async def test_a_step_filling_a_reserved_gap_runs_on_a_database_that_has_later_steps(
    storage: Storage, storage_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A version reserved for a branch merged later (6, operations) is filled in after a
    # database already has the steps after it: it must still run there, in its place.
    await storage.close()
    gap, later = LATEST_VERSION + 1, LATEST_VERSION + 2
    after = Migration(later, "a later step", ("CREATE TABLE later_step (id INTEGER PRIMARY KEY)",))
    filler = Migration(gap, "fills the gap", ("CREATE TABLE gap_filled (id INTEGER PRIMARY KEY)",))
    monkeypatch.setattr(migrations, "LATEST_VERSION", later)
    for steps in ((*MIGRATIONS, after), (*MIGRATIONS, filler, after)):
        monkeypatch.setattr(migrations, "MIGRATIONS", steps)
        reopened = await Storage.open(storage_url, clock=clock)
        await reopened.close()
    reopened = await Storage.open(storage_url, clock=clock)
    try:
        assert await _versions(reopened) == [*(m.version for m in MIGRATIONS), gap, later]
        async with reopened._engine.connect() as conn:
            tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        assert {"gap_filled", "later_step"} <= set(tables)
    finally:
        await reopened.close()
