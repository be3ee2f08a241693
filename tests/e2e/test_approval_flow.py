"""A trader's whole path, through real discord.py, the real webhook and real ccxt."""

from __future__ import annotations

from decimal import Decimal

from tests.e2e.conftest import STRANGER, TRADER, Greenlight, entry_alert


def open_algos(app: Greenlight) -> list:
    return [a for a in app.exchange.algo_orders if a.status in ("NEW", "TRIGGERING")]


async def test_alert_to_approval_to_bracket_to_breakeven(greenlight: Greenlight) -> None:
    app = greenlight
    status, answer = await app.post(entry_alert())
    assert (status, answer["status"]) == (200, "accepted")

    message = await app.wait_for_message(lambda m: m.buttons)
    assert [b["label"] for b in message.buttons] == ["Approve", "Reject"]
    assert message.attachments[0].filename == "chart.png"
    assert message.attachments[0].data.startswith(b"\x89PNG")
    embed = message.embeds[0]
    assert embed["title"] == "🟢 LONG XRP/USDT:USDT"
    assert embed["image"]["url"].endswith("/chart.png")  # attachment://chart.png, resolved
    await app.discord.wait_for(
        lambda: set(app.discord.message(message.id).reactions) >= {"✅", "❌"}
    )

    refused = await app.discord.click(message.id, message.buttons[0]["custom_id"], user_id=STRANGER)
    await refused.wait_response()
    assert refused.ephemeral and "Only approvers" in refused.text
    assert app.exchange.orders == []

    approved = await app.discord.click(message.id, message.buttons[0]["custom_id"], user_id=TRADER)
    await approved.wait_until(lambda r: "Approved" in r.text, what="the approval answer")
    assert approved.ephemeral
    await app.discord.wait_for(lambda: len(open_algos(app)) == 4, message="stop and 3 TPs")
    entries = [o for o in app.exchange.orders if o.type == "MARKET"]
    assert len(entries) == 1 and entries[0].executed_qty == Decimal("5000.0")
    await app.wait_for_thread_text(message.id, "Protection placed")
    await app.discord.wait_for(
        lambda: all(b.get("disabled") for b in app.discord.message(message.id).buttons),
        message="buttons disabled after the decision",
    )
    assert "Approved by" in app.discord.message(message.id).embeds[0]["description"]

    app.exchange.play_candle("XRPUSDT", "1.0000", "1.0250", "0.9990", "1.0210")
    thread = await app.wait_for_thread_text(message.id, "Stop moved to breakeven")
    assert "TP1 filled" in thread
    stops = [a for a in open_algos(app) if a.order_type == "STOP_MARKET"]
    await app.discord.wait_for(
        lambda: (
            [
                (s.quantity, s.trigger_price)
                for s in open_algos(app)
                if s.order_type == "STOP_MARKET"
            ]
            == [(Decimal("3500.0"), Decimal("1.001"))]
        ),
        message="the breakeven stop",
    )
    assert stops
