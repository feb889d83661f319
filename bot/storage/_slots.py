"""Request slots in a sliding window, shared by every bot process: one rate limit for all.

Gemini's rate limits are per project, not per process, so processes sharing one database
share one budget: :meth:`RateSlotsRepo.take_rate_slot` counts the slots of a bucket taken in
the last ``window_s`` seconds and takes one when fewer than ``limit`` are; otherwise it says
how long until the oldest counted slot leaves the window. Counting and taking must not
interleave between processes (both would see room): on PostgreSQL a transaction-scoped
advisory lock on the bucket serializes them, on SQLite the write lock (``BEGIN IMMEDIATE``)
does. Slots that left the window are deleted on the way. Times come from the storage clock:
keep the processes' clocks in sync (NTP), as leases already require.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text

from bot.storage._base import RepoBase, fetch_one
from bot.storage._schema import rate_slots
from bot.storage._types import RateWindow

# Shared by every bot process (first half of the two-key advisory lock): "vnot".
RATE_LOCK_KEY = 0x766E_6F74
_MIN_WAIT_S = 0.001


class RateSlotsRepo(RepoBase):
    """Taking and reading request slots."""

    async def take_rate_slot(self, bucket: str, *, limit: int, window_s: float) -> float:
        """Take a slot of ``bucket`` if fewer than ``limit`` were taken in the last
        ``window_s`` seconds: 0.0 when taken, else the seconds to wait before asking again."""
        now = self._now()
        since = now - timedelta(seconds=window_s)
        slots = rate_slots.c
        async with self._write() as conn:
            if self.dialect == "postgresql":
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key, hashtext(:bucket))"),
                    {"key": RATE_LOCK_KEY, "bucket": bucket},
                )
            await conn.execute(
                delete(rate_slots).where(slots.bucket == bucket, slots.taken_at <= since)
            )
            # The limit-th newest slot in the window: while it is there, the window is full.
            blocking = (
                select(slots.taken_at)
                .where(slots.bucket == bucket, slots.taken_at > since)
                .order_by(slots.taken_at.desc())
                .offset(limit - 1)
                .limit(1)
            )
            row = await fetch_one(conn, blocking)
            if row is None:
                await conn.execute(rate_slots.insert().values(bucket=bucket, taken_at=now))
                return 0.0
        leaves: datetime = row.taken_at + timedelta(seconds=window_s)
        return max(_MIN_WAIT_S, (leaves - now).total_seconds())

    async def rate_window(self, bucket: str, *, window_s: float) -> RateWindow:
        """How many slots of ``bucket`` were taken in the last ``window_s`` seconds, and when
        the oldest of them leaves the window."""
        since = self._now() - timedelta(seconds=window_s)
        slots = rate_slots.c
        stmt = select(func.count(), func.min(slots.taken_at)).where(
            slots.bucket == bucket, slots.taken_at > since
        )
        async with self._read() as conn:
            used, oldest = (await conn.execute(stmt)).one()
        leaves = None if oldest is None else oldest + timedelta(seconds=window_s)
        return RateWindow(int(used), leaves)
