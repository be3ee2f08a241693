"""A real browser for the tests: Debian's Chromium (``/usr/bin/chromium``) driven by Playwright.

``browser`` is launched once per session (per pytest-xdist worker), headless, with a fresh
profile; ``phone_page`` and ``desktop_page`` each give a test a page in a context of its own
(cookies, storage), closed after it. Playwright's own browser download is never used.
Without Chromium or Playwright the tests that use them are skipped, or fail under ``CI=true``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import keep_running, unavailable

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

__all__ = ["CHROMIUM", "browser", "chromium_args", "desktop_page", "phone_page"]

CHROMIUM = Path("/usr/bin/chromium")
HOWTO = "apt-get install chromium (and pip install playwright)"
# Without the background-networking flags Chromium keeps calling Google, which this network
# refuses; a GPU and QUIC are of no use headless.
CHROMIUM_ARGS = (
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
TIMEOUT_MS = 10_000  # a missing element fails the test in 10 s, well before pytest-timeout


def chromium_args() -> list[str]:
    """Chromium's flags here; its sandbox cannot run as root, hence ``--no-sandbox`` there."""
    return (["--no-sandbox"] if os.geteuid() == 0 else []) + list(CHROMIUM_ARGS)


def mobile_user_agent(version: str) -> str:
    """Chrome on an Android phone, of the Chromium ``version`` that is running."""
    major = version.split(".")[0]
    return (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        f"Chrome/{major}.0.0.0 Mobile Safari/537.36"
    )


@pytest.fixture(scope="session")
async def browser(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Browser]:
    """Headless Chromium, shared by every test of this worker."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        unavailable("browser tests", HOWTO)
    if not os.access(CHROMIUM, os.X_OK):
        unavailable("browser tests", HOWTO)
    before = asyncio.all_tasks()
    with pytest.MonkeyPatch.context() as patch:
        # Playwright refuses --user-data-dir: it makes a fresh profile in the driver's TMPDIR.
        patch.setenv("TMPDIR", str(tmp_path_factory.mktemp("chromium")))
        playwright = await async_playwright().start()
    keep_running(asyncio.all_tasks() - before)  # the driver's pipe, until the session ends
    try:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=chromium_args()
        )
        try:
            yield launched
        finally:
            await launched.close()
    finally:
        await playwright.stop()


@contextlib.asynccontextmanager
async def _page(browser: Browser, **context_options: Any) -> AsyncIterator[Page]:
    context = await browser.new_context(**context_options)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield await context.new_page()
    finally:
        await context.close()


@pytest.fixture
async def phone_page(browser: Browser) -> AsyncIterator[Page]:
    """A 390×844 phone: touch, a mobile user agent, three device pixels to the CSS pixel."""
    async with _page(
        browser,
        viewport=PHONE,
        screen=PHONE,
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        user_agent=mobile_user_agent(browser.version),
    ) as page:
        yield page


@pytest.fixture
async def desktop_page(browser: Browser) -> AsyncIterator[Page]:
    """A 1366×900 desktop window with a mouse."""
    async with _page(browser, viewport=DESKTOP, screen=DESKTOP) as page:
        yield page
