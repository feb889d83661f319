"""URL normalization and SQLite connection settings."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.errors import ConfigError
from bot.storage import Storage, normalize_url


@pytest.mark.parametrize(
    ("raw", "driver"),
    [
        ("sqlite:////srv/bot/db.sqlite3", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:////srv/bot/db.sqlite3", "sqlite+aiosqlite"),
        ("postgresql://bot:pw@db.internal:5432/voicenotes", "postgresql+asyncpg"),
        ("postgres://bot@db.internal/voicenotes", "postgresql+asyncpg"),
        ("postgresql+asyncpg://bot@db.internal/voicenotes", "postgresql+asyncpg"),
        ("postgresql+psycopg2://bot@db.internal/voicenotes", "postgresql+asyncpg"),
    ],
)
def test_normalize_url_picks_the_async_driver(raw: str, driver: str) -> None:
    url = normalize_url(raw)
    assert url.drivername == driver
    assert url.database is not None
    assert url.database.endswith(("db.sqlite3", "voicenotes"))


def test_normalize_url_keeps_credentials_and_host() -> None:
    url = normalize_url("postgresql://bot:s3cret@db.internal:6543/voicenotes")
    assert (url.username, url.password) == ("bot", "s3cret")
    assert (url.host, url.port, url.database) == ("db.internal", 6543, "voicenotes")


def test_relative_sqlite_path_is_made_absolute() -> None:
    url = normalize_url("sqlite:///data/bot.sqlite3")
    assert url.database == str(Path("data/bot.sqlite3").resolve())


@pytest.mark.parametrize(
    "raw",
    ["mysql://bot@db/voicenotes", "sqlite://", "sqlite:///:memory:", "not a url", ""],
)
def test_unsupported_urls_are_config_errors(raw: str) -> None:
    with pytest.raises(ConfigError):
        normalize_url(raw)


async def test_open_creates_the_sqlite_parent_directory(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "deeper" / "bot.sqlite3"
    storage = await Storage.open(f"sqlite:///{path}")
    try:
        assert path.exists()
    finally:
        await storage.close()


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    storage = await Storage.open(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    try:
        async with storage._engine.connect() as conn:
            journal = (await conn.execute(text("PRAGMA journal_mode"))).scalar_one()
            foreign_keys = (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one()
            busy = (await conn.execute(text("PRAGMA busy_timeout"))).scalar_one()
    finally:
        await storage.close()
    assert (journal, foreign_keys) == ("wal", 1)
    assert busy >= 1000


async def test_a_naive_clock_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await Storage.open(f"sqlite:///{tmp_path / 'bot.sqlite3'}", clock=datetime.now)
