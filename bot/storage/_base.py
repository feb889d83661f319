"""What every repository part of :class:`bot.storage.Storage` shares: the engine and the clock."""

from __future__ import annotations

import json
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.storage._engine import WRITE_OPTION
from bot.storage._types import Clock

Insert = postgresql.Insert | sqlite.Insert


def dump_json(value: Any) -> str:
    """Compact, stable JSON text (raises ``TypeError`` for values that are not JSON-able)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def load_json(text: str) -> Any:
    """The inverse of :func:`dump_json`."""
    return json.loads(text)


class RepoBase:
    """Engine, clock and transaction helpers; the repository mixins build on these."""

    _engine: AsyncEngine
    _write_engine: AsyncEngine
    _clock: Clock
    _retention_s: float

    def __init__(self, engine: AsyncEngine, clock: Clock, retention_s: float) -> None:
        self._engine = engine
        self._write_engine = engine.execution_options(**{WRITE_OPTION: True})
        self._clock = clock
        self._retention_s = retention_s

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("the storage clock must return timezone-aware datetimes")
        return now

    def _read(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection for reads (its transaction is rolled back when the block ends)."""
        return self._engine.connect()

    def _write(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A write transaction, committed when the block ends without an exception."""
        return self._write_engine.begin()

    def _insert(self, table: Table) -> Insert:
        """A dialect-specific INSERT that supports ``ON CONFLICT``."""
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)


async def fetch_one(conn: AsyncConnection, statement: Any) -> Any:
    """The first row of a statement, or None."""
    return (await conn.execute(statement)).first()
