"""Slash commands through real discord.py interactions."""

from __future__ import annotations

from decimal import Decimal

from tests.e2e.conftest import STRANGER, TRADER, VIEWER, Greenlight
from tests.e2e.test_approval_flow import open_algos
from tests.e2e.test_decisions import offer


async def open_trade(app: Greenlight) -> None:
    message = await offer(app)
    click = await app.discord.click(message.id, message.buttons[0]["custom_id"], user_id=TRADER)
    await click.wait_until(lambda r: "Approved" in r.text, what="approval")
    await app.discord.wait_for(lambda: len(open_algos(app)) == 4, message="bracket")


async def test_commands_are_registered_in_the_guild(greenlight: Greenlight) -> None:
    names = sorted(c["name"] for c in greenlight.discord.registered_commands)
    assert names == sorted(
        ["positions", "orders", "pending", "balance", "pnl", "history", "status", "chart",
         "close", "breakeven", "pause", "resume"]
    )  # fmt: skip


async def test_positions_shows_the_open_trade_to_a_viewer_only(greenlight: Greenlight) -> None:
    app = greenlight
    await open_trade(app)
    answer = await app.discord.slash("positions", user_id=VIEWER)
    await answer.wait_until(lambda r: bool(r.embeds), what="the positions embed")
    assert answer.ephemeral
    field = answer.embeds[0]["fields"][0]
    assert field["name"] == "LONG XRP/USDT:USDT"
    assert "5,000.0 open @ 1.0000" in field["value"] and "stop 0.9800" in field["value"]
    refused = await app.discord.slash("positions", user_id=STRANGER)
    await refused.wait_until(lambda r: "approvers and viewers" in r.text, what="refusal")
    assert refused.ephemeral


async def test_close_asks_for_confirmation_then_closes(greenlight: Greenlight) -> None:
    app = greenlight
    await open_trade(app)
    denied = await app.discord.slash("close", {"symbol": "XRPUSDT"}, user_id=VIEWER)
    await denied.wait_until(lambda r: "Only approvers" in r.text, what="refusal")

    asked = await app.discord.slash("close", {"symbol": "XRPUSDT.P", "percent": 40}, user_id=TRADER)
    await asked.wait_until(lambda r: bool(r.components), what="the confirmation")
    assert "Close 40 % of LONG XRP/USDT:USDT" in asked.text
    assert app.exchange.positions["XRPUSDT"].size == Decimal("5000.0")  # nothing yet
    confirm = asked.original.buttons[0]["custom_id"]
    done = await app.discord.click(asked.original.id, confirm, user_id=TRADER)
    await done.wait_until(lambda r: "Done" in (asked.text or ""), what="the close")
    assert app.exchange.positions["XRPUSDT"].size == Decimal("3000.0")
    stops = [a for a in open_algos(app) if a.order_type == "STOP_MARKET"]
    await app.discord.wait_for(
        lambda: (
            [a.quantity for a in open_algos(app) if a.order_type == "STOP_MARKET"]
            == [Decimal("3000.0")]
        ),
        message="the stop shrank to the rest",
    )
    assert stops

    everything = await app.discord.slash("close", {"symbol": "XRP/USDT:USDT"}, user_id=TRADER)
    await everything.wait_until(lambda r: bool(r.components), what="the confirmation")
    await app.discord.click(everything.original.id, everything.original.buttons[0]["custom_id"],
                            user_id=TRADER)  # fmt: skip
    await everything.wait_until(lambda r: "closed" in (r.text or ""), what="closed")
    assert app.exchange.positions["XRPUSDT"].size == 0 and open_algos(app) == []


async def test_read_only_commands_answer(greenlight: Greenlight) -> None:
    app = greenlight
    await open_trade(app)
    balance = await app.discord.slash("balance", user_id=VIEWER)
    await balance.wait_until(lambda r: bool(r.embeds), what="balance")
    assert balance.ephemeral and balance.embeds[0]["title"] == "Balance · LIVE"
    status = await app.discord.slash("status", user_id=TRADER)
    await status.wait_until(lambda r: bool(r.embeds), what="status")
    fields = {f["name"]: f["value"] for f in status.embeds[0]["fields"]}
    assert fields["Exchange"] == "reachable" and fields["Trading"] == "▶️ running"
    assert fields["Alerts today"] == "1" and fields["Open · pending"] == "1 · 0"
    orders = await app.discord.slash("orders", user_id=TRADER)
    await orders.wait_until(lambda r: bool(r.embeds), what="orders")
    assert orders.embeds[0]["description"].count("XRP/USDT:USDT") == 4
    history = await app.discord.slash("history", {"count": 5}, user_id=TRADER)
    await history.wait_until(lambda r: bool(r.embeds), what="history")
    assert "LONG XRP/USDT:USDT — open" in history.embeds[0]["description"]
    pnl = await app.discord.slash("pnl", {"days": 1}, user_id=TRADER)
    await pnl.wait_until(lambda r: bool(r.embeds), what="pnl")
    assert pnl.embeds[0]["description"] == "No closed trades in that period."
    pending = await app.discord.slash("pending", user_id=TRADER)
    await pending.wait_until(lambda r: bool(r.text), what="pending")
    assert pending.text == "Nothing is waiting."


async def test_breakeven_command_moves_the_stop(greenlight: Greenlight) -> None:
    app = greenlight
    await open_trade(app)
    early = await app.discord.slash("breakeven", {"symbol": "XRPUSDT"}, user_id=TRADER)
    await early.wait_until(lambda r: "would fire at once" in r.text, what="refusal")
    assert [a.trigger_price for a in open_algos(app) if a.order_type == "STOP_MARKET"] == [
        Decimal("0.98")
    ]  # the stop stays where it was
    app.exchange.set_price("XRPUSDT", "1.0100")
    answer = await app.discord.slash("breakeven", {"symbol": "XRPUSDT"}, user_id=TRADER)
    await answer.wait_until(lambda r: "Stop moved to 1.0010" in r.text, what="moved")
    await app.discord.wait_for(
        lambda: (
            [a.trigger_price for a in open_algos(app) if a.order_type == "STOP_MARKET"]
            == [Decimal("1.001")]
        ),
        message="the breakeven stop on the exchange",
    )


async def test_symbol_autocomplete_offers_open_positions_first(greenlight: Greenlight) -> None:
    app = greenlight
    await open_trade(app)
    choices = await app.discord.autocomplete("close", {"symbol": "XRP"}, "symbol", user_id=TRADER)
    assert choices[0]["value"] == "XRP/USDT:USDT"
    anything = await app.discord.autocomplete("chart", {"symbol": "BTC"}, "symbol", user_id=TRADER)
    assert "BTC/USDT:USDT" in [c["value"] for c in anything]


async def test_chart_command_posts_a_png(greenlight: Greenlight) -> None:
    app = greenlight
    answer = await app.discord.slash("chart", {"symbol": "XRPUSDT", "timeframe": "1h"},
                                     user_id=VIEWER)  # fmt: skip
    await answer.wait_until(lambda r: any(m.attachments for m in r.messages), what="a chart")
    png = next(m for m in answer.messages if m.attachments).attachments[0]
    assert png.filename == "chart.png" and png.data.startswith(b"\x89PNG")
