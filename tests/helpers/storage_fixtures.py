"""Storage fixtures: a real PostgreSQL server for the session, and a ``storage`` on both
backends with a clock the test controls.

A pytest plugin, loaded for the whole suite by ``tests/conftest.py``.

* ``postgres_server`` / ``postgres_url`` (session): a throwaway server started on first use
  (see :mod:`testkit.postgres`); when it cannot start, every test using it FAILS with the
  reason, it is never skipped.
* ``clock``: a :class:`FakeClock`, shared by everything opened in the test.
* ``storage_url`` (parametrized ``sqlite`` / ``postgresql``): a fresh SQLite file under
  ``tmp_path``, or a fresh database ``test_<n>`` on the session server (dropped afterwards).
* ``storage``: a :class:`Storage` opened on ``storage_url`` with ``clock``; so every test that
  uses it runs once per backend. Tests needing several ``Storage`` objects on one database
  (two workers) open more on ``storage_url`` themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.storage import Storage
from testkit.postgres import PostgresServer, PostgresUnavailable
from tests.helpers.clocks import FakeClock

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server, stopped and deleted at the end."""
    try:
        server = PostgresServer.start()
    except PostgresUnavailable as exc:
        pytest.fail(f"the test PostgreSQL server did not start: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """The server's base URL, ``postgresql://postgres@127.0.0.1:<port>`` (add ``/<db>``)."""
    return postgres_server.base_url


@pytest.fixture
def clock() -> FakeClock:
    """The test's clock, starting at 2030-01-01 12:00 UTC."""
    return FakeClock()


@pytest.fixture(params=BACKENDS)
def storage_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to a fresh, empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'data' / 'storage.sqlite3'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.create_database()
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)


@pytest.fixture
async def storage(storage_url: str, clock: FakeClock) -> AsyncIterator[Storage]:
    """An opened (migrated) Storage on a fresh database, closed after the test."""
    opened = await Storage.open(storage_url, clock=clock)
    try:
        yield opened
    finally:
        await opened.close()
