"""The rights cache: at most a minute old, within a lookup budget."""

from __future__ import annotations

import pytest

from bot.review import Viewer
from bot.web._rights import CachedRights, Channel, GuildView, MemberRights, RightsBusy


class Oracle:
    """Counts lookups; answers what the test set."""

    def __init__(self) -> None:
        self.lookups: list[tuple[int, int]] = []
        viewer = Viewer(1, 2, "ada", moderator=False, visible=frozenset())
        self.answer: MemberRights | None = MemberRights("G", admin=True, viewer=viewer)
        self.servers: set[int] | None = None  # the servers the bot is in (None: all)

    async def rights(self, guild_id: int, user_id: int) -> MemberRights | None:
        self.lookups.append((guild_id, user_id))
        return self.answer

    def knows(self, guild_id: int) -> bool:
        return self.servers is None or guild_id in self.servers

    def guild_view(self, guild_id: int) -> GuildView:
        return GuildView(channels=(), roles=())

    def member_name(self, guild_id: int, user_id: int) -> str:
        return str(user_id)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_an_answer_is_kept_for_a_minute_then_asked_again() -> None:
    oracle, clock = Oracle(), Clock()
    rights = CachedRights(oracle, clock=clock)
    assert (await rights.rights(1, 2)) == oracle.answer
    clock.now += 59
    oracle.answer = None  # the member lost their rights
    assert (await rights.rights(1, 2)) is not None  # still the cached answer
    clock.now += 2
    assert (await rights.rights(1, 2)) is None
    assert oracle.lookups == [(1, 2), (1, 2)]


async def test_each_member_and_server_is_its_own_entry() -> None:
    oracle = Oracle()
    rights = CachedRights(oracle, clock=Clock())
    await rights.rights(1, 2)
    await rights.rights(1, 3)
    await rights.rights(4, 2)
    assert len(oracle.lookups) == 3


async def test_past_the_budget_lookups_are_refused_until_the_minute_passes() -> None:
    oracle, clock = Oracle(), Clock()
    rights = CachedRights(oracle, lookups_per_minute=2, clock=clock)
    await rights.rights(1, 1)
    await rights.rights(1, 2)
    with pytest.raises(RightsBusy):
        await rights.rights(1, 3)
    assert (await rights.rights(1, 1)) is not None  # cached answers cost nothing
    clock.now += 60
    await rights.rights(1, 3)
    assert len(oracle.lookups) == 3


async def test_one_person_spends_at_most_half_the_budget() -> None:
    oracle, clock = Oracle(), Clock()
    rights = CachedRights(oracle, lookups_per_minute=4, clock=clock)
    await rights.rights(1, 666)
    await rights.rights(2, 666)
    with pytest.raises(RightsBusy):
        await rights.rights(3, 666)
    await rights.rights(1, 2)  # somebody else is still served
    await rights.rights(2, 2)
    clock.now += 60
    await rights.rights(3, 666)
    assert len(oracle.lookups) == 5


async def test_servers_the_bot_is_not_in_cost_nothing() -> None:
    oracle = Oracle()
    oracle.servers = {7}
    rights = CachedRights(oracle, lookups_per_minute=2, clock=Clock())
    servers, complete = await rights.staff_servers(range(100, 300), user_id=2)
    assert (servers, complete) == ([], True)
    assert oracle.lookups == []
    assert await rights.rights(7, 2) is not None


async def test_the_server_list_checks_the_cached_first_and_says_when_it_stopped() -> None:
    oracle, clock = Oracle(), Clock()
    rights = CachedRights(oracle, lookups_per_minute=6, clock=clock)
    await rights.rights(5, 2)
    clock.now += 30
    servers, complete = await rights.staff_servers([1, 2, 3, 4, 5], user_id=2)
    assert not complete  # 3 lookups a person per minute: one spent on server 5 already
    assert [guild_id for guild_id, _ in servers] == [5, 1, 2]


def test_a_page_names_channels_from_one_view() -> None:
    view = GuildView(channels=(Channel(1, "general"),), roles=())
    assert view.channel_label(1) == "#general"
    assert view.channel_label(2) == "a channel I can't see any more"
    assert view.channel_label(None) == ""
