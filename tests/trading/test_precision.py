"""Rounding to the market's steps, always toward the safe side (see trading/precision.py)."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

import pytest

from tests.trading.conftest import XRP
from trading.alerts import Side
from trading.precision import (
    format_decimal,
    round_amount,
    round_breakeven,
    round_limit_entry,
    round_price,
    round_step,
    round_stop,
    round_take_profit,
)

D = Decimal


@pytest.mark.parametrize(
    ("value", "step", "rounding", "expected"),
    [
        ("1.23456", "0.0001", ROUND_HALF_EVEN, "1.2346"),  # 12345.6 units -> 12346
        ("1.23455", "0.0001", ROUND_HALF_EVEN, "1.2346"),  # 12345.5 -> the even 12346
        ("1.23445", "0.0001", ROUND_HALF_EVEN, "1.2344"),  # 12344.5 -> the even 12344
        ("1.23459", "0.0001", ROUND_FLOOR, "1.2345"),
        ("1.23451", "0.0001", ROUND_CEILING, "1.2346"),
        ("1.2345", "0.0001", ROUND_CEILING, "1.2345"),  # on the tick: unchanged
        ("7.3", "0.5", ROUND_FLOOR, "7.0"),  # 14.6 halves -> 14 -> 7.0
        ("7.3", "0.5", ROUND_CEILING, "7.5"),  # 14.6 halves -> 15 -> 7.5
        ("5", "0.1", ROUND_FLOOR, "5.0"),  # written with the step's decimals
        ("123", "10", ROUND_FLOOR, "120"),  # 12.3 tens -> 12 -> 120, not 1.2E+2
        ("1.23456", "0.00010", ROUND_FLOOR, "1.2345"),  # trailing zeros of the step ignored
        ("0.00000149", "0.0000001", ROUND_HALF_EVEN, "0.0000015"),  # 14.9 units -> 15
    ],
)
def test_round_step_lands_on_the_step_with_its_decimals(value, step, rounding, expected) -> None:
    result = round_step(D(value), D(step), rounding)

    assert str(result) == expected


@pytest.mark.parametrize("step", ["0", "-0.1"])
def test_round_step_refuses_a_step_that_is_not_positive(step) -> None:
    with pytest.raises(ValueError, match="step must be positive"):
        round_step(D(1), D(step))


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("9345.79", "9345.7"),  # always down: never more than the risk allows
        ("9345.71", "9345.7"),
        ("9345.7", "9345.7"),
        ("0.09", "0.0"),
    ],
)
def test_round_amount_always_rounds_down(amount, expected) -> None:
    assert str(round_amount(D(amount), XRP)) == expected


@pytest.mark.parametrize(
    ("up", "expected"),
    [(True, "1.0708"), (False, "1.0707"), (None, "1.0707")],  # 1.070749: nearest is 1.0707
)
def test_round_price_up_down_or_nearest(up, expected) -> None:
    assert str(round_price(D("1.070749"), XRP, up=up)) == expected


# 1.23456 lies between the ticks 1.2345 and 1.2346 of XRP (tick 0.0001).
SAFE_SIDE = [
    # level, side, expected, why it is safe
    (round_stop, Side.BUY, "1.2346", "a long's stop goes up, toward the entry: less risk"),
    (round_stop, Side.SELL, "1.2345", "a short's stop goes down, toward the entry"),
    (round_take_profit, Side.BUY, "1.2345", "a long's TP goes down: more likely to fill"),
    (round_take_profit, Side.SELL, "1.2346", "a short's TP goes up: more likely to fill"),
    (round_limit_entry, Side.BUY, "1.2345", "a buy never pays more than asked"),
    (round_limit_entry, Side.SELL, "1.2346", "a sell never gets less than asked"),
    (round_breakeven, Side.BUY, "1.2346", "a long's breakeven goes up: fees covered"),
    (round_breakeven, Side.SELL, "1.2345", "a short's breakeven goes down: fees covered"),
]


@pytest.mark.parametrize(("level", "side", "expected", "why"), SAFE_SIDE)
def test_each_level_rounds_toward_its_safe_side(level, side, expected, why) -> None:
    assert str(level(D("1.23456"), side, XRP)) == expected, why


@pytest.mark.parametrize(("level", "side", "expected", "why"), SAFE_SIDE)
def test_a_level_already_on_the_tick_is_left_alone(level, side, expected, why) -> None:
    assert level(D("1.2345"), side, XRP) == D("1.2345"), why


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("1E+1", "10"),
        ("1.2300", "1.23"),
        ("100", "100"),
        ("0.00", "0"),
        ("0E-8", "0"),
        ("-0.50", "-0.5"),
        ("1.5E-7", "0.00000015"),
        ("9345.7", "9345.7"),
        ("12345678901234567890.1", "12345678901234567890.1"),
    ],
)
def test_format_decimal_writes_plain_notation_without_trailing_zeros(value, text) -> None:
    assert format_decimal(D(value)) == text
