"""A real browser for the dashboard's tests: Debian's Chromium, headless, driven by
Playwright (pointed at the system binary: browser downloads are not available).

Chromium is told to resolve no host name but loopback ones, and its background services
(updates, safe browsing, metrics) are off, so a test's browser talks to 127.0.0.1 only.
When Chromium is missing the tests FAIL with the reason (``./dev test`` installs it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("TEST_OUTPUT_DIR", REPO_ROOT / "test-output")) / "dashboard"
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--no-pings",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


def chromium_path() -> str:
    """The system Chromium (``CHROMIUM`` overrides); the test fails when there is none."""
    found = (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if not found:
        pytest.fail("Chromium is not installed (apt-get install chromium; ./dev test does)")
    return found


@asynccontextmanager
async def open_browser() -> AsyncIterator[Browser]:
    """Headless Chromium, closed afterwards."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def open_page(browser: Browser, *, phone: bool = False) -> AsyncIterator[Page]:
    """A fresh context (its own cookies) and page; a phone-sized one if asked."""
    viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    context = await browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot under ``test-output/dashboard/`` for a reviewer to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
