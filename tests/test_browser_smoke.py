"""The browser fixtures drive a real page: served on loopback, a button pressed on a phone and
on a desktop, the press reaching the server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

if TYPE_CHECKING:
    from playwright.async_api import Page

PAGE = """<!doctype html>
<html><head><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Greenlight smoke</title></head>
<body>
<button id="approve">Approve</button>
<p id="answer"></p>
<script>
document.getElementById("approve").addEventListener("click", async () => {
  const seen = {width: innerWidth, touch: navigator.maxTouchPoints > 0};
  const response = await fetch("/pressed", {method: "POST", body: JSON.stringify(seen)});
  document.getElementById("answer").textContent = await response.text();
});
</script>
</body></html>
"""


class Site:
    """The page above on loopback, and what its button sent."""

    def __init__(self, server: TestServer, presses: list[dict[str, Any]]) -> None:
        self.url = str(server.make_url("/"))
        self.presses = presses


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    presses: list[dict[str, Any]] = []

    async def index(_: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    async def pressed(request: web.Request) -> web.Response:
        presses.append(await request.json())
        return web.Response(text=f"approved ({len(presses)})")

    app = web.Application()
    app.router.add_get("/", index)
    app.router.add_post("/pressed", pressed)
    async with TestServer(app, host="127.0.0.1") as server:
        yield Site(server, presses)


async def press(page: Page, site: Site, *, tap: bool) -> str:
    await page.goto(site.url)
    button = page.get_by_role("button", name="Approve")
    await (button.tap() if tap else button.click())
    answer = page.locator("#answer")
    await answer.filter(has_text="approved").wait_for()
    return await answer.inner_text()


async def test_a_phone_taps_the_button(phone_page: Page, site: Site) -> None:
    assert await press(phone_page, site, tap=True) == "approved (1)"
    assert site.presses == [{"width": 390, "touch": True}]
    assert "Mobile" in await phone_page.evaluate("navigator.userAgent")


async def test_a_desktop_clicks_the_button(desktop_page: Page, site: Site) -> None:
    assert await press(desktop_page, site, tap=False) == "approved (1)"
    assert site.presses == [{"width": 1366, "touch": False}]
    assert "Mobile" not in await desktop_page.evaluate("navigator.userAgent")
