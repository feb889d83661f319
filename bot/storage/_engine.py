"""Database URLs and engines: async drivers, SQLite pragmas and SQLite transaction control.

SQLite runs in WAL mode (set once at open, see :func:`enable_wal`) with foreign keys on and
a busy timeout. Python's sqlite3 driver is told to stay out of transaction control; we emit
``BEGIN`` ourselves so that DDL is transactional and so that write transactions take the
write lock up front (``BEGIN IMMEDIATE``): a deferred transaction that reads and then writes
can fail at once with "database is locked" instead of waiting for the busy timeout.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.errors import ConfigError

SQLITE_BUSY_TIMEOUT_MS = 30_000
WRITE_OPTION = "voicenotes_write"
"""Execution option marking a connection whose transaction will write (``BEGIN IMMEDIATE``)."""

_SQLITE_DRIVERS = {"sqlite", "sqlite+aiosqlite", "sqlite+pysqlite"}
_POSTGRES_DRIVERS = {
    "postgres",
    "postgresql",
    "postgresql+asyncpg",
    "postgresql+psycopg",
    "postgresql+psycopg2",
}


def normalize_url(raw: str) -> URL:
    """Parse a database URL and switch it to the async driver (aiosqlite or asyncpg).

    Accepts ``sqlite:///path`` / ``sqlite+aiosqlite:///path`` (a file; relative paths are
    resolved) and ``postgresql://`` / ``postgres://`` / ``postgresql+asyncpg://``.
    """
    try:
        url = make_url(raw.strip())
    except ArgumentError as exc:
        raise ConfigError("DATABASE_URL is not a valid database URL.") from exc
    scheme = url.drivername.lower()
    if scheme in _SQLITE_DRIVERS:
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            raise ConfigError(
                "DATABASE_URL must point SQLite at a file, e.g. sqlite:///data/bot.db"
            )
        return url.set(drivername="sqlite+aiosqlite", database=str(Path(database).resolve()))
    if scheme in _POSTGRES_DRIVERS:
        return url.set(drivername="postgresql+asyncpg")
    raise ConfigError("DATABASE_URL must start with sqlite:// or postgresql://")


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the sqlite3 driver (see the module docstring).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


async def enable_wal(engine: AsyncEngine) -> None:
    """Put the SQLite file in WAL mode (a property of the file, so once is enough).

    Switching modes needs an exclusive lock and SQLite does not wait on its busy timeout
    for it, so a process starting next to another one retries here for a while instead.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            async with engine.connect() as conn:
                driver = (await conn.get_raw_connection()).driver_connection
                assert driver is not None
                async with driver.execute("PRAGMA journal_mode = WAL") as cursor:
                    row = await cursor.fetchone()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)
            continue
        if row is None or str(row[0]).lower() != "wal":
            raise ConfigError("The SQLite database could not be switched to WAL mode.")
        return


def create_engine(url: URL) -> AsyncEngine:
    """An async engine for a normalized URL, with the SQLite hooks installed when needed."""
    # hide_parameters: SQL errors must not carry row values (interaction tokens) into logs.
    if url.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True, hide_parameters=True)
    Path(url.database or "").parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, hide_parameters=True)
    event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
    event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
    return engine
