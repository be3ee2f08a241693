"""The paper matching engine on its own: fills, fees, triggers, reduce-only, candles.

XRP: taker 0.04 %, maker 0.02 %, steps 0.1 XRP / 0.0001 USDT. The book starts at 1.0000
with 10,000 USDT and no slippage unless a test says otherwise.
"""

from __future__ import annotations

import itertools
import json
from decimal import Decimal

import pytest

from tests.trading.conftest import XRP
from trading.alerts import Side
from trading.errors import InsufficientFunds, InvalidOrder, OrderNotFound
from trading.exchange.base import OrderRequest, OrderState
from trading.exchange.paper_book import PaperBook, PaperOrder
from trading.orders import OrderKind

D = Decimal
BUY, SELL = Side.BUY, Side.SELL
MARKET, LIMIT = OrderKind.MARKET, OrderKind.LIMIT
STOP, TP = OrderKind.STOP_MARKET, OrderKind.TAKE_PROFIT_MARKET
_ids = itertools.count(1)


def new_book(price: str = "1.0000", slippage: str = "0") -> PaperBook:
    book = PaperBook(balance=D(10000), slippage_pct=D(slippage))
    book.move_price(XRP, D(price))
    return book


def submit(
    book,
    side,
    kind,
    amount,
    *,
    price=None,
    trigger=None,
    reduce_only=False,
    client_id=None,
    now_ms=0,
    free="10000",
) -> PaperOrder:
    request = OrderRequest(
        symbol=XRP.symbol,
        side=side,
        kind=kind,
        amount=D(amount),
        client_id=client_id or f"c{next(_ids)}",
        price=None if price is None else D(price),
        trigger_price=None if trigger is None else D(trigger),
        reduce_only=reduce_only,
    )
    return book.submit(request, XRP, now_ms=now_ms, free=D(free))


def long_book(amount: str = "1000") -> PaperBook:
    """Long ``amount`` XRP at 1.0000 (entry fee 0.04 %: 0.4 for 1000)."""
    book = new_book()
    submit(book, BUY, MARKET, amount)
    return book


def position(book: PaperBook) -> tuple[Decimal, Decimal]:
    pos = book.position(XRP.symbol)
    return pos.amount, pos.entry_price


# --- market and limit orders --------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "fill", "signed"),
    [
        (BUY, "1.0002", "1000"),  # 1.0000 * (1 + 0.02 %)
        (SELL, "0.9998", "-1000"),  # 1.0000 * (1 - 0.02 %)
    ],
)
def test_market_order_fills_at_once_with_slippage_and_taker_fee(side, fill, signed) -> None:
    book = new_book(slippage="0.02")

    order = submit(book, side, MARKET, "1000")

    fee = D(1000) * D(fill) * D("0.0004")  # 0.40008 or 0.39992
    assert (order.state, order.filled, order.average) == (OrderState.CLOSED, D(1000), D(fill))
    assert order.fee == fee
    assert position(book) == (D(signed), D(fill))
    assert book.balance == D(10000) - fee


@pytest.mark.parametrize(
    ("side", "limit", "near", "through"),
    [
        (BUY, "0.9900", "0.9950", "0.9850"),  # a buy limit fills when the price comes down
        (SELL, "1.0100", "1.0050", "1.0150"),  # a sell limit when it goes up
    ],
)
def test_limit_rests_then_fills_at_its_own_price_with_maker_fee(side, limit, near, through):
    book = new_book()
    order = submit(book, side, LIMIT, "1000", price=limit)
    assert order.state is OrderState.OPEN

    book.move_price(XRP, D(near))
    assert order.state is OrderState.OPEN
    book.move_price(XRP, D(through))

    assert (order.state, order.average) == (OrderState.CLOSED, D(limit))  # not the crossing price
    assert order.fee == D(1000) * D(limit) * D("0.0002")  # 0.198 or 0.202
    assert position(book)[1] == D(limit)


@pytest.mark.parametrize(("side", "limit"), [(BUY, "1.0100"), (SELL, "0.9900")])
def test_marketable_limit_fills_at_once_at_the_price_as_taker(side, limit) -> None:
    book = new_book()

    order = submit(book, side, LIMIT, "1000", price=limit)

    assert (order.state, order.average) == (OrderState.CLOSED, D("1.0000"))
    assert order.fee == D("0.4")  # 1000 * 1.0000 * 0.04 %


# --- trigger orders -----------------------------------------------------------------------

TRIGGERS = [
    # position, order side, kind, trigger, a move away, the move through, realised pnl
    (BUY, SELL, STOP, "0.9800", "1.0500", "0.9700", "-20"),  # long stop falls: 1000 * -0.02
    (BUY, SELL, TP, "1.0200", "0.9900", "1.0300", "20"),  # long TP rises
    (SELL, BUY, STOP, "1.0200", "0.9500", "1.0300", "-20"),  # short stop rises
    (SELL, BUY, TP, "0.9800", "1.0100", "0.9700", "20"),  # short TP falls
]


@pytest.mark.parametrize(("opened", "side", "kind", "trigger", "away", "through", "pnl"), TRIGGERS)
def test_triggers_fire_when_crossed_toward_them_and_fill_at_the_trigger(
    opened, side, kind, trigger, away, through, pnl
) -> None:
    book = new_book()
    submit(book, opened, MARKET, "1000")
    order = submit(book, side, kind, "1000", trigger=trigger, reduce_only=True)

    book.move_price(XRP, D(away))
    assert order.state is OrderState.OPEN
    book.move_price(XRP, D("1.0000"))
    assert order.state is OrderState.OPEN
    book.move_price(XRP, D(through))

    assert (order.state, order.average) == (OrderState.CLOSED, D(trigger))
    assert book.fills[-1].realized_pnl == D(pnl)
    assert position(book) == (D(0), D(0))
    fees = D("0.4") + D(1000) * D(trigger) * D("0.0004")  # taker on both legs
    assert book.balance == D(10000) + D(pnl) - fees


@pytest.mark.parametrize(
    ("side", "kind", "trigger"),
    [
        (SELL, STOP, "1.0100"),
        (SELL, STOP, "1.0000"),
        (BUY, STOP, "0.9900"),
        (SELL, TP, "0.9900"),
        (BUY, TP, "1.0100"),
        (BUY, TP, "1.0000"),
    ],
)
def test_a_trigger_that_would_fire_at_once_is_refused(side, kind, trigger) -> None:
    book = new_book()

    with pytest.raises(InvalidOrder, match="would immediately trigger"):
        submit(book, side, kind, "1000", trigger=trigger, reduce_only=True)

    assert book.orders == {} and book.next_id == 1


@pytest.mark.parametrize(
    ("kind", "side", "level", "then"),
    [
        (STOP, SELL, "0.9800", "0.9650"),  # the price keeps falling
        (STOP, SELL, "0.9800", "0.9750"),  # it rises a little, still under the stop
        (LIMIT, BUY, "0.9900", "0.9650"),
    ],
)
def test_an_order_that_missed_the_move_fills_at_the_first_price_past_its_level(
    kind, side, level, then
) -> None:
    book = long_book()
    order = submit(
        book,
        side,
        kind,
        "1000",
        now_ms=1_000,
        reduce_only=kind is STOP,
        **({"trigger": level} if kind is STOP else {"price": level}),
    )
    book.move_price(XRP, D("0.9700"), at_ms=500)  # happened before the order existed
    assert order.state is OrderState.OPEN

    book.move_price(XRP, D(then), at_ms=2_000)

    assert (order.state, order.average) == (OrderState.CLOSED, D("0.9700"))


# --- reduce-only --------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "price"), [(MARKET, None), (LIMIT, "1.0100")])
def test_reduce_only_without_a_position_is_rejected(kind, price) -> None:
    book = new_book()

    with pytest.raises(InvalidOrder, match="ReduceOnly Order is rejected"):
        submit(book, SELL, kind, "100", price=price, reduce_only=True)


def test_reduce_only_that_would_grow_the_position_is_rejected() -> None:
    book = long_book()

    with pytest.raises(InvalidOrder, match="ReduceOnly"):
        submit(book, BUY, MARKET, "100", reduce_only=True)

    assert position(book) == (D(1000), D(1))


def test_reduce_only_is_clamped_to_the_position_and_never_flips_it() -> None:
    book = long_book()

    order = submit(book, SELL, MARKET, "1500", reduce_only=True)

    assert (order.state, order.filled) == (OrderState.CLOSED, D(1000))
    assert position(book) == (D(0), D(0))


def test_a_plain_order_larger_than_the_position_flips_it() -> None:
    book = long_book()
    book.move_price(XRP, D("1.1000"))

    submit(book, SELL, MARKET, "1500")

    assert position(book) == (D(-500), D("1.1"))  # the rest opened a short at 1.1
    assert book.fills[-1].realized_pnl == D(100)  # 1000 closed at +0.1


def test_a_reduce_only_trigger_larger_than_the_position_closes_only_the_position() -> None:
    book = long_book()
    stop = submit(book, SELL, STOP, "1500", trigger="0.9800", reduce_only=True)

    book.move_price(XRP, D("0.9700"))

    assert (stop.state, stop.filled) == (OrderState.CLOSED, D(1000))
    assert position(book) == (D(0), D(0))


def test_a_reduce_only_trigger_firing_with_no_position_expires() -> None:
    book = new_book()
    stop = submit(book, SELL, STOP, "1000", trigger="0.9800", reduce_only=True)  # accepted

    book.move_price(XRP, D("0.9700"))

    assert (stop.state, stop.filled) == (OrderState.EXPIRED, D(0))
    assert position(book) == (D(0), D(0)) and book.fills == []
    assert book.balance == D(10000)


# --- refusals -----------------------------------------------------------------------------


def test_a_duplicate_open_client_id_is_refused_until_the_first_order_ends() -> None:
    book = new_book()
    first = submit(book, BUY, LIMIT, "100", price="0.9000", client_id="gl-t-entry-1")

    with pytest.raises(InvalidOrder, match="ClientOrderId is duplicated"):
        submit(book, BUY, LIMIT, "100", price="0.9000", client_id="gl-t-entry-1")
    book.cancel(first.id)
    again = submit(book, BUY, LIMIT, "100", price="0.9000", client_id="gl-t-entry-1")

    assert again.id != first.id
    assert book.find_client(XRP.symbol, "gl-t-entry-1") is again


@pytest.mark.parametrize(
    ("kind", "amount", "price", "leverage", "ok"),
    [
        (MARKET, "20000", None, 1, False),  # 20000 * 1.0 / 1 = 20000 > 10000 free
        (MARKET, "20000", None, 5, True),  # 20000 / 5 = 4000
        (LIMIT, "20000", "0.5000", 1, True),  # the limit's price: 10000, exactly what is free
        (LIMIT, "20000", "0.5001", 1, False),  # 10002 > 10000
    ],
)
def test_margin_is_checked_against_what_is_free(kind, amount, price, leverage, ok) -> None:
    book = new_book()
    book.leverage[XRP.symbol] = leverage

    if ok:
        submit(book, BUY, kind, amount, price=price)
    else:
        with pytest.raises(InsufficientFunds, match="Margin is insufficient"):
            submit(book, BUY, kind, amount, price=price)
        assert book.orders == {}


@pytest.mark.parametrize(
    ("amount", "price", "words"),
    [
        ("100.05", "0.9000", "Precision"),  # off the 0.1 step
        ("100", "0.90005", "Price precision"),  # off the 0.0001 tick
        ("0", "0.9000", "Precision"),
    ],
)
def test_amounts_and_prices_off_the_market_steps_are_refused(amount, price, words) -> None:
    with pytest.raises(InvalidOrder, match=words):
        submit(new_book(), BUY, LIMIT, amount, price=price)


def test_no_order_before_the_first_price() -> None:
    with pytest.raises(InvalidOrder, match="no price"):
        submit(PaperBook(balance=D(10000)), BUY, MARKET, "100")


def test_cancelling_an_unknown_or_finished_order_is_order_not_found() -> None:
    book = new_book()
    order = submit(book, BUY, LIMIT, "100", price="0.9000")
    book.cancel(order.id)

    with pytest.raises(OrderNotFound):
        book.cancel(order.id)
    with pytest.raises(OrderNotFound):
        book.cancel("999")


# --- candles ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("candle", "first", "second"),
    [
        # bullish: open -> low -> high -> close: the stop fills, the TP then finds no position
        ([0, 1.00, 1.03, 0.97, 1.01, 0], "stop", "tp"),
        # bearish: open -> high -> low -> close: the TP fills, the stop finds no position
        ([0, 1.00, 1.03, 0.97, 0.99, 0], "tp", "stop"),
    ],
)
def test_the_candle_path_decides_whether_stop_or_take_profit_fills(candle, first, second):
    book = long_book()
    orders = {
        "stop": submit(book, SELL, STOP, "1000", trigger="0.9800", reduce_only=True),
        "tp": submit(book, SELL, TP, "1000", trigger="1.0200", reduce_only=True),
    }

    book.walk_candle(XRP, candle, close_ms=300_000)

    assert orders[first].state is OrderState.CLOSED and orders[first].filled == D(1000)
    assert orders[second].state is OrderState.EXPIRED and orders[second].filled == D(0)
    assert position(book) == (D(0), D(0))
    assert book.prices[XRP.symbol] == D(str(candle[4]))
    assert book.cursors[XRP.symbol] == candle[0]


def test_orders_created_after_a_candle_closed_are_not_triggered_by_it() -> None:
    book = long_book()
    stop = submit(book, SELL, STOP, "1000", trigger="0.9800", reduce_only=True, now_ms=400_000)

    book.walk_candle(XRP, [0, 1.00, 1.01, 0.97, 1.00, 0], close_ms=300_000)  # dips to 0.97
    assert stop.state is OrderState.OPEN

    book.walk_candle(XRP, [300_000, 1.00, 1.01, 0.97, 1.00, 0], close_ms=600_000)
    assert (stop.state, stop.average) == (OrderState.CLOSED, D("0.98"))


def test_the_book_survives_a_json_round_trip() -> None:
    book = long_book()
    book.leverage[XRP.symbol] = 5
    submit(book, SELL, STOP, "1000", trigger="0.9800", reduce_only=True, now_ms=7)
    cancelled = submit(book, BUY, LIMIT, "10", price="0.5000")
    book.cancel(cancelled.id)
    book.walk_candle(XRP, [60_000, 1.0, 1.05, 0.99, 1.04, 5.5], close_ms=120_000)

    text = json.dumps(book.to_dict())
    again = PaperBook.from_dict(json.loads(text))

    assert again.to_dict() == book.to_dict()
    assert again.orders == book.orders and again.fills == book.fills
    assert again.positions == book.positions and again.prices == book.prices
    assert (again.cursors, again.leverage, again.next_id) == (
        {XRP.symbol: 60_000},
        {XRP.symbol: 5},
        4,
    )
