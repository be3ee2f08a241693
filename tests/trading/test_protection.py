"""desired_protection (which stop and TPs a trade needs) and the fill arithmetic.

The trade is the default XRP long: 9345.7 XRP at 1.0707, stop 1.0600, TPs 1.09 / 1.11 /
1.13 sharing 30 / 30 / 40 % (ladder 2803.7 / 2803.7 / 3738.3).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.trading.conftest import XRP, entry_alert
from trading.alerts import Side
from trading.exchange.base import ExchangeOrder, OrderState
from trading.execution.fills import average_price, fill_delta, realized_pnl
from trading.execution.protection import DesiredOrder, desired_protection, taken_take_profits
from trading.markets import Market
from trading.orders import OrderKind, OrderRecord, OrderStatus
from trading.plan import PlanRules, build_plan
from trading.states import TradeStatus
from trading.trade import Trade

D = Decimal
NOW = datetime(2021, 11, 17, 10, tzinfo=UTC)
STOP, TP = OrderKind.STOP_MARKET, OrderKind.TAKE_PROFIT_MARKET
PLAN = build_plan(
    entry_alert(),
    XRP,
    equity=D(10000),
    available=D(10000),
    last_price=D("1.0707"),
    rules=PlanRules(),
)


def trade(filled: str = "9345.7", closed: str = "0", stop: str | None = "1.0600") -> Trade:
    return Trade(
        id="t1",
        offer_id="o1",
        account="default",
        symbol=XRP.symbol,
        side=Side.BUY,
        status=TradeStatus.OPEN,
        plan=PLAN,
        created_at=NOW,
        updated_at=NOW,
        filled_qty=D(filled),
        closed_qty=D(closed),
        realized_pnl=D(0),
        fees=D(0),
        entry_price=D("1.0707"),
        stop_price=None if stop is None else D(stop),
    )


def record(
    leg: str, *, status=OrderStatus.FILLED, filled="1", kind=TP, amount="1", fee="0", average=None
) -> OrderRecord:
    return OrderRecord(
        id=1,
        trade_id="t1",
        leg=leg,
        attempt=1,
        client_id=f"gl-t1-{leg}-1",
        kind=kind,
        side=Side.SELL,
        amount=D(amount),
        status=status,
        filled=D(filled),
        fee=D(fee),
        created_at=NOW,
        updated_at=NOW,
        average=None if average is None else D(average),
    )


def wanted(desired: list[DesiredOrder]) -> list[tuple[str, str, str]]:
    return [(d.leg, str(d.amount), str(d.trigger_price)) for d in desired]


def test_a_fresh_position_gets_the_stop_and_the_whole_ladder() -> None:
    desired = desired_protection(trade(), [], XRP)

    assert wanted(desired) == [
        ("stop", "9345.7", "1.0600"),
        ("tp1", "2803.7", "1.0900"),
        ("tp2", "2803.7", "1.1100"),
        ("tp3", "3738.3", "1.1300"),
    ]
    assert [d.kind for d in desired] == [STOP, TP, TP, TP]


def test_a_partial_entry_fill_sizes_everything_to_what_filled() -> None:
    desired = desired_protection(trade(filled="1200.0"), [], XRP)

    # 1200 * 30 % = 360 twice, the last takes 480
    assert wanted(desired) == [
        ("stop", "1200.0", "1.0600"),
        ("tp1", "360.0", "1.0900"),
        ("tp2", "360.0", "1.1100"),
        ("tp3", "480.0", "1.1300"),
    ]


def test_after_tp1_the_stop_covers_the_rest_and_tp1_is_gone() -> None:
    orders = [record("tp1", filled="2803.7")]

    desired = desired_protection(trade(closed="2803.7", stop="1.0718"), orders, XRP)

    assert wanted(desired) == [
        ("stop", "6542.0", "1.0718"),  # 9345.7 - 2803.7
        ("tp2", "2803.7", "1.1100"),  # unchanged: the planned rungs still fit
        ("tp3", "3738.3", "1.1300"),
    ]


def test_a_position_reduced_by_hand_shrinks_the_remaining_rungs() -> None:
    orders = [record("tp1", filled="2803.7")]

    desired = desired_protection(trade(closed="3803.7"), orders, XRP)  # 1000 more closed

    # 5542.0 left over TP2 and TP3 at 30 : 40 -> 5542 * 30 / 70 = 2375.14 -> 2375.1, rest 3166.9
    assert wanted(desired) == [
        ("stop", "5542.0", "1.0600"),
        ("tp2", "2375.1", "1.1100"),
        ("tp3", "3166.9", "1.1300"),
    ]


def test_rungs_too_small_to_place_carry_into_the_next() -> None:
    big_minimum = Market(**{**{f: getattr(XRP, f) for f in Market.__slots__}, "min_amount": D(1)})

    desired = desired_protection(trade(filled="2.0"), [], big_minimum)

    # 2.0 splits 0.6 / 0.6 / 0.8: TP1 is under 1 and carries into TP2 (1.2); TP3 is under
    # the minimum too and is left to the stop
    assert wanted(desired) == [("stop", "2.0", "1.0600"), ("tp2", "1.2", "1.1100")]


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"closed": "9345.7"}, "nothing left"),
        ({"filled": "0"}, "nothing filled yet"),
        ({"stop": None}, "no stop price"),
    ],
)
def test_no_protection_when_there_is_nothing_to_protect(kwargs, why) -> None:
    assert desired_protection(trade(**kwargs), [], XRP) == [], why


def test_taken_take_profits_counts_only_filled_tp_orders() -> None:
    orders = [
        record("entry", kind=OrderKind.MARKET),
        record("stop", kind=STOP),
        record("tp1"),
        record("tp2", status=OrderStatus.CANCELLED, filled="0"),
        record("tp3", status=OrderStatus.OPEN, filled="0"),
        record("tp4", status=OrderStatus.CANCELLED, filled="0.5"),  # part filled, then cancelled
        record("tp5", status=OrderStatus.FILLED, filled="0"),
    ]

    assert taken_take_profits(orders) == {1}


def test_a_desired_order_matches_only_the_same_leg_kind_amount_and_trigger() -> None:
    desired = DesiredOrder("stop", STOP, D("6542.0"), D("1.0718"))
    same = replace(record("stop", kind=STOP, amount="6542.0"), trigger_price=D("1.0718"))

    assert desired.matches(same)
    assert not desired.matches(replace(same, amount=D("9345.7")))
    assert not desired.matches(replace(same, trigger_price=D("1.0600")))
    assert not desired.matches(replace(same, leg="tp1"))
    assert not desired.matches(replace(same, kind=TP))


# --- fills --------------------------------------------------------------------------------


def update(filled: str, average: str | None, *, fee=None, kind=OrderKind.MARKET, price=None):
    return ExchangeOrder(
        id="42",
        client_id="gl-t1-entry-1",
        symbol=XRP.symbol,
        side=Side.BUY,
        kind=kind,
        state=OrderState.OPEN,
        amount=D(1000),
        filled=D(filled),
        average=None if average is None else D(average),
        price=None if price is None else D(price),
        fee=None if fee is None else D(fee),
    )


def test_fill_delta_of_a_first_fill_uses_the_market_taker_rate() -> None:
    delta = fill_delta(record("entry", filled="0"), update("100", "1.07"), XRP)

    assert delta is not None
    assert (delta.amount, delta.price) == (D(100), D("1.07"))
    assert delta.fee == D("0.0428")  # 100 * 1.07 * 0.04 %


def test_fill_delta_of_a_resting_limit_uses_the_maker_rate() -> None:
    delta = fill_delta(
        record("entry", filled="0"), update("100", None, kind=OrderKind.LIMIT, price="1.05"), XRP
    )

    assert delta is not None and delta.price == D("1.05")
    assert delta.fee == D("0.0210")  # 100 * 1.05 * 0.02 %


def test_fill_delta_of_a_later_fill_prices_only_the_new_part() -> None:
    seen = record("entry", status=OrderStatus.OPEN, filled="100", average="1.07", fee="0.1")

    delta = fill_delta(seen, update("300", "1.08", fee="0.3"), XRP)

    assert delta is not None
    assert delta.amount == D(200)
    assert delta.price == D("1.085")  # (300 * 1.08 - 100 * 1.07) / 200 = 217 / 200
    assert delta.fee == D("0.2")  # the exchange's cumulative 0.3 minus the 0.1 recorded


def test_fill_delta_is_none_when_nothing_new_filled() -> None:
    seen = record("entry", status=OrderStatus.OPEN, filled="300", average="1.08")

    assert fill_delta(seen, update("300", "1.08"), XRP) is None


def test_fill_delta_without_any_price_is_an_error() -> None:
    with pytest.raises(ValueError, match="without a price"):
        fill_delta(record("entry", filled="0"), update("100", None), XRP)


@pytest.mark.parametrize(
    ("old_amount", "old_price", "amount", "price", "expected"),
    [
        ("0", None, "100", "1.07", "1.07"),
        ("100", "1.07", "300", "1.08", "1.0775"),  # (107 + 324) / 400
        ("0", "1.00", "50", "2", "2"),
    ],
)
def test_average_price(old_amount, old_price, amount, price, expected) -> None:
    old = None if old_price is None else D(old_price)

    assert average_price(D(old_amount), old, D(amount), D(price)) == D(expected)


@pytest.mark.parametrize(
    ("side", "exit_price", "contract", "pnl"),
    [
        (Side.BUY, "1.09", "1", "2.00"),  # +0.02 * 100
        (Side.BUY, "1.05", "1", "-2.00"),
        (Side.SELL, "1.09", "1", "-2.00"),
        (Side.SELL, "1.05", "1", "2.00"),
        (Side.BUY, "1.09", "0.01", "0.0200"),  # 100 contracts of 0.01
    ],
)
def test_realized_pnl(side, exit_price, contract, pnl) -> None:
    assert realized_pnl(side, D("1.07"), D(exit_price), D(100), D(contract)) == D(pnl)
