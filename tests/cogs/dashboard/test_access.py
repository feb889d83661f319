"""Who may see what: rights from the bot's view of the member, checked at every request,
never across servers."""

from __future__ import annotations

import pytest

from tests.cogs.dashboard.conftest import MakeSite, Site

PAGES = ("", "/settings", "/usage")


@pytest.mark.parametrize("page", PAGES)
async def test_another_servers_pages_answer_404_like_nothing_there(site: Site, page: str) -> None:
    async with site.client() as browser:
        await browser.login(site.admin)
        theirs = await browser.get(f"/servers/{site.other_guild.id}{page}")
        nowhere = await browser.get(f"/servers/123456789012345678{page}")
        assert theirs.status == nowhere.status == 404
        assert "Other Guild" not in theirs.text
        assert theirs.text == nowhere.text  # nothing tells the two apart


@pytest.mark.parametrize("raw", ["abc", "-1", "0", "1" * 30, "1e5", "²", "1²"])
async def test_malformed_server_ids_answer_404(site: Site, raw: str) -> None:
    async with site.client() as browser:
        await browser.login(site.admin)
        assert (await browser.get(f"/servers/{raw}/settings")).status == 404
        card = await browser.get(f"/servers/{site.h.guild.id}/cards/{raw}")
        assert card.status == 404


async def test_a_post_to_another_servers_settings_is_refused_and_changes_nothing(
    site: Site,
) -> None:
    async with site.client() as browser:
        page = await browser.login(site.admin)
        forged = await browser.post(
            f"/servers/{site.other_guild.id}/settings",
            {"csrf": page.csrf(), "output": "summary", "quiet": "on"},
        )
        assert forged.status == 404
    settings = await site.h.bot.core.storage.guild_settings(site.other_guild.id)
    assert not settings.quiet
    assert await site.h.bot.core.storage.audit_log(site.other_guild.id) == []


async def test_losing_the_role_loses_access_at_the_next_request_after_the_cache(
    site: Site,
) -> None:
    h = site.h
    await h.bot.core.storage.update_guild_settings(
        h.guild.id, review_role_id=site.moderator_role.id
    )
    async with site.client() as browser:
        await browser.login(site.moderator)
        assert (await browser.get(f"/servers/{h.guild.id}")).status == 200
        h.discord.set_member_roles(h.guild, site.moderator, [])
        # The bot has no Guild Members intent: it hears nothing of the change, so it asks
        # Discord again once its one-minute answer is stale.
        h.clock.advance(61)
        assert (await browser.get(f"/servers/{h.guild.id}")).status == 404
        assert "Test Guild" not in (await browser.get("/")).text


async def test_an_admin_who_left_the_server_loses_access(site: Site) -> None:
    h = site.h
    async with site.client() as browser:
        await browser.login(site.admin)
        h.discord.remove_member(h.guild, site.admin)
        h.clock.advance(61)
        h.discord.expect_rejection(code=10007)  # Unknown Member: exactly what is asked
        assert (await browser.get(f"/servers/{h.guild.id}/settings")).status == 404


async def test_rights_are_looked_up_once_a_minute_not_per_request(site: Site) -> None:
    h = site.h
    async with site.client() as browser:
        await browser.login(site.admin)
        for _ in range(5):
            await browser.get(f"/servers/{h.guild.id}/settings")
        lookups = site.discord.requests_to("GET", rf"/guilds/{h.guild.id}/members/{site.admin.id}")
        assert len(lookups) == 1


async def test_past_the_lookup_budget_pages_say_busy(make_site: MakeSite) -> None:
    async with make_site(dashboard_lookups_per_minute=1) as site:
        h = site.h
        async with site.client() as first:
            await first.login(site.admin)  # the servers page spends the one lookup
        async with site.client() as second:
            servers = await second.login(site.moderator)  # the list says what it could not
            assert "could not be checked" in servers.text
            busy = await second.get(f"/servers/{h.guild.id}/settings")
            assert busy.status == 503
            assert busy.headers["Retry-After"] == "30"
            assert "busy" in busy.text
            h.clock.advance(61)  # a minute later the budget is back
            again = await second.get("/")
            assert again.status == 200
            assert "could not be checked" not in again.text


async def test_a_member_of_many_servers_cannot_lock_the_others_out(make_site: MakeSite) -> None:
    """Someone with no rights, in more of the bot's servers than the whole lookup budget,
    opens the server list again and again: the admin still gets in."""
    async with make_site(dashboard_lookups_per_minute=4) as site:
        discord = site.discord
        nobody = discord.make_user("nobody")
        for number in range(6):
            discord.add_member(discord.add_guild(f"Spare {number}"), nobody)
        await discord.flush_events()
        await discord.wait_for(lambda: len(site.h.bot.guilds) >= 7, what="the spare servers")
        async with site.client() as browser:
            page = await browser.login(nobody)
            assert "could not be checked" in page.text  # half the budget is all one gets
            assert (await browser.get("/")).status == 200
        async with site.client() as admin:
            page = await admin.login(site.admin)
            assert "Test Guild" in page.text
            assert (await admin.get(f"/servers/{site.h.guild.id}/settings")).status == 200
