"""Whether every member who can see the review channel can also see a note's channel.

When some viewer of the review channel could not see the note's channel, the card must not
show what was said there. The rule is computed from the server's roles and the two
channels' permission overwrites, as Discord computes View Channel (topics/permissions:
base permissions from @everyone and the member's roles, Administrator grants everything,
then the @everyone overwrite, the roles' overwrites combined, the member's own overwrite).

It is conservative: every combination of the roles that matter (those with an overwrite on
either channel, with Administrator, or granting View Channel) is checked, members with an
overwrite of their own are checked with every such combination, and a server with too many
such roles to check gets the answer "no" (the content is withheld, never leaked).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import combinations

VIEW_CHANNEL = 1 << 10
ADMINISTRATOR = 1 << 3
MAX_RELEVANT_ROLES = 10  # 2**10 combinations at most; beyond that the answer is "withhold"


@dataclass(frozen=True)
class Overwrite:
    """An allow/deny pair of permission bits."""

    allow: int = 0
    deny: int = 0


@dataclass(frozen=True)
class ChannelRules:
    """A channel's overwrites: for @everyone, per role id and per member id."""

    everyone: Overwrite | None = None
    roles: Mapping[int, Overwrite] = field(default_factory=dict)
    members: Mapping[int, Overwrite] = field(default_factory=dict)


@dataclass(frozen=True)
class GuildRules:
    """The server's base permissions: @everyone's, and each role's."""

    everyone: int
    roles: Mapping[int, int]


def can_view(guild: GuildRules, channel: ChannelRules, roles: Iterable[int], member: int) -> bool:
    """Whether a member (``member`` id, holding ``roles``) can view ``channel``."""
    held = set(roles)
    base = guild.everyone
    for role in held:
        base |= guild.roles.get(role, 0)
    if base & ADMINISTRATOR:
        return True
    value = base
    if channel.everyone is not None:
        value = (value & ~channel.everyone.deny) | channel.everyone.allow
    allow = deny = 0
    for role in held & set(channel.roles):
        allow |= channel.roles[role].allow
        deny |= channel.roles[role].deny
    value = (value & ~deny) | allow
    own = channel.members.get(member)
    if own is not None:
        value = (value & ~own.deny) | own.allow
    return bool(value & VIEW_CHANNEL)


def _relevant_roles(guild: GuildRules, *channels: ChannelRules) -> set[int]:
    """Roles that can change whether someone sees either channel."""
    found = {role for channel in channels for role in channel.roles}
    found |= {r for r, bits in guild.roles.items() if bits & (ADMINISTRATOR | VIEW_CHANNEL)}
    return found


def _role_sets(roles: set[int]) -> Iterator[tuple[int, ...]]:
    ordered = sorted(roles)
    for size in range(len(ordered) + 1):
        yield from combinations(ordered, size)


def every_viewer_sees(guild: GuildRules, source: ChannelRules, review: ChannelRules) -> bool:
    """True when nobody who can view the review channel is kept from the source channel."""
    roles = _relevant_roles(guild, source, review)
    if len(roles) > MAX_RELEVANT_ROLES:
        return False
    members = {0, *source.members, *review.members}  # 0: a member without overwrites
    for member in members:
        for held in _role_sets(roles):
            sees_review = can_view(guild, review, held, member)
            if sees_review and not can_view(guild, source, held, member):
                return False
    return True
