"""What the bot says for each event: thread lines and channel notices (pure functions)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.event_lines import event_line, notice_line, notice_of
from tests.trading.conftest import XRP
from tests.trading.test_events import EXAMPLES
from tests.trading.test_trade_store import NOW, PLAN
from trading.events import (
    AlertNotOffered,
    EntryFilled,
    Event,
    OfferApproved,
    OfferExpired,
    OfferMade,
    OfferRejected,
    PositionReduced,
    ProtectionPlaced,
    ProtectiveOrder,
    StopMoved,
    TakeProfitFilled,
    TradeClosed,
    TradingPaused,
    TradingResumed,
)
from trading.states import TradeStatus
from trading.trade import Trade

D = Decimal
TRADE = Trade(
    id="t1", offer_id="o1", account="default", symbol=XRP.symbol, side=PLAN.side,
    status=TradeStatus.OPEN, plan=PLAN, created_at=NOW, updated_at=NOW, filled_qty=D("9345.7"),
    closed_qty=D(0), realized_pnl=D(0), fees=D(0),
)  # fmt: skip
#: shown on the approval message (and by the channel) rather than as a thread line
SILENT_IN_THREADS = {OfferMade, OfferRejected, OfferExpired, AlertNotOffered, TradingPaused,
                     TradingResumed}  # fmt: skip


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: type(e).kind)
def test_every_event_is_said_somewhere(event: Event) -> None:
    line = event_line(event, TRADE, XRP)
    notice = notice_of(event)

    if type(event) in SILENT_IN_THREADS:
        assert line is None
        assert (notice is not None) == (type(event) not in {OfferMade, OfferRejected, OfferExpired})
    else:
        assert line and notice is None


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (OfferApproved("alice", "1", "discord", D("1.0707")), "✅ Approved by alice at 1.0707."),
        (OfferApproved("alice", "1", "web"), "✅ Approved by alice."),
        (
            EntryFilled(D("1200"), D("1.0001"), D("1200"), D("0.48"), D("5000")),
            "🟢 Entry filled: 1,200.0 at 1.0001 — 1,200.0 in the position (of 5,000.0 planned).",
        ),
        (
            ProtectionPlaced(
                (
                    ProtectiveOrder("stop", D("5000"), D("0.98")),
                    ProtectiveOrder("tp1", D("1500"), D("1.02")),
                ),
                True,
            ),
            "🛡️ Protection placed: Stop 0.9800 × 5,000.0, TP1 1.0200 × 1,500.0.",
        ),
        (
            TakeProfitFilled(2, D("2"), D("1500"), D("1.04"), D("60"), D("0.6"), D("2000")),
            "🎯 TP2 filled (2.00R): 1,500.0 at 1.0400, +60.00 USDT; 2,000.0 left.",
        ),
        (
            StopMoved(D("0.98"), D("1.001"), "TP1 filled", True, D("3500")),
            "↔️ Stop moved to breakeven 1.0010 (was 0.9800) — TP1 filled.",
        ),
        (
            PositionReduced(D("2500"), "closed by alice", D("2500"), D("1.01"), D("-5")),
            "✂️ Closed 2,500.0 at 1.0100, −5.00 USDT (closed by alice); 2,500.0 left.",
        ),
        (
            TradeClosed("take-profit", D("385.97"), D("8.15"), D("377.82"), D("3.78")),
            "🏁 Trade closed (take-profit): +377.82 USDT net (+385.97 USDT gross, fees 8.15 USDT)"
            " · +3.78R.",
        ),
    ],
)
def test_thread_lines_read_as_a_trader_expects(event: Event, expected: str) -> None:
    assert event_line(event, TRADE, XRP) == expected


def test_notices() -> None:
    paused = AlertNotOffered("XRPUSDT.P", "buy", "trading is paused", "paused")
    refused = AlertNotOffered(
        "ETHUSDT", "sell", "the stop 1 is not above the entry", "plan_refused"
    )

    assert notice_of(paused) == "⏸️ Paused, not offered: BUY XRPUSDT.P"
    assert notice_of(refused) == "🚫 Not offered: SELL ETHUSDT — the stop 1 is not above the entry"
    assert notice_of(TradingPaused("alice", "web")) == "⏸️ Trading paused by alice."
    assert notice_of(TradingResumed("bob", "discord")) == "▶️ Trading resumed by bob."
    assert notice_line("BTCUSDT", None, "no market") == "🚫 Not offered: BTCUSDT — no market"
