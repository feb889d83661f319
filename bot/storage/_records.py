"""The result cache, usage records, the audit log, and retention."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select

from bot.storage._base import RepoBase, dump_json, fetch_one, load_json
from bot.storage._schema import audit_log, jobs, result_cache, usage_records
from bot.storage._types import FINAL_STATUSES, AuditEntry, UsageTotals


def audit_entry(row: Any) -> AuditEntry:
    """An :class:`AuditEntry` from an ``audit_log`` row."""
    return AuditEntry(
        id=row.id,
        guild_id=row.guild_id,
        actor_id=row.actor_id,
        action=row.action,
        detail=load_json(row.detail),
        created_at=row.created_at,
        card_id=row.card_id,
        channel_id=row.channel_id,
    )


class RecordsRepo(RepoBase):
    """Cached results, usage, audit entries and purging old rows."""

    async def save_result(
        self, key: str, document: dict[str, Any], *, sha256: str, ttl_s: float
    ) -> None:
        """Store (or replace) a result under ``key``, readable for ``ttl_s`` seconds.

        ``key`` should cover everything that changes the result (audio sha256, model,
        schema version, options); ``sha256`` is kept to find every result of one audio.
        """
        now = self._now()
        values = {
            "sha256": sha256,
            "document": dump_json(document),
            "created_at": now,
            "expires_at": now + timedelta(seconds=ttl_s),
        }
        stmt = self._insert(result_cache).values(cache_key=key, **values)
        stmt = stmt.on_conflict_do_update(index_elements=["cache_key"], set_=values)
        async with self._write() as conn:
            await conn.execute(stmt)

    async def load_result(self, key: str) -> dict[str, Any] | None:
        """The cached document, or None when missing or expired."""
        stmt = select(result_cache.c.document).where(
            result_cache.c.cache_key == key, result_cache.c.expires_at > self._now()
        )
        async with self._read() as conn:
            row = await fetch_one(conn, stmt)
        if row is None:
            return None
        document: dict[str, Any] = load_json(row.document)
        return document

    async def forget_results(self, *, keys: list[str], sha256: str | None = None) -> int:
        """Delete stored results by key and, with ``sha256``, every result of that audio
        (a deleted voice message takes its transcripts with it). Returns the rows deleted."""
        condition: ColumnElement[bool] = result_cache.c.cache_key.in_(keys)
        if sha256:
            condition = or_(condition, result_cache.c.sha256 == sha256)
        async with self._write() as conn:
            deleted = await conn.execute(delete(result_cache).where(condition))
        return int(deleted.rowcount)

    async def add_usage(
        self,
        *,
        guild_id: int | None,
        user_id: int,
        audio_s: float,
        tokens_in: int,
        tokens_out: int,
        tokens_thought: int = 0,
        tokens_cached: int = 0,
        service_tier: str = "standard",
        channel_id: int | None = None,
    ) -> None:
        """Record one processed request: audio seconds and Gemini tokens in, out (thinking
        apart: billed as output) and cached (the part of ``tokens_in`` served from cache),
        the service tier that served them (flex is billed at a lower price), and
        ``channel_id`` where it was asked for (a server's usage by channel)."""
        stmt = usage_records.insert().values(
            service_tier=service_tier,
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            audio_s=float(audio_s),
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            tokens_thought=tokens_thought,
            tokens_cached=tokens_cached,
            created_at=self._now(),
        )
        async with self._write() as conn:
            await conn.execute(stmt)

    async def usage_since(
        self, *, since: datetime, guild_id: int | None = None, user_id: int | None = None
    ) -> UsageTotals:
        """Totals of the usage recorded at or after ``since``, optionally for one server
        and/or one user (e.g. for a daily quota)."""
        u = usage_records.c
        tokens = (u.tokens_in, u.tokens_out, u.tokens_thought, u.tokens_cached)
        stmt = (
            select(
                u.service_tier,
                func.count(),
                func.coalesce(func.sum(u.audio_s), 0.0),
                *(func.coalesce(func.sum(column), 0) for column in tokens),
            )
            .where(u.created_at >= since)
            .group_by(u.service_tier)
        )
        if guild_id is not None:
            stmt = stmt.where(u.guild_id == guild_id)
        if user_id is not None:
            stmt = stmt.where(u.user_id == user_id)
        async with self._read() as conn:
            rows = (await conn.execute(stmt)).all()
        by_tier = {
            tier: UsageTotals(int(n), float(audio_s), *_ints(sums))
            for tier, n, audio_s, *sums in rows
        }
        return combine_tiers(by_tier)

    async def audit(
        self,
        guild_id: int | None,
        actor_id: int,
        action: str,
        detail: dict[str, Any],
        *,
        card_id: int | None = None,
        channel_id: int | None = None,
    ) -> None:
        """Append an audit entry (who changed what). ``detail`` must be JSON-able and must
        not contain secrets or interaction tokens; ``card_id`` and ``channel_id`` tie it to
        a review card and to the channel it touched (exports leave out channels the
        requester cannot view)."""
        stmt = audit_log.insert().values(
            guild_id=guild_id,
            actor_id=actor_id,
            action=action,
            detail=dump_json(detail),
            created_at=self._now(),
            card_id=card_id,
            channel_id=channel_id,
        )
        async with self._write() as conn:
            await conn.execute(stmt)

    async def audit_log(self, guild_id: int | None, limit: int = 50) -> list[AuditEntry]:
        """The newest audit entries of a server (``None``: entries made outside servers)."""
        where = (
            audit_log.c.guild_id.is_(None)
            if guild_id is None
            else (audit_log.c.guild_id == guild_id)
        )
        stmt = select(audit_log).where(where).order_by(audit_log.c.id.desc()).limit(limit)
        async with self._read() as conn:
            rows = (await conn.execute(stmt)).all()
        return [audit_entry(row) for row in rows]

    async def purge_expired(self) -> int:
        """Delete expired cached results, finished jobs (with their delivery records) last
        updated more than the retention period ago, and audit entries older than that.
        Returns how many rows went."""
        now = self._now()
        cutoff = now - timedelta(seconds=self._retention_s)
        old_jobs = delete(jobs).where(
            jobs.c.status.in_(sorted(s.value for s in FINAL_STATUSES)),
            jobs.c.updated_at < cutoff,
        )
        old_results = delete(result_cache).where(result_cache.c.expires_at <= now)
        old_audit = delete(audit_log).where(audit_log.c.created_at < cutoff)
        async with self._write() as conn:
            results = await conn.execute(old_results)
            finished = await conn.execute(old_jobs)
            audits = await conn.execute(old_audit)
        return int(results.rowcount) + int(finished.rowcount) + int(audits.rowcount)


def _ints(sums: list[Any]) -> tuple[int, int, int, int]:
    """The four token sums of a usage row, as ints."""
    tokens_in, tokens_out, thought, cached = (int(value) for value in sums)
    return tokens_in, tokens_out, thought, cached


def combine_tiers(by_tier: dict[str, UsageTotals]) -> UsageTotals:
    """The totals over every tier, keeping the flex tier's share apart."""
    names = [f.name for f in fields(UsageTotals) if f.name != "flex"]
    sums = {name: sum(getattr(t, name) for t in by_tier.values()) for name in names}
    return UsageTotals(**sums, flex=by_tier.get("flex"))
