"""The :class:`Storage` facade: opening the database, migrating it, closing it."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import ServiceError
from bot.storage._base import RepoBase
from bot.storage._claims import ClaimsRepo
from bot.storage._engine import create_engine, enable_wal, normalize_url
from bot.storage._erasure import ErasureRepo
from bot.storage._jobs import JobsRepo
from bot.storage._migrations import migrate
from bot.storage._pauses import PausesRepo
from bot.storage._records import RecordsRepo
from bot.storage._review_cards import ReviewCardsRepo
from bot.storage._review_search import ReviewSearchRepo
from bot.storage._settings_repo import SettingsRepo
from bot.storage._slots import RateSlotsRepo
from bot.storage._stats import StatsRepo
from bot.storage._types import DEFAULT_RETENTION_S, Clock, utc_now
from bot.storage._usage import UsageRepo
from bot.storage._vocabulary_repo import VocabularyRepo
from bot.storage._web import WebRepo


class Storage(
    SettingsRepo,
    JobsRepo,
    ClaimsRepo,
    PausesRepo,
    RecordsRepo,
    ErasureRepo,
    UsageRepo,
    WebRepo,
    StatsRepo,
    RateSlotsRepo,
    ReviewCardsRepo,
    ReviewSearchRepo,
    VocabularyRepo,
    RepoBase,
):
    """The bot's one repository: every read and write of the database goes through here.

    Open with :meth:`open` (which migrates the schema) and :meth:`close` when done.
    Safe to share between tasks; several processes may share one PostgreSQL database.
    """

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        clock: Clock = utc_now,
        retention_s: float = DEFAULT_RETENTION_S,
    ) -> Storage:
        """Connect to ``url`` (SQLite file or PostgreSQL), creating the SQLite file's
        directory if needed, and apply any pending migrations.

        ``clock`` supplies "now" for every timestamp and expiry check; ``retention_s`` is
        how long finished jobs are kept before :meth:`purge_expired` deletes them.
        """
        if retention_s <= 0:
            raise ValueError("retention_s must be positive")
        parsed = normalize_url(url)
        engine = create_engine(parsed)
        storage = cls(engine, clock, retention_s)
        try:
            await _connect_once(engine)
        except (OSError, TimeoutError, DBAPIError) as error:
            await engine.dispose()
            # One line, with the password masked: the URL is a secret like the keys.
            where = parsed.render_as_string(hide_password=True)
            raise ServiceError(
                f"I couldn't open the database at {where} ({type(error).__name__})."
            ) from None
        try:
            async with storage._write() as conn:
                await migrate(conn, now=storage._now())
        except BaseException:
            await engine.dispose()
            raise
        return storage

    async def close(self) -> None:
        """Close every pooled connection."""
        await self._engine.dispose()


async def _connect_once(engine: AsyncEngine) -> None:
    """Reach the database (SQLite: also switch it to WAL) before anything else, so that a
    server out of reach is told apart from a failing migration."""
    if engine.dialect.name == "sqlite":
        await enable_wal(engine)
        return
    async with engine.connect():
        pass
