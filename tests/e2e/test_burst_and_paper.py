"""A burst of alerts under Discord's channel limit, and the whole path in paper mode."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from tests.e2e.conftest import TRADER, Greenlight, entry_alert, make_settings
from tests.fakes.binance import FakeBinanceFutures
from tests.fakes.discord import FakeDiscord

SYMBOLS = {
    "XRPUSDT": {"price": 1.0, "stop_loss": 0.98},
    "ETHUSDT": {"price": 3000, "stop_loss": 2900},
    "BTCUSDT": {"price": 60000, "stop_loss": 59000},
}


def ticker_of(text: str) -> str:
    for ticker in SYMBOLS:
        base = ticker.removesuffix("USDT")
        if ticker in text or f"{base}/USDT" in text:
            return ticker
    raise AssertionError(f"no ticker in {text!r}")


async def test_a_burst_is_posted_complete_and_in_order(greenlight: Greenlight) -> None:
    app = greenlight
    app.discord.set_channel_rate_limit(app.discord.channel_id, count=5, per_s=5.0)
    order = ["XRPUSDT", "ETHUSDT", "BTCUSDT", "XRPUSDT", "ETHUSDT", "BTCUSDT", "XRPUSDT"]
    for n, ticker in enumerate(order):  # later ones repeat a pending symbol: refused, noticed
        levels = SYMBOLS[ticker]
        body = entry_alert(id=f"burst-{n}", ticker=ticker, take_profits=[{"r": 1}], **levels)
        status, answer = await app.post(body)
        assert (status, answer["status"]) == (200, "accepted")
    await app.discord.wait_for(
        lambda: len(app.channel_messages()) == len(order), timeout=30, message="every post"
    )
    posted = [ticker_of(m.text) for m in app.channel_messages()]
    assert posted == order
    assert [bool(m.buttons) for m in app.channel_messages()] == [True] * 3 + [False] * 4
    assert "already pending" in app.channel_messages()[3].text
    eth = app.channel_messages()[1]  # the fake exchange has no ETH candles: offered all the same
    assert eth.buttons and not eth.attachments
    chart_note = [f["value"] for f in eth.embeds[0]["fields"] if f["name"] == "Chart"]
    assert chart_note == ["No chart: no candles for ETH/USDT:USDT 5m"]


async def test_paper_mode_trades_on_the_exchange_public_prices(
    tmp_path: Path, discord_fake: FakeDiscord, exchange_fake: FakeBinanceFutures
) -> None:
    settings = make_settings(tmp_path, discord_fake, exchange_fake, trading_mode="paper",
                             exchange_api_key="", exchange_api_secret="")  # fmt: skip
    async with aiohttp.ClientSession() as http:
        app = Greenlight(settings, discord_fake, exchange_fake, http)
        await app.start()
        try:
            status, _ = await app.post(entry_alert())
            assert status == 200
            message = await app.wait_for_message(lambda m: bool(m.buttons))
            assert "PAPER" in message.embeds[0]["fields"][-1]["value"]
            click = await discord_fake.click(message.id, message.buttons[0]["custom_id"],
                                             user_id=TRADER)  # fmt: skip
            await click.wait_until(lambda r: "Approved" in r.text, what="approval")
            thread = await app.wait_for_thread_text(message.id, "Protection placed")
            assert "Entry filled: 5,000.0 at 1.0002" in thread  # 1.0000 + 0.02 % slippage
            assert exchange_fake.orders == []  # nothing reached the exchange itself

            exchange_fake.set_price("XRPUSDT", "1.0250")  # through TP1 at 1.0200
            thread = await app.wait_for_thread_text(message.id, "Stop moved to breakeven")
            # the triggered market order fills 0.02 % worse: 1.0200 * 0.9998 = 1.0198
            assert "TP1 filled (1.00R): 1,500.0 at 1.0198" in thread
            balance = await discord_fake.slash("balance", user_id=TRADER)
            await balance.wait_until(lambda r: bool(r.embeds), what="balance")
            assert balance.embeds[0]["title"] == "Balance · PAPER"
        finally:
            await app.stop()
