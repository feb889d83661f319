"""Every page: untrusted names shown as text, strict headers, no script anywhere."""

from __future__ import annotations

import pytest

from tests.cogs.dashboard.conftest import Site

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


async def test_server_and_role_names_are_text_not_markup(site: Site) -> None:
    h = site.h
    guild = h.discord.add_guild(HOSTILE)
    h.discord.add_member(guild, site.admin, permissions={"MANAGE_GUILD"})
    h.discord.add_role(guild, f'"><b>{HOSTILE}')
    h.discord.add_text_channel(guild, "general")
    await h.discord.flush_events()
    await h.discord.wait_for(lambda: h.bot.get_guild(guild.id) is not None)
    async with site.client() as browser:
        pages = [await browser.login(site.admin)]
        for suffix in ("", "/settings", "/usage"):
            pages.append(await browser.get(f"/servers/{guild.id}{suffix}"))
    for page in pages:
        assert page.status == 200
        assert "<script" not in page.text
        assert "onerror=alert" not in page.text.replace("onerror=alert(1)&gt;", "")
        assert "&lt;script&gt;" in page.text


@pytest.mark.parametrize("path", ["/", "/login-page-that-is-not-there", "/static/style.css"])
async def test_every_answer_carries_the_security_headers(site: Site, path: str) -> None:
    async with site.client() as browser:
        page = await browser.get(path)
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "script-src" not in csp  # no script may run at all
    assert "frame-ancestors 'none'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "same-origin"


async def test_pages_have_no_script_and_nothing_from_elsewhere(site: Site) -> None:
    async with site.client() as browser:
        pages = [await browser.login(site.admin)]
        for suffix in ("", "/settings", "/usage"):
            pages.append(await browser.get(f"/servers/{site.h.guild.id}{suffix}"))
    for page in pages:
        assert "<script" not in page.text
        assert "http://" not in page.text.replace(site.url, "")
        assert "https://" not in page.text
        assert 'name="viewport"' in page.text  # usable on a phone


async def test_gets_never_change_anything(site: Site) -> None:
    async with site.client() as browser:
        await browser.login(site.admin)
        page = await browser.get(f"/servers/{site.h.guild.id}/settings?output=summary&quiet=on")
        assert page.status == 200
        assert (await browser.get("/logout")).status == 405  # logging out is a POST
        assert (await browser.get("/")).status == 200  # still logged in
    assert await site.h.bot.core.storage.audit_log(site.h.guild.id) == []


async def test_an_oversized_form_is_refused(site: Site) -> None:
    async with site.client() as browser:
        page = await browser.login(site.admin)
        big = await browser.post(
            f"/servers/{site.h.guild.id}/settings",
            {"csrf": page.csrf(), "translate_to": "x" * 100_000},
        )
        assert big.status == 413
