"""Job rows and their posted message parts.

A job is written before any work starts, keyed by the request's ``dedupe_key``: a replayed
gateway event submits the same key and gets the existing job back instead of a second one.
Processing is shared separately through ``result_key`` (the result cache), so each request
gets its own job and delivery while the audio is processed once.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from sqlalchemy import and_, case, delete, func, or_, select, update

from bot.model import Mode
from bot.options import JobOptions, JobSpec, Origin, OutputMode
from bot.storage._base import RepoBase, dump_json, fetch_one, load_json
from bot.storage._schema import deliveries, jobs
from bot.storage._types import (
    ACTIVE_STATUSES,
    UNFINISHED_STATUSES,
    Delivery,
    Job,
    JobOutcome,
    JobRequest,
    JobStatus,
)

MAX_ERROR_CHARS = 2000
_ROW_FIELDS = tuple(f.name for f in fields(JobRequest) if f.name != "spec")


def dump_spec(spec: JobSpec) -> str:
    """The ``options`` column: a spec as JSON (its mode has a column of its own). The one
    place a spec is serialised; :func:`load_spec` is its inverse."""
    options = asdict(spec.options)
    del options["mode"]
    return dump_json(
        {
            "options": options,
            "output": spec.output.value,
            "quota_exempt": spec.quota_exempt,
            "forwarded_by": spec.forwarded_by,
            "video_url": spec.video_url,
            "fresh": spec.fresh,
            "server_pays": spec.server_pays,
        }
    )


def load_spec(mode: str, text: str) -> JobSpec:
    """The spec stored by :func:`dump_spec`."""
    data = load_json(text)
    return JobSpec(
        options=JobOptions(mode=Mode(mode), **data["options"]),
        output=OutputMode(data["output"]),
        quota_exempt=bool(data["quota_exempt"]),
        forwarded_by=data.get("forwarded_by"),  # absent from jobs stored before forwards
        video_url=data.get("video_url"),  # absent from jobs stored before video links
        fresh=bool(data.get("fresh", False)),  # absent from jobs stored before review
        server_pays=bool(data.get("server_pays", False)),
    )


def job_from_row(row: Any) -> Job:
    """Build a :class:`Job` from a full ``jobs`` row."""
    data = dict(row._mapping)
    data["spec"] = load_spec(data.pop("mode"), data.pop("options"))
    data["origin"] = Origin(data["origin"])
    data["status"] = JobStatus(data["status"])
    data["private"] = bool(data["private"])
    data["result_reused"] = bool(data["result_reused"])
    data["outcome"] = JobOutcome(data["outcome"]) if data["outcome"] else None
    return Job(**data)


def _request_columns(req: JobRequest) -> dict[str, Any]:
    values = {name: getattr(req, name) for name in _ROW_FIELDS}
    values["origin"] = req.origin.value
    values["mode"] = req.mode.value
    values["options"] = dump_spec(req.spec)
    return values


def _status_values(
    status: JobStatus,
    error: str | None,
    result_key: str | None,
    result_reused: bool,
    outcome: JobOutcome | None,
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "status": status.value,
        "error": None if error is None else error[:MAX_ERROR_CHARS],
        "outcome": None if outcome is None else outcome.value,
    }
    if result_key is not None:
        values.update(result_key=result_key, result_reused=result_reused)
    if status is JobStatus.QUEUED:
        values.update(claimed_by=None, lease_until=None)
    elif status.is_final:
        values["lease_until"] = None
    return values


class JobsRepo(RepoBase):
    """Submitting, reading and updating jobs; recording delivered message parts."""

    async def submit_job(self, req: JobRequest) -> tuple[Job, bool]:
        """Insert the job, or get the one already stored under its ``dedupe_key``.

        Returns ``(job, created)``. Race-safe: concurrent submits of one key make one row
        (``INSERT ... ON CONFLICT DO NOTHING`` then ``SELECT`` in the same transaction).
        """
        now = self._now()
        values = _request_columns(req)
        values.update(status=JobStatus.QUEUED.value, attempts=0, created_at=now, updated_at=now)
        stmt = self._insert(jobs).values(**values)
        stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])
        async with self._write() as conn:
            inserted = await fetch_one(conn, stmt.returning(jobs.c.id))
            row = await fetch_one(conn, select(jobs).where(jobs.c.dedupe_key == req.dedupe_key))
        return job_from_row(row), inserted is not None

    async def get_job(self, job_id: int) -> Job | None:
        """The job with this id, or None."""
        async with self._read() as conn:
            row = await fetch_one(conn, select(jobs).where(jobs.c.id == job_id))
        return None if row is None else job_from_row(row)

    async def set_job_status(
        self,
        job_id: int,
        status: JobStatus,
        *,
        error: str | None = None,
        result_key: str | None = None,
        result_reused: bool = False,
        worker_id: str | None = None,
        outcome: JobOutcome | None = None,
        refund_attempt: bool = False,
    ) -> bool:
        """Move a job to ``status``; returns whether the row changed.

        ``error`` and ``outcome`` are always written (None clears them); ``result_key``
        (the cache entry holding the job's result) and ``result_reused`` (it came from the
        cache) only when a key is given. ``refund_attempt`` gives back the attempt its
        claim counted (a job put back for a reason that is not its own, e.g. a Gemini
        quota pause, must not draw nearer to being given up).
        Back to QUEUED releases the claim; a final status ends the lease. With
        ``worker_id``, the change only happens while that worker still holds the job
        (claimed by it and running or delivering), so a worker whose lease expired and
        was taken over, or whose job was cancelled, cannot overwrite the outcome.
        """
        values = _status_values(JobStatus(status), error, result_key, result_reused, outcome)
        if refund_attempt:
            values["attempts"] = case((jobs.c.attempts > 0, jobs.c.attempts - 1), else_=0)
        stmt = update(jobs).where(jobs.c.id == job_id)
        if worker_id is not None:
            stmt = stmt.where(
                jobs.c.claimed_by == worker_id,
                jobs.c.status.in_(sorted(s.value for s in ACTIVE_STATUSES)),
            )
        async with self._write() as conn:
            result = await conn.execute(stmt.values(**values, updated_at=self._now()))
        return result.rowcount > 0

    async def set_job_reply_target(
        self, job_id: int, *, reply_channel_id: int | None, thread_id: int | None
    ) -> None:
        """Remember where the job's answer goes (the channel, and the thread once made)."""
        await self._set_columns(job_id, reply_channel_id=reply_channel_id, thread_id=thread_id)

    async def set_job_status_message(
        self, job_id: int, *, channel_id: int | None, message_id: int | None
    ) -> None:
        """Remember the job's status message (None, None: it is gone)."""
        await self._set_columns(job_id, status_channel_id=channel_id, status_message_id=message_id)

    async def _set_columns(self, job_id: int, **values: Any) -> None:
        stmt = update(jobs).where(jobs.c.id == job_id).values(**values, updated_at=self._now())
        async with self._write() as conn:
            await conn.execute(stmt)

    async def unfinished_jobs(self) -> list[Job]:
        """Queued, running and delivering jobs, oldest first (for resuming after a restart)."""
        stmt = (
            select(jobs)
            .where(jobs.c.status.in_(sorted(s.value for s in UNFINISHED_STATUSES)))
            .order_by(jobs.c.created_at, jobs.c.id)
        )
        async with self._read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [job_from_row(row) for row in rows]

    async def queue_position(self, job_id: int) -> int:
        """How many queued jobs were submitted before this one (0 when it isn't queued)."""
        async with self._read() as conn:
            target = await fetch_one(
                conn, select(jobs.c.status, jobs.c.created_at).where(jobs.c.id == job_id)
            )
            if target is None or target.status != JobStatus.QUEUED.value:
                return 0
            earlier = or_(
                jobs.c.created_at < target.created_at,
                and_(jobs.c.created_at == target.created_at, jobs.c.id < job_id),
            )
            stmt = select(func.count()).where(jobs.c.status == JobStatus.QUEUED.value, earlier)
            return int((await conn.execute(stmt)).scalar_one())

    async def jobs_for_message(self, message_id: int) -> list[Job]:
        """Every job made from one message (to clean up when the source is deleted)."""
        stmt = select(jobs).where(jobs.c.message_id == message_id).order_by(jobs.c.id)
        async with self._read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [job_from_row(row) for row in rows]

    async def record_delivery(
        self, job_id: int, part: int, nonce: str, message_id: int, channel_id: int
    ) -> None:
        """Record that part ``part`` of the job's answer was posted. The first record of a
        part wins; recording it again is a no-op."""
        stmt = self._insert(deliveries).values(
            job_id=job_id,
            part=part,
            nonce=nonce,
            message_id=message_id,
            channel_id=channel_id,
            created_at=self._now(),
        )
        async with self._write() as conn:
            await conn.execute(stmt.on_conflict_do_nothing(index_elements=["job_id", "part"]))

    async def forget_posts(self, job_id: int) -> None:
        """The job's posted parts and thread were deleted: forget them, so erasing the job
        again (a redelivered deletion) asks Discord for nothing."""
        async with self._write() as conn:
            await conn.execute(delete(deliveries).where(deliveries.c.job_id == job_id))
            await conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id)
                .values(thread_id=None, reply_channel_id=None, updated_at=self._now())
            )

    async def deliveries(self, job_id: int) -> list[Delivery]:
        """The parts already posted for a job, in part order."""
        stmt = select(deliveries).where(deliveries.c.job_id == job_id).order_by(deliveries.c.part)
        async with self._read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [Delivery(**row._mapping) for row in rows]
