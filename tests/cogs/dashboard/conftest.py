"""The bot with its dashboard on, in two servers with their own staff."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest_asyncio

from testkit.discord import FakeChannel, FakeDiscord, FakeGuild, FakeRole, FakeUser
from testkit.gemini import FakeGemini
from tests.helpers.harness import Harness, open_harness
from tests.helpers.web import WebClient, dashboard_settings, web_client


@dataclass
class Site:
    """The running bot and dashboard, and who is who.

    In the harness's server: ``admin`` (Manage Server), ``moderator`` (the server's
    moderator role, no permission of their own) and Alice (a member). ``other_guild`` has
    its own admin, ``other_admin``, who is not in the first server.
    """

    h: Harness
    url: str
    admin: FakeUser
    moderator: FakeUser
    moderator_role: FakeRole
    other_guild: FakeGuild
    other_channel: FakeChannel
    other_admin: FakeUser

    def client(self) -> AbstractAsyncContextManager[WebClient]:
        """A new browser (its own cookies)."""
        return web_client(self.url, self.h.discord)

    @property
    def discord(self) -> FakeDiscord:
        """The fake Discord."""
        return self.h.discord


MakeSite = Callable[..., AbstractAsyncContextManager[Site]]


@pytest_asyncio.fixture
async def make_site(
    fake_discord: FakeDiscord, fake_gemini: FakeGemini, make_settings: Any, tmp_path: Path
) -> AsyncIterator[MakeSite]:
    """Builds the site; keyword arguments override settings (one site per test)."""

    @asynccontextmanager
    async def build(**overrides: Any) -> AsyncIterator[Site]:
        settings = dashboard_settings(
            make_settings, fake_discord, fake_gemini, tmp_path, **overrides
        )
        async with open_harness(fake_discord, fake_gemini, settings) as h:
            yield await _populate(h)

    yield build


async def _populate(h: Harness) -> Site:
    discord = h.discord
    admin = discord.make_user("ada")
    discord.add_member(h.guild, admin, permissions={"MANAGE_GUILD"})
    role = discord.add_role(h.guild, "Moderators")
    moderator = discord.make_user("moe")
    discord.add_member(h.guild, moderator, roles=[role])
    other = discord.add_guild("Other Guild")
    other_channel = discord.add_text_channel(other, "elsewhere")
    other_admin = discord.make_user("otto")
    discord.add_member(other, other_admin, permissions={"MANAGE_GUILD"})
    await discord.flush_events()
    bot = h.bot

    def known() -> bool:
        guild = bot.get_guild(h.guild.id)
        return None not in (bot.get_guild(other.id), guild and guild.get_role(role.id))

    await discord.wait_for(known, what="the bot's cache to know both servers")
    assert h.bot.dashboard.address is not None
    url = h.bot.core.settings.dashboard_url
    assert url is not None
    return Site(h, url, admin, moderator, role, other, other_channel, other_admin)


@pytest_asyncio.fixture
async def site(make_site: MakeSite) -> AsyncIterator[Site]:
    """The site with default settings."""
    async with make_site() as built:
        yield built
