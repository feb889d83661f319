"""The dashboard's state: sessions and OAuth2 logins in progress, shared by every process.

A session row is keyed by a keyed hash of the opaque id the browser's cookie holds (the
dashboard computes it with its secret key), so the database never holds a live cookie;
logging out deletes the row, so the cookie is dead everywhere at once. An OAuth2 ``state``
is taken (deleted) when used: it works once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from bot.storage._base import RepoBase, dump_json, fetch_one, load_json
from bot.storage._schema import oauth_states, web_sessions


@dataclass(frozen=True)
class WebSession:
    """A logged-in dashboard user: who, which servers they share with the bot (as Discord
    said at login; rights are checked again at every request), their CSRF token."""

    user_id: int
    user_name: str
    guild_ids: tuple[int, ...]
    csrf_token: str
    created_at: datetime
    expires_at: datetime


class WebRepo(RepoBase):
    """Dashboard sessions and OAuth2 states."""

    async def create_web_session(
        self,
        id_hash: str,
        *,
        user_id: int,
        user_name: str,
        guild_ids: tuple[int, ...],
        csrf_token: str,
        ttl_s: float,
    ) -> None:
        """Store a new session under ``id_hash``."""
        now = self._now()
        values = {
            "id_hash": id_hash,
            "user_id": user_id,
            "user_name": user_name,
            "guild_ids": dump_json(list(guild_ids)),
            "csrf_token": csrf_token,
            "created_at": now,
            "expires_at": now + timedelta(seconds=ttl_s),
        }
        async with self._write() as conn:
            await conn.execute(web_sessions.insert().values(**values))

    async def web_session(self, id_hash: str) -> WebSession | None:
        """The live session under ``id_hash``, or None (unknown, logged out or expired)."""
        stmt = select(web_sessions).where(
            web_sessions.c.id_hash == id_hash,
            web_sessions.c.expires_at > self._now(),
        )
        async with self._read() as conn:
            row = await fetch_one(conn, stmt)
        if row is None:
            return None
        return WebSession(
            user_id=row.user_id,
            user_name=row.user_name,
            guild_ids=tuple(int(g) for g in load_json(row.guild_ids)),
            csrf_token=row.csrf_token,
            created_at=row.created_at,
            expires_at=row.expires_at,
        )

    async def end_web_session(self, id_hash: str) -> None:
        """Log out: the session is gone for every process."""
        async with self._write() as conn:
            await conn.execute(delete(web_sessions).where(web_sessions.c.id_hash == id_hash))

    async def save_oauth_state(self, state: str, *, next_path: str, ttl_s: float) -> None:
        """Remember a login in progress (where to go after it)."""
        expires = self._now() + timedelta(seconds=ttl_s)
        stmt = oauth_states.insert().values(state=state, next_path=next_path, expires_at=expires)
        async with self._write() as conn:
            await conn.execute(stmt)

    async def take_oauth_state(self, state: str) -> str | None:
        """The ``next`` path of a live login state, which is used up; None otherwise."""
        async with self._write() as conn:
            row = await fetch_one(
                conn,
                delete(oauth_states)
                .where(oauth_states.c.state == state)
                .returning(oauth_states.c.next_path, oauth_states.c.expires_at),
            )
        if row is None or row.expires_at <= self._now():
            return None
        return str(row.next_path)

    async def purge_web_state(self) -> int:
        """Delete expired sessions and login states; how many rows went."""
        now = self._now()
        async with self._write() as conn:
            sessions = await conn.execute(
                delete(web_sessions).where(web_sessions.c.expires_at <= now)
            )
            states = await conn.execute(
                delete(oauth_states).where(oauth_states.c.expires_at <= now)
            )
        return int(sessions.rowcount) + int(states.rowcount)
