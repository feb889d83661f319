"""Consent: members who opted out are left alone, with one rule for every entry point.

An opted-out member's notes are never processed on the bot's own initiative. Others'
commands on them are refused; the author may always process their own notes, and a
moderator may override, which is written to the audit log (ids only).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from bot.errors import OptedOut
from bot.storage.ports import AuditLog, OptOuts

OPTED_OUT_MESSAGE = (
    "The author of that voice note has opted out of having their voice notes processed, so I "
    "won't transcribe or summarize it. They can still do it themselves."
)


class ConsentStore(OptOuts, AuditLog, Protocol):
    """Opt-outs and the audit log."""


class Consent:
    """The opt-out rule (see the module docstring)."""

    def __init__(self, store: ConsentStore) -> None:
        self._store = store

    async def allows_auto(self, author_id: int | None) -> bool:
        """Whether the bot may process this author's note on its own."""
        return author_id is None or not await self._store.is_opted_out(author_id)

    async def require(
        self,
        *,
        author_id: int,
        requester_id: int,
        guild_id: int | None,
        moderator: bool,
        detail: Mapping[str, Any],
    ) -> None:
        """Refuse (OptedOut) to process someone else's note when its author opted out;
        a moderator's override passes and is audited with ``detail`` (ids only)."""
        if author_id == requester_id or not await self._store.is_opted_out(author_id):
            return
        if not moderator:
            raise OptedOut(OPTED_OUT_MESSAGE)
        await self._store.audit(
            guild_id, requester_id, "optout.override", {"author_id": author_id, **detail}
        )
