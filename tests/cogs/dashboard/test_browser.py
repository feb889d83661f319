"""The dashboard in a real browser (headless Chromium): log in through the fake Discord,
change a setting and see the bot obey, read the usage chart, review a card and see the
Discord card change; screenshots of each page go
to ``test-output/dashboard/`` for a reviewer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from playwright.async_api import Browser, ConsoleMessage, Page

from testkit.gemini import Reply
from tests.cogs.dashboard.conftest import Site
from tests.helpers.browser import open_browser, open_page, screenshot
from tests.helpers.review import ReviewWorld, flagged_reply


@pytest_asyncio.fixture
async def browser() -> AsyncIterator[Browser]:
    async with open_browser() as opened:
        yield opened


async def _log_in(page: Page, site: Site, problems: list[str]) -> None:
    page.on("console", lambda message: _note_console(message, problems))
    await page.goto(site.url)
    await screenshot(page, "login")
    await page.click("text=Log in with Discord")
    await page.wait_for_url(f"{site.url}/")


def _note_console(message: ConsoleMessage, problems: list[str]) -> None:
    if message.type in ("error", "warning"):  # a CSP violation is reported here
        problems.append(message.text)


async def test_log_in_and_see_the_servers(site: Site, browser: Browser) -> None:
    site.discord.oauth.sign_in(site.admin)
    problems: list[str] = []
    async with open_page(browser) as page:
        await _log_in(page, site, problems)
        assert await page.inner_text("main li a") == "Test Guild"
        assert "ada" in await page.inner_text("header")
        await screenshot(page, "servers")
        await page.click("text=Test Guild")
        await page.wait_for_url(f"{site.url}/servers/{site.h.guild.id}")
        await screenshot(page, "server")
        await page.click("text=Log out")
        await page.wait_for_selector("text=Log in with Discord")
    assert problems == []


async def test_change_a_setting_and_the_bot_obeys(
    site: Site, browser: Browser, voice_note_bytes: bytes
) -> None:
    h = site.h
    site.discord.oauth.sign_in(site.admin)
    problems: list[str] = []
    async with open_page(browser) as page:
        await _log_in(page, site, problems)
        await page.goto(f"{site.url}/servers/{h.guild.id}/settings")
        await page.select_option('select[name="output"]', "summary")
        await page.check('input[name="quiet"]')
        await screenshot(page, "settings")
        await page.click("button:has-text('Save')")
        await page.wait_for_selector("text=Saved.")
        assert await page.input_value('select[name="output"]') == "summary"
    assert problems == []
    h.gemini.enqueue(
        Reply.json(
            {
                "language": "en",
                "summary": "Set from a browser.",
                "key_points": [],
                "action_items": [],
                "emotion": "neutral",
                "flags": [],
            }
        )
    )
    note = await h.post_note(voice_note_bytes)
    await h.discord.wait_for(lambda: h.bot_messages(note.id), timeout=20)
    assert "Set from a browser." in h.bot_messages(note.id)[0].content
    assert h.discord.reactions_on(note) == {}


async def test_read_the_usage_chart_on_a_phone(site: Site, browser: Browser) -> None:
    h = site.h
    h.clock.advance(-86400)
    await h.bot.core.storage.add_usage(
        guild_id=h.guild.id,
        user_id=h.alice.id,
        audio_s=300,
        tokens_in=5000,
        tokens_out=800,
        channel_id=h.channel.id,
    )
    h.clock.advance(86400)
    site.discord.oauth.sign_in(site.admin)
    problems: list[str] = []
    async with open_page(browser, phone=True) as page:
        await _log_in(page, site, problems)
        await page.goto(f"{site.url}/servers/{h.guild.id}/usage")
        charts = page.locator("svg.chart")
        assert await charts.count() == 2
        bars = charts.first.locator("rect.bar")
        assert await bars.count() == 30
        heights = [float(await bars.nth(i).get_attribute("height") or 0) for i in range(30)]
        assert heights[-2] > 0  # yesterday's five minutes
        assert heights[-1] == 0
        assert max(heights) == heights[-2]
        tip = await bars.nth(28).locator("title").text_content() or ""
        assert tip.endswith(": 5.00 min")
        fits = await page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth + 1")
        assert fits, "the usage page scrolls sideways on a phone"
        await screenshot(page, "usage-phone")
    assert problems == []


async def test_review_a_card_and_see_the_discord_card_change(
    site: Site, browser: Browser, voice_note_bytes: bytes
) -> None:
    world = await ReviewWorld.build(site.h)
    await world.enable()
    await world.note(voice_note_bytes, flagged_reply(summary="A neighbour is threatened."))
    (message,) = await world.wait_cards(1)
    site.discord.oauth.sign_in(world.bob)
    problems: list[str] = []
    async with open_page(browser) as page:
        await _log_in(page, site, problems)
        await page.goto(f"{site.url}/servers/{site.h.guild.id}/review")
        await screenshot(page, "review-queue")
        assert "A neighbour is threatened." in await page.inner_text("main .cards")
        await page.click("main .cards a[href*='/cards/']")
        await page.wait_for_selector("text=Transcript")
        await screenshot(page, "card")
        await page.click("button:has-text('Mark reviewed')")
        await page.wait_for_selector("text=Marked reviewed")
        await screenshot(page, "card-reviewed")
        await page.goto(f"{site.url}/servers/{site.h.guild.id}/audit")
        assert "card.reviewed" in await page.inner_text("table")
        await screenshot(page, "audit")
    assert problems == []
    await site.discord.wait_for(
        lambda: bool(site.discord.message(message.id).edits), what="the card edited"
    )
    assert world.field(message, "Status").startswith("Reviewed by bob · <t:")
