"""What a person may do in a server, from the bot's own view of them.

Discord's OAuth2 server list has base permissions only (no roles, no channel overwrites),
so the dashboard never decides from it. A :class:`RightsOracle` (the Discord layer, through
the bot) says what the member may do now; :class:`CachedRights` keeps each answer at most a
minute, so losing the moderator role loses access within that, and a page full of requests
costs Discord at most one lookup per member and server. Lookups also have a budget per
minute for the whole dashboard: past it, pages answer "busy" rather than spend the bot's
rate limits (which its replies to members need) on the web.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.review import Viewer


@dataclass(frozen=True)
class Channel:
    """A channel of the server, as the bot sees it: what the bot lacks there to post review
    cards, and whether it may ping any role there (Mention Everyone)."""

    id: int
    name: str
    missing_for_cards: tuple[str, ...] = ()
    mention_everyone: bool = False


@dataclass(frozen=True)
class Role:
    """A role of the server (``mentionable``: anyone may @mention it)."""

    id: int
    name: str
    mentionable: bool = False


@dataclass(frozen=True)
class MemberRights:
    """A member's rights in one server, now: admin (Manage Server), and what review lets
    them see and do (:class:`bot.review.Viewer`, the same object the Discord commands use)."""

    guild_name: str
    admin: bool
    viewer: Viewer

    @property
    def moderator(self) -> bool:
        """Manage Messages, or the server's moderator role."""
        return self.viewer.moderator

    @property
    def staff(self) -> bool:
        """Whether the dashboard shows this server to them at all."""
        return self.admin or self.moderator


@dataclass(frozen=True)
class GuildView:
    """What the settings page offers to choose from."""

    channels: tuple[Channel, ...]
    roles: tuple[Role, ...]

    def channel(self, channel_id: int | None) -> Channel | None:
        """One of the server's channels, or None."""
        return next((c for c in self.channels if c.id == channel_id), None)

    def channel_label(self, channel_id: int | None) -> str:
        """How a page names a channel: ``#name``, or a plain phrase for one the bot no
        longer sees ("" for none at all)."""
        if channel_id is None:
            return ""
        channel = self.channel(channel_id)
        return f"#{channel.name}" if channel else "a channel I can't see any more"

    def role(self, role_id: int | None) -> Role | None:
        """One of the server's roles, or None."""
        return next((r for r in self.roles if r.id == role_id), None)


class RightsBusy(Exception):
    """The lookup budget is spent for now; try again in a moment."""


class RightsOracle(Protocol):
    """The bot's view of members and servers (implemented by the Discord layer)."""

    async def rights(self, guild_id: int, user_id: int) -> MemberRights | None:
        """The member's rights, or None when either the bot or they are not in the server."""

    def guild_view(self, guild_id: int) -> GuildView:
        """The server's text channels and roles, from the bot's cache."""

    def member_name(self, guild_id: int, user_id: int) -> str:
        """A member's name as the server shows it, from the bot's cache (their id when
        the cache does not know them)."""


class CachedRights:
    """A :class:`RightsOracle` whose answers are kept for at most ``ttl_s`` seconds."""

    def __init__(
        self,
        oracle: RightsOracle,
        *,
        ttl_s: float = 60.0,
        lookups_per_minute: int = 60,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._oracle = oracle
        self._ttl_s = ttl_s
        self._budget = lookups_per_minute
        self._clock = clock
        self._cache: dict[tuple[int, int], tuple[float, MemberRights | None]] = {}
        self._lookups: list[float] = []  # when recent lookups happened

    async def rights(self, guild_id: int, user_id: int) -> MemberRights | None:
        """The member's rights, from the cache while fresh (RightsBusy past the budget)."""
        key = (guild_id, user_id)
        now = self._clock()
        cached = self._cache.get(key)
        if cached is not None and now - cached[0] < self._ttl_s:
            return cached[1]
        self._spend(now)
        answer = await self._oracle.rights(guild_id, user_id)
        if len(self._cache) > 10_000:  # a bound on memory, whatever the traffic
            self._cache.clear()
        self._cache[key] = (now, answer)
        return answer

    def _spend(self, now: float) -> None:
        self._lookups = [t for t in self._lookups if now - t < 60.0]
        if len(self._lookups) >= self._budget:
            raise RightsBusy
        self._lookups.append(now)

    def guild_view(self, guild_id: int) -> GuildView:
        """Straight from the bot's cache (no request to Discord)."""
        return self._oracle.guild_view(guild_id)

    def member_name(self, guild_id: int, user_id: int) -> str:
        """Straight from the bot's cache (no request to Discord)."""
        return self._oracle.member_name(guild_id, user_id)
