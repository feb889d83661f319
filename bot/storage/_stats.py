"""What operators and admins see of the jobs: the database's pulse, the queue, a server's day.

Read-only summaries for readiness checks, scrape-time metrics and ``/voicenotes-admin
status``; counted in SQL, one statement each (``jobs`` is indexed by status and by server).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select, text

from bot.storage._base import RepoBase
from bot.storage._schema import jobs
from bot.storage._types import (
    ACTIVE_STATUSES,
    UNFINISHED_STATUSES,
    GuildJobCounts,
    JobStatus,
    QueueStats,
)

_UNFINISHED = sorted(s.value for s in UNFINISHED_STATUSES)
_ACTIVE = {s.value for s in ACTIVE_STATUSES}


class StatsRepo(RepoBase):
    """Health and summaries of the job table."""

    async def ping(self) -> None:
        """One round trip to the database (raises when it does not answer)."""
        async with self._read() as conn:
            await conn.execute(text("SELECT 1"))

    async def queue_stats(self) -> QueueStats:
        """Queued and running jobs of every process, and when the job longest in the queue
        entered it."""
        stmt = (
            select(jobs.c.status, func.count(), func.min(jobs.c.updated_at))
            .where(jobs.c.status.in_(_UNFINISHED))
            .group_by(jobs.c.status)
        )
        async with self._read() as conn:
            rows = (await conn.execute(stmt)).all()
        queued, running, oldest = 0, 0, None
        for status, count, earliest in rows:
            if status == JobStatus.QUEUED.value:
                queued, oldest = int(count), earliest
            else:
                running += int(count)
        return QueueStats(queued=queued, running=running, oldest_queued_at=oldest)

    async def guild_job_counts(self, guild_id: int, *, since: datetime) -> GuildJobCounts:
        """One server's jobs waiting and running now, and done and failed (refusals
        included) since ``since``."""
        stmt = (
            select(jobs.c.status, func.count())
            .where(
                jobs.c.guild_id == guild_id,
                or_(jobs.c.status.in_(_UNFINISHED), jobs.c.updated_at >= since),
            )
            .group_by(jobs.c.status)
        )
        async with self._read() as conn:
            counts = {status: int(count) for status, count in (await conn.execute(stmt)).all()}
        return GuildJobCounts(
            waiting=counts.get(JobStatus.QUEUED.value, 0),
            running=sum(counts.get(status, 0) for status in _ACTIVE),
            done=counts.get(JobStatus.DONE.value, 0),
            failed=counts.get(JobStatus.FAILED.value, 0),
        )
