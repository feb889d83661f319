"""Erasure: everything stored about a server the bot left, or about one member's notes.

A deleted voice message is erased job by job (its posted replies are the Discord layer's to
delete first). Here are the wholesale cases: a server the bot was removed from keeps its data
for a grace period (the bot may be invited back) and then loses all of it; a member who opted
out may have every job of their notes, and every stored result of that audio, erased.
Results go by the audio's sha256, as for a deleted message: the same words cached under
another request's key go too.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage._base import RepoBase, fetch_one
from bot.storage._jobs import job_from_row
from bot.storage._schema import (
    audit_log,
    channel_settings,
    departed_guilds,
    guild_settings,
    guild_vocabulary,
    jobs,
    result_cache,
    review_cards,
    review_pages,
    usage_records,
)
from bot.storage._types import Job


async def _erase_results_of(conn: AsyncConnection, selected_jobs: Any) -> int:
    """Delete every result of the audio behind ``selected_jobs``' results."""
    keys = select(selected_jobs.c.result_key).where(selected_jobs.c.result_key.is_not(None))
    audio = select(result_cache.c.sha256).where(result_cache.c.cache_key.in_(keys))
    done = await conn.execute(delete(result_cache).where(result_cache.c.sha256.in_(audio)))
    return int(done.rowcount)


class ErasureRepo(RepoBase):
    """Departed servers and wholesale erasure."""

    async def mark_guild_departed(self, guild_id: int) -> None:
        """The bot was removed from a server: start its grace period (kept if already on)."""
        stmt = self._insert(departed_guilds).values(guild_id=guild_id, left_at=self._now())
        async with self._write() as conn:
            await conn.execute(stmt.on_conflict_do_nothing(index_elements=["guild_id"]))

    async def clear_guild_departed(self, guild_id: int) -> None:
        """The bot is back in the server: nothing of it will be erased."""
        async with self._write() as conn:
            await conn.execute(
                delete(departed_guilds).where(departed_guilds.c.guild_id == guild_id)
            )

    async def guild_departed_at(self, guild_id: int) -> datetime | None:
        """When the bot was removed from a server it has not come back to, or None."""
        stmt = select(departed_guilds.c.left_at).where(departed_guilds.c.guild_id == guild_id)
        async with self._read() as conn:
            row = await fetch_one(conn, stmt)
        return None if row is None else row.left_at

    async def erase_departed_guilds(self, grace_s: float) -> list[int]:
        """Erase the servers the bot left more than ``grace_s`` seconds ago; their ids."""
        cutoff = self._now() - timedelta(seconds=grace_s)
        stmt = select(departed_guilds.c.guild_id).where(departed_guilds.c.left_at < cutoff)
        async with self._read() as conn:
            due = [int(row.guild_id) for row in (await conn.execute(stmt)).all()]
        for guild_id in due:
            await self.erase_guild(guild_id)
        return due

    async def erase_guild(self, guild_id: int) -> None:
        """Everything stored about one server, in one transaction: its jobs (and their
        posted-part records), the results of their audio, settings, vocabulary, usage, audit
        log and review cards (with their flags and reports)."""
        its_jobs = select(jobs).where(jobs.c.guild_id == guild_id).subquery()
        by_guild = [
            (usage_records, usage_records.c.guild_id),
            (audit_log, audit_log.c.guild_id),
            (channel_settings, channel_settings.c.guild_id),
            (guild_settings, guild_settings.c.guild_id),
            (guild_vocabulary, guild_vocabulary.c.guild_id),
            (jobs, jobs.c.guild_id),
            (review_cards, review_cards.c.guild_id),
            (review_pages, review_pages.c.guild_id),
            (departed_guilds, departed_guilds.c.guild_id),
        ]
        async with self._write() as conn:
            await _erase_results_of(conn, its_jobs)
            for table, column in by_guild:
                await conn.execute(delete(table).where(column == guild_id))

    async def jobs_of_author(self, user_id: int) -> list[Job]:
        """Every job made from one member's notes (for erasing them on request)."""
        stmt = select(jobs).where(jobs.c.author_id == user_id).order_by(jobs.c.id)
        async with self._read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [job_from_row(row) for row in rows]

    async def erase_jobs(self, job_ids: list[int]) -> None:
        """Delete jobs (with their posted-part records) and every result of their audio."""
        if not job_ids:
            return
        chosen = select(jobs).where(jobs.c.id.in_(job_ids)).subquery()
        async with self._write() as conn:
            await _erase_results_of(conn, chosen)
            await conn.execute(delete(jobs).where(jobs.c.id.in_(job_ids)))
