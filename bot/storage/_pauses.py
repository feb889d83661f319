"""Pauses of Gemini work, per model, shared by every bot process through the database.

When Gemini answers ``quota_exceeded`` the project's daily quota for that model is used up
until midnight Pacific: a worker records a pause here, and every worker of every process
stops starting jobs that need Gemini (:meth:`ClaimsRepo.claim_next_job` with its
``gemini_model``) until ``resume_at`` passes; nothing needs clearing, an expired pause
simply no longer counts. The people waiting are told once per job and pause: a job is
"told" by one atomic update of ``jobs.pause_told_until``, so two processes never both tell.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, or_, select, update

from bot.storage._base import RepoBase, fetch_one
from bot.storage._claims import on_shards
from bot.storage._jobs import job_from_row
from bot.storage._schema import gemini_pauses, jobs
from bot.storage._types import Job, JobStatus, ShardSet


class PausesRepo(RepoBase):
    """Recording and reading Gemini pauses; claiming the notices owed to waiting jobs."""

    async def pause_gemini(self, model: str, *, resume_at: datetime, reason: str) -> None:
        """Pause work for ``model`` until ``resume_at`` (a later pause already recorded
        wins: pauses only ever extend)."""
        now = self._now()
        stmt = self._insert(gemini_pauses).values(
            model=model, resume_at=resume_at, reason=reason, created_at=now
        )
        later = case(
            (stmt.excluded.resume_at > gemini_pauses.c.resume_at, stmt.excluded.resume_at),
            else_=gemini_pauses.c.resume_at,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["model"],
            set_={"resume_at": later, "reason": stmt.excluded.reason, "created_at": now},
        )
        async with self._write() as conn:
            await conn.execute(stmt)

    async def gemini_paused_until(self, model: str) -> datetime | None:
        """When work for ``model`` may resume, or None when it is not paused (any more)."""
        stmt = select(gemini_pauses.c.resume_at).where(
            gemini_pauses.c.model == model, gemini_pauses.c.resume_at > self._now()
        )
        async with self._read() as conn:
            row = await fetch_one(conn, stmt)
        return None if row is None else row.resume_at

    async def claim_pause_notices(
        self, resume_at: datetime, *, shards: ShardSet | None = None
    ) -> list[Job]:
        """The queued jobs (of ``shards``) still waiting for Gemini whose requesters were
        not yet told about the pause ending at ``resume_at``; each is returned to exactly
        one caller, which tells its requester."""
        stmt = (
            update(jobs)
            .where(
                jobs.c.status == JobStatus.QUEUED.value,
                jobs.c.result_key.is_(None),
                or_(jobs.c.pause_told_until.is_(None), jobs.c.pause_told_until < resume_at),
                on_shards(jobs, shards),
            )
            .values(pause_told_until=resume_at)
            .returning(*jobs.c)
        )
        async with self._write() as conn:
            rows = (await conn.execute(stmt)).all()
        return sorted((job_from_row(row) for row in rows), key=lambda job: job.id)
