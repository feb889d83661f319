"""Logging in with Discord: the servers one may manage, sessions, cookies, redirects."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import pytest
from yarl import URL

from cogs.cleanup import Cleanup
from tests.cogs.dashboard.conftest import MakeSite, Site
from tests.helpers.web import SECRET_KEY


async def test_an_admin_logs_in_and_sees_the_servers_they_manage(site: Site) -> None:
    async with site.client() as browser:
        page = await browser.login(site.admin)
        assert page.path == "/"
        assert "Test Guild" in page.text
        assert "Other Guild" not in page.text  # not a member there
        assert "ada" in page.text  # who is logged in


async def test_a_member_without_rights_sees_no_server(site: Site) -> None:
    async with site.client() as browser:
        page = await browser.login(site.h.alice)
        assert "Test Guild" not in page.text
        assert "None of your servers" in page.text


async def test_the_moderator_role_is_enough_to_see_the_server(site: Site) -> None:
    await site.h.bot.core.storage.update_guild_settings(
        site.h.guild.id, review_role_id=site.moderator_role.id
    )
    async with site.client() as browser:
        page = await browser.login(site.moderator)
        assert "Test Guild" in page.text
        assert "moderator" in page.text


async def test_login_comes_back_to_the_page_it_started_from(site: Site) -> None:
    target = f"/servers/{site.h.guild.id}/usage"
    async with site.client() as browser:
        first = await browser.get(target, allow_redirects=False)  # not logged in yet
        assert first.status == 302
        location = URL(first.headers["Location"])
        assert (location.path, location.query["next"]) == ("/login", target)
        page = await browser.login(site.admin, next_path=target)
        assert page.path == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "http:/evil.example",
        "/servers/1\r\nSet-Cookie: x=1",
        "javascript:alert(1)",
    ],
)
async def test_next_never_leaves_the_dashboard(site: Site, target: str) -> None:
    async with site.client() as browser:
        page = await browser.login(site.admin, next_path=target)
        assert page.url.startswith(site.url)
        assert page.path == "/"


async def test_the_cookie_is_opaque_http_only_lax_and_expires(site: Site) -> None:
    async with site.client() as browser:
        site.discord.oauth.sign_in(site.admin)
        async with browser.http.get(f"{site.url}/login", allow_redirects=False) as start:
            authorize = start.headers["Location"]
        async with browser.http.get(authorize, allow_redirects=False) as consent:
            callback = consent.headers["Location"]
        async with browser.http.get(callback, allow_redirects=False) as landed:
            header = landed.headers["Set-Cookie"]
        assert "HttpOnly" in header
        assert "SameSite=Lax" in header
        assert "Max-Age=43200" in header  # DASHBOARD_SESSION_HOURS=12
        assert "Secure" not in header  # plain http on 127.0.0.1, no proxy trusted
        cookie = browser.session_cookie()
        assert cookie is not None
        assert str(site.admin.id) not in cookie
        stored = await site.h.bot.core.storage.web_session(cookie)
        assert stored is None  # the database keeps a keyed hash, never the id


async def test_behind_a_trusted_proxy_https_makes_the_cookie_secure(make_site: MakeSite) -> None:
    async with make_site(dashboard_trust_forwarded=True) as site, site.client() as browser:
        site.discord.oauth.sign_in(site.admin)
        headers = {"X-Forwarded-Proto": "https"}
        async with browser.http.get(f"{site.url}/login", allow_redirects=False) as start:
            authorize = start.headers["Location"]
        async with browser.http.get(authorize, allow_redirects=False) as consent:
            callback = consent.headers["Location"]
        async with browser.http.get(callback, headers=headers, allow_redirects=False) as landed:
            assert "Secure" in landed.headers["Set-Cookie"]


async def test_an_untrusted_forwarded_header_changes_nothing(site: Site) -> None:
    async with site.client() as browser:
        site.discord.oauth.sign_in(site.admin)
        async with browser.http.get(f"{site.url}/login", allow_redirects=False) as start:
            authorize = start.headers["Location"]
        async with browser.http.get(authorize, allow_redirects=False) as consent:
            callback = consent.headers["Location"]
        headers = {"X-Forwarded-Proto": "https"}
        async with browser.http.get(callback, headers=headers, allow_redirects=False) as landed:
            assert "Secure" not in landed.headers["Set-Cookie"]


async def test_each_login_gets_a_new_session_id_and_the_old_one_ends(site: Site) -> None:
    async with site.client() as browser:
        await browser.login(site.admin)
        first = browser.session_cookie()
        await browser.login(site.admin)
        second = browser.session_cookie()
        assert first is not None
        assert second is not None
        assert first != second
    async with site.client() as thief:
        thief.http.cookie_jar.update_cookies({"vn_session": first}, response_url=URL(site.url))
        page = await thief.get("/")
        assert "Log in with Discord" in page.text


async def test_logging_out_ends_the_session_everywhere(site: Site) -> None:
    async with site.client() as browser:
        page = await browser.login(site.admin)
        cookie = browser.session_cookie()
        assert cookie is not None
        out = await browser.post("/logout", {"csrf": page.csrf()})
        assert out.status == 200
        assert "Log in with Discord" in out.text
        assert browser.session_cookie() is None
    async with site.client() as copy:
        copy.http.cookie_jar.update_cookies({"vn_session": cookie}, response_url=URL(site.url))
        assert "Log in with Discord" in (await copy.get("/")).text


async def test_logout_without_the_csrf_token_is_refused(site: Site) -> None:
    async with site.client() as browser:
        await browser.login(site.admin)
        refused = await browser.post("/logout", {})
        assert refused.status == 403
        assert "Test Guild" in (await browser.get("/")).text  # still logged in


async def test_a_replayed_callback_is_refused(site: Site) -> None:
    async with site.client() as browser:
        site.discord.oauth.sign_in(site.admin)
        async with browser.http.get(f"{site.url}/login", allow_redirects=False) as start:
            authorize = start.headers["Location"]
        async with browser.http.get(authorize, allow_redirects=False) as consent:
            callback = consent.headers["Location"]
        assert (await browser.get(callback)).path == "/"
    async with site.client() as attacker:
        replay = await attacker.get(callback)  # the state was used: nothing is exchanged
        assert replay.status == 400
        assert "did not work" in replay.text
        assert attacker.session_cookie() is None


async def test_a_callback_made_in_another_browser_logs_nobody_in(site: Site) -> None:
    """Login CSRF: an attacker starts a login as themselves, stops before the callback and
    gets a logged-in victim's browser to open it (a link, an image): the state is not that
    browser's, so nothing is exchanged and the victim's session stands."""
    async with site.client() as attacker:
        site.discord.oauth.sign_in(site.h.alice)
        async with attacker.http.get(f"{site.url}/login", allow_redirects=False) as start:
            authorize = start.headers["Location"]
        async with attacker.http.get(authorize, allow_redirects=False) as consent:
            callback = consent.headers["Location"]
    async with site.client() as victim:
        await victim.login(site.admin)
        exchanges = len(site.discord.requests_to("POST", r"/oauth2/token"))
        landed = await victim.get(callback)
        assert landed.status == 400
        assert len(site.discord.requests_to("POST", r"/oauth2/token")) == exchanges
        assert "Test Guild" in (await victim.get("/")).text  # still the victim, logged in


async def test_a_forged_state_is_refused_before_any_code_exchange(site: Site) -> None:
    async with site.client() as browser:
        before = len(site.discord.requests_to("POST", r"/oauth2/token"))
        page = await browser.get("/callback?" + urlencode({"code": "abc", "state": "forged"}))
        assert page.status == 400
        assert len(site.discord.requests_to("POST", r"/oauth2/token")) == before


async def test_refused_consent_says_the_login_did_not_work(site: Site) -> None:
    async with site.client() as browser:
        site.discord.oauth.sign_in(site.admin, consent=False)
        page = await browser.get("/login")
        assert page.status == 400
        assert "did not work" in page.text
        assert browser.session_cookie() is None


async def test_a_code_discord_refuses_is_a_failed_login(site: Site) -> None:
    async with site.client() as browser:
        site.discord.oauth.sign_in(site.admin)
        async with browser.http.get(f"{site.url}/login", allow_redirects=False) as start:
            authorize = start.headers["Location"]
        async with browser.http.get(authorize, allow_redirects=False) as consent:
            callback = consent.headers["Location"]
        site.discord.oauth.codes.clear()  # the code lapsed before the browser came back
        site.discord.expect_rejection(status=400)
        page = await browser.get(callback)
        assert page.status == 400
        assert "did not work" in page.text


async def test_secrets_never_reach_pages_or_logs(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = [site.discord.oauth.client_secret, SECRET_KEY]
    async with site.client() as browser:
        pages = [await browser.login(site.admin)]
        for path in ("/", f"/servers/{site.h.guild.id}/settings", "/nowhere", "/callback"):
            pages.append(await browser.get(path))
        pages.append(await browser.post("/logout", {"csrf": "wrong"}))
    for page in pages:
        for secret in secrets:
            assert secret not in page.text
            assert all(secret not in value for value in page.headers.values())
    for secret in secrets:
        assert secret not in caplog.text


async def test_a_session_lapses_after_its_hours_and_the_sweep_forgets_it(site: Site) -> None:
    async with site.client() as browser:
        await browser.login(site.admin)
        site.h.clock.advance(12 * 3600 + 1)
        assert "Log in with Discord" in (await browser.get("/")).text
    cleanup = site.h.bot.get_cog("Cleanup")
    assert isinstance(cleanup, Cleanup)
    storage = site.h.bot.core.storage
    await cleanup.retention_sweep()  # had it left the lapsed session, this would find it:
    assert await storage.purge_web_state() == 0
