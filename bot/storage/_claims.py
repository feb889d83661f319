"""Workers claiming jobs, with leases so a killed worker's job is picked up again.

One statement claims a job: ``UPDATE jobs SET status='running', ... WHERE id = (SELECT ...
LIMIT 1) AND <still claimable> RETURNING *``. On PostgreSQL the inner SELECT takes
``FOR UPDATE SKIP LOCKED``, so concurrent workers (several bot processes on one database)
skip each other's candidates instead of waiting or double-claiming; a row changed by another
worker meanwhile is re-checked and dropped. On SQLite the statement runs under the
database write lock (``BEGIN IMMEDIATE``), which makes it atomic on its own.

Claimable: queued jobs, and running/delivering jobs whose lease expired (their worker
died) while they have attempts left; while the worker's Gemini model is paused (a used-up
daily quota), only those whose result is already stored; with a :class:`ShardSet`, only the
jobs of the servers on those shards (a process delivers only where Discord's gateway gave it
the server: ``(guild_id >> 22) % shard_count``, DMs on shard 0). Fairness: the candidate
from the server with the fewest jobs being worked on right now comes first, then the oldest.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
    update,
)

from bot.storage._base import RepoBase, fetch_one
from bot.storage._jobs import job_from_row
from bot.storage._schema import gemini_pauses, jobs
from bot.storage._types import ACTIVE_STATUSES, Job, JobStatus, ShardSet

DEFAULT_MAX_ATTEMPTS = 3
_ACTIVE = sorted(s.value for s in ACTIVE_STATUSES)


def _expired(table: Any, now: datetime) -> ColumnElement[bool]:
    return and_(table.c.status.in_(_ACTIVE), table.c.lease_until < now)


def on_shards(table: Any, shards: ShardSet | None) -> ColumnElement[bool]:
    """The jobs whose server is on ``shards`` (every job without a shard set)."""
    if shards is None:
        return true()
    # PostgreSQL shifts a bigint by an integer only: the 22 is written inline as one.
    shard = table.c.guild_id.op(">>")(literal_column("22")).op("%")(shards.count)
    dms = table.c.guild_id.is_(None) if 0 in shards.ids else false()
    return or_(dms, and_(table.c.guild_id.is_not(None), shard.in_(shards.ids)))


def _claimable(
    table: Any, now: datetime, max_attempts: int, gemini_model: str | None, shards: ShardSet | None
) -> ColumnElement[bool]:
    claimable = and_(
        or_(
            table.c.status == JobStatus.QUEUED.value,
            and_(_expired(table, now), table.c.attempts < max_attempts),
        ),
        on_shards(table, shards),
    )
    if gemini_model is None:
        return claimable
    # While the model is paused only jobs whose result is stored (they need nothing more from
    # Gemini) are claimable. Checked in the claiming statement itself, so a job put back by
    # the worker that recorded the pause can never be claimed by one that looked earlier.
    paused = exists().where(gemini_pauses.c.model == gemini_model, gemini_pauses.c.resume_at > now)
    return and_(claimable, or_(table.c.result_key.is_not(None), ~paused))


class ClaimsRepo(RepoBase):
    """Claiming jobs and renewing leases."""

    def _lock(self, stmt: Select[Any]) -> Select[Any]:
        if self.dialect == "postgresql":
            return stmt.with_for_update(skip_locked=True)
        return stmt

    def _pick_stmt(
        self, now: datetime, max_attempts: int, gemini_model: str | None, shards: ShardSet | None
    ) -> Select[Any]:
        cand = jobs.alias("cand")
        busy = jobs.alias("busy")
        busy_in_guild = (
            select(func.count())
            .select_from(busy)
            .where(
                busy.c.guild_id.is_not_distinct_from(cand.c.guild_id),
                busy.c.status.in_(_ACTIVE),
                busy.c.lease_until >= now,
            )
            .correlate(cand)
            .scalar_subquery()
        )
        pick = (
            select(cand.c.id)
            .where(_claimable(cand, now, max_attempts, gemini_model, shards))
            .order_by(busy_in_guild, cand.c.created_at, cand.c.id)
            .limit(1)
        )
        return self._lock(pick)

    async def give_up_exhausted(
        self, *, max_attempts: int = DEFAULT_MAX_ATTEMPTS, shards: ShardSet | None = None
    ) -> list[Job]:
        """Mark FAILED the jobs (of ``shards``) whose worker died ``max_attempts`` times (a
        poison note must not take down worker after worker) and return them, each to exactly
        one caller, so that caller can tell the requester."""
        now = self._now()
        dead = jobs.alias("dead")
        victims = select(dead.c.id).where(
            _expired(dead, now), dead.c.attempts >= max_attempts, on_shards(dead, shards)
        )
        stmt = (
            update(jobs)
            .where(jobs.c.id.in_(self._lock(victims)), _expired(jobs, now))
            .values(
                status=JobStatus.FAILED.value,
                error=f"Gave up after {max_attempts} attempts: the worker stopped responding.",
                lease_until=None,
                updated_at=now,
            )
            .returning(*jobs.c)
        )
        async with self._write() as conn:
            rows = (await conn.execute(stmt)).all()
        return [job_from_row(row) for row in rows]

    async def claim_next_job(
        self,
        worker_id: str,
        *,
        lease_s: float,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        gemini_model: str | None = None,
        shards: ShardSet | None = None,
    ) -> Job | None:
        """Claim the next job for ``worker_id``, or None when there is nothing to do.

        The job becomes RUNNING, claimed by the worker until ``now + lease_s`` (renew with
        :meth:`renew_lease`), and its ``attempts`` goes up by one. Jobs whose worker died
        ``max_attempts`` times are not claimed again: see :meth:`give_up_exhausted`.
        With ``gemini_model``, a job that still needs Gemini is not claimed while that model
        is paused (:meth:`PausesRepo.pause_gemini`); with ``shards``, only jobs of servers on
        those shards.
        """
        now = self._now()
        pick = self._pick_stmt(now, max_attempts, gemini_model, shards).scalar_subquery()
        claimable = _claimable(jobs, now, max_attempts, gemini_model, shards)
        stmt = (
            update(jobs)
            .where(jobs.c.id == pick, claimable)
            .values(
                status=JobStatus.RUNNING.value,
                attempts=jobs.c.attempts + 1,
                claimed_by=worker_id,
                lease_until=now + timedelta(seconds=lease_s),
                updated_at=now,
            )
            .returning(*jobs.c)
        )
        async with self._write() as conn:
            row = await fetch_one(conn, stmt)
        return None if row is None else job_from_row(row)

    async def renew_lease(self, job_id: int, worker_id: str, lease_s: float) -> bool:
        """Extend the worker's lease to ``now + lease_s``. False when the worker no longer
        holds the job (taken over after its lease expired, cancelled, or finished)."""
        now = self._now()
        stmt = (
            update(jobs)
            .where(
                jobs.c.id == job_id,
                jobs.c.claimed_by == worker_id,
                jobs.c.status.in_(_ACTIVE),
            )
            .values(lease_until=now + timedelta(seconds=lease_s), updated_at=now)
        )
        async with self._write() as conn:
            result = await conn.execute(stmt)
        return result.rowcount > 0
