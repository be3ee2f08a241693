"""The bot's embeds as plain functions of the desk's views (no Discord connection)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from bot.embeds import approval_embed, order_line, pnl_embed, status_embed
from tests.bot.test_event_lines import TRADE
from tests.trading.conftest import XRP
from tests.trading.test_trade_store import NOW
from trading.alerts import Side
from trading.offer import Offer
from trading.orders import OrderKind, OrderRecord, OrderStatus
from trading.states import OfferStatus, TradeStatus
from trading.views import DeskStatus, OfferView, OrderLine, PnlSummary, Stage

D = Decimal
OFFER = Offer(
    id="o1", alert_id="a1", symbol=XRP.symbol, side=Side.BUY, status=OfferStatus.PENDING,
    created_at=NOW, updated_at=NOW, expires_at=NOW + timedelta(minutes=15),
)  # fmt: skip
APPROVED = replace(OFFER, status=OfferStatus.APPROVED, decided_by_name="alice", decided_at=NOW)


def view(offer: Offer = OFFER, **trade: object) -> OfferView:
    return OfferView(offer, (replace(TRADE, **trade),))


@pytest.mark.parametrize(
    ("offer_view", "stage", "starts"),
    [
        (view(status=TradeStatus.PENDING), Stage.WAITING, "⏳ Waiting for an approver"),
        (view(replace(OFFER, status=OfferStatus.REJECTED, decided_by_name="bob")),
         Stage.REJECTED, "❌ Rejected by bob"),
        (view(replace(OFFER, status=OfferStatus.EXPIRED)), Stage.EXPIRED, "⌛ Expired at"),
        (view(replace(OFFER, status=OfferStatus.CANCELLED, note="cancel alert")),
         Stage.WITHDRAWN, "🚫 Cancelled: cancel alert"),
        (view(APPROVED, status=TradeStatus.APPROVED), Stage.PLACING, "✅ Approved by alice"),
        (view(APPROVED, status=TradeStatus.OPEN), Stage.OPEN, "✅ Approved by alice"),
        (view(APPROVED, status=TradeStatus.FAILED, note="margin"), Stage.FAILED,
         "⚠️ Approved by alice at"),
        (view(APPROVED, status=TradeStatus.CLOSED, realized_pnl=D(10), fees=D(1),
              close_reason="take-profit"), Stage.CLOSED, "🏁 Closed (take-profit): +9.00 USDT"),
    ],
)  # fmt: skip
def test_the_approval_message_says_where_the_offer_stands(offer_view, stage, starts) -> None:
    embed = approval_embed(offer_view, XRP, mode="paper")

    assert offer_view.stage is stage
    assert embed.description is not None and embed.description.startswith(starts)
    assert embed.footer.text == "offer o1"
    assert embed.title == "🟢 LONG XRP/USDT:USDT"


def test_the_approval_message_shows_the_plan() -> None:
    embed = approval_embed(view(status=TradeStatus.PENDING), XRP, mode="paper")
    fields = {f.name: f.value for f in embed.fields}

    assert fields["Entry"] == "market ≈ 1.0707"
    assert fields["Stop"] == "1.0600 (1.00 % away)"
    assert fields["Take-profits"].splitlines() == [
        "TP1 1.0900 · 1.80R · 30 %",  # (1.09 - 1.0707) / 0.0107
        "TP2 1.1100 · 3.67R · 30 %",
        "TP3 1.1300 · 5.54R · 40 %",
    ]
    assert fields["Size"] == "9,345.7 XRP"
    assert fields["Strategy · timeframe · mode"] == "Replay · 5m · PAPER"
    assert embed.image.url == "attachment://chart.png"
    no_chart = approval_embed(view(status=TradeStatus.PENDING), XRP, mode="live", chart_note="x")
    assert {f.name: f.value for f in no_chart.fields}["Chart"] == "x"


def test_pnl_summary() -> None:
    win = replace(TRADE, realized_pnl=D(30), fees=D(2))
    loss = replace(TRADE, id="t2", symbol="BTC/USDT:USDT", realized_pnl=D(-10), fees=D(1))
    summary = PnlSummary(7, (win, loss))
    fields = {f.name: f.value for f in pnl_embed(summary).fields}

    assert (summary.net, summary.fees, summary.wins) == (D(17), D(3), 1)
    assert fields["Net"] == "+17.00 USDT" and fields["Trades"] == "2 (1 won)"
    assert fields["Worst"] == "BTC/USDT:USDT −11.00 USDT"
    assert pnl_embed(PnlSummary(7, ())).description == "No closed trades in that period."


def test_status_and_order_lines() -> None:
    status = DeskStatus("paper", "binanceusdm", False, True, 3, 1, 2, 3725.0)
    fields = {f.name: f.value for f in status_embed(status).fields}
    order = OrderRecord(
        id=1, trade_id="t1", leg="stop", attempt=1, client_id="gl-t1-stop-1",
        kind=OrderKind.STOP_MARKET, side=Side.SELL, amount=D("9345.7"), status=OrderStatus.OPEN,
        filled=D(0), fee=D(0), created_at=NOW, updated_at=NOW, trigger_price=D("1.06"),
    )  # fmt: skip

    assert fields == {
        "Mode": "PAPER on binanceusdm",
        "Exchange": "⚠️ not reachable",
        "Trading": "⏸️ paused",
        "Alerts today": "3",
        "Open · pending": "1 · 2",
        "Uptime": "1 h 2 min",
    }
    line = order_line(OrderLine(TRADE, order, XRP))
    assert line == "XRP/USDT:USDT · stop · sell 9,345.7 @ 1.0600 · open"
