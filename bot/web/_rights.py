"""What a person may do in a server, from the bot's own view of them.

Discord's OAuth2 server list has base permissions only (no roles, no channel overwrites),
so the dashboard never decides from it. A :class:`RightsOracle` (the Discord layer, through
the bot) says what the member may do now; :class:`CachedRights` keeps each answer at most a
minute, so losing the moderator role loses access within that, and a page full of requests
costs Discord at most one lookup per member and server. Lookups also have a budget per
minute for the whole dashboard: past it, pages answer "busy" rather than spend the bot's
rate limits (which its replies to members need) on the web. One person may spend at most
half of it, and servers the bot is not in cost nothing, so nobody (with a Discord account
in hundreds of servers, say) can use it all up and lock the others out.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
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

    def knows(self, guild_id: int) -> bool:
        """Whether the bot is in the server (from its cache: asks Discord nothing)."""

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
        self._by_user: dict[int, list[float]] = {}  # the same, per person

    async def rights(self, guild_id: int, user_id: int) -> MemberRights | None:
        """The member's rights, from the cache while fresh (RightsBusy past the budget)."""
        if not self._oracle.knows(guild_id):
            return None  # the bot is not there: no rights, and nothing to ask Discord
        if self.fresh(guild_id, user_id):
            return self._cache[(guild_id, user_id)][1]
        now = self._clock()
        self._spend(now, user_id)
        answer = await self._oracle.rights(guild_id, user_id)
        if len(self._cache) > 10_000:  # a bound on memory, whatever the traffic
            self._cache.clear()
        self._cache[(guild_id, user_id)] = (now, answer)
        return answer

    def fresh(self, guild_id: int, user_id: int) -> bool:
        """Whether the member's rights there are cached and fresh (free to read)."""
        cached = self._cache.get((guild_id, user_id))
        return cached is not None and self._clock() - cached[0] < self._ttl_s

    async def staff_servers(
        self, guild_ids: Iterable[int], user_id: int
    ) -> tuple[list[tuple[int, MemberRights]], bool]:
        """The servers among ``guild_ids`` the member may manage or moderate, and whether
        every one could be checked (the cached first, then as many as the budget allows)."""
        ordered = sorted(guild_ids, key=lambda guild_id: not self.fresh(guild_id, user_id))
        found: list[tuple[int, MemberRights]] = []
        for guild_id in ordered:
            try:
                rights = await self.rights(guild_id, user_id)
            except RightsBusy:
                return found, False
            if rights is not None and rights.staff:
                found.append((guild_id, rights))
        return found, True

    def _spend(self, now: float, user_id: int) -> None:
        self._lookups = _last_minute(self._lookups, now)
        mine = _last_minute(self._by_user.get(user_id, []), now)
        if len(self._lookups) >= self._budget or len(mine) >= max(1, self._budget // 2):
            raise RightsBusy
        if len(self._by_user) > 10_000:  # a bound on memory, whatever the traffic
            self._by_user.clear()
        self._lookups.append(now)
        self._by_user[user_id] = [*mine, now]

    def knows(self, guild_id: int) -> bool:
        """Straight from the bot's cache (no request to Discord)."""
        return self._oracle.knows(guild_id)

    def guild_view(self, guild_id: int) -> GuildView:
        """Straight from the bot's cache (no request to Discord)."""
        return self._oracle.guild_view(guild_id)

    def member_name(self, guild_id: int, user_id: int) -> str:
        """Straight from the bot's cache (no request to Discord)."""
        return self._oracle.member_name(guild_id, user_id)


def _last_minute(times: list[float], now: float) -> list[float]:
    """The lookup times of the last minute, the window of the budget."""
    return [t for t in times if now - t < 60.0]
