"""build_plan: sizing, stop, ladder and every refusal, checked by hand on XRP at 1.0707.

Unless a test says otherwise: equity and available margin 10,000 USDT, last price 1.0707,
a long with its stop at 1.0600 (risk 0.0107 per XRP), leverage 5, XRP's steps (0.1 XRP,
0.0001 USDT), minimum 0.1 XRP and 5 USDT.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.trading.conftest import XRP, entry_alert
from trading.alerts import OrderType, Side, TakeProfitSpec
from trading.errors import PlanError
from trading.markets import Market
from trading.plan import PlanRules, TradePlan, build_plan

D = Decimal
RULES = PlanRules(risk_per_trade_pct=D(1), max_risk_pct=D(5))

BTC_CONTRACTS = Market(  # one contract is 0.01 BTC
    symbol="BTC/USDT:USDT",
    id="BTCUSDT",
    base="BTC",
    quote="USDT",
    settle="USDT",
    amount_step=D(1),
    price_step=D("0.1"),
    contract_size=D("0.01"),
    min_amount=D(1),
)


def plan(market: Market = XRP, *, rules: PlanRules = RULES, last: str = "1.0707", **fields):
    fields.setdefault("take_profits", ())
    return build_plan(
        entry_alert(**fields),
        market,
        equity=D(10000),
        available=D(10000),
        last_price=D(last),
        rules=rules,
    )


def refusal(**kwargs) -> str:
    with pytest.raises(PlanError) as caught:
        plan(**kwargs)
    return str(caught.value)


def tps(*rungs: tuple[str | None, str | None, str | None]) -> tuple[TakeProfitSpec, ...]:
    """(price, r, close_pct) per rung."""
    return tuple(
        TakeProfitSpec(
            price=None if p is None else D(p),
            r=None if r is None else D(r),
            close_pct=None if c is None else D(c),
        )
        for p, r, c in rungs
    )


# --- sizing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "amount"),
    [
        ({}, "9345.7"),  # 1 % of 10,000 = 100 / 0.0107 = 9345.79..., floored
        ({"risk_pct": D(2)}, "18691.5"),  # 200 / 0.0107 = 18691.58...
        ({"qty": D(1000)}, "1000.0"),  # qty is the size itself
        ({"notional": D(2000)}, "1867.9"),  # 2000 / 1.0707 = 1867.93...
    ],
)
def test_sizing_by_default_risk_risk_pct_qty_and_notional(fields, amount) -> None:
    result = plan(**fields)

    assert str(result.amount) == amount


def test_default_risk_plan_numbers() -> None:
    result = plan()

    assert (result.entry_price, result.stop_price) == (D("1.0707"), D("1.0600"))
    assert result.risk_amount == D("99.99899")  # 9345.7 * 0.0107
    assert result.notional == D("10006.44099")  # 9345.7 + 9345.7 * 0.0707 = 9345.7 + 660.74099
    assert result.leverage == 5 and result.settle == "USDT"
    assert (result.timeframe, result.strategy) == ("5", "Replay")


def test_leverage_defaults_to_the_rule_when_the_alert_names_none() -> None:
    rules = PlanRules(default_leverage=3)

    assert plan(rules=rules, leverage=None, qty=D(100)).leverage == 3


# --- the stop -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "stop"),
    [
        (Side.BUY, "1.0547"),  # 1.0707 * 0.985 = 1.0546395, rounded up toward the entry
        (Side.SELL, "1.0867"),  # 1.0707 * 1.015 = 1.0867605, rounded down toward the entry
    ],
)
def test_stop_from_default_stop_pct_when_the_alert_has_none(side, stop) -> None:
    rules = PlanRules(default_stop_pct=D("1.5"))

    result = plan(rules=rules, side=side, stop_loss=None)

    assert result.stop_price == D(stop)


def test_the_alerts_stop_wins_over_the_default_and_is_rounded_toward_the_entry() -> None:
    rules = PlanRules(default_stop_pct=D("1.5"))

    assert plan(rules=rules, stop_loss=D("1.05999")).stop_price == D("1.0600")


def test_no_stop_and_no_default_is_refused() -> None:
    message = refusal(stop_loss=None)

    assert "stop loss" in message and "DEFAULT_STOP_PCT" in message


def test_an_alert_without_side_is_refused() -> None:
    assert "no side" in refusal(side=None)


# --- refusals -----------------------------------------------------------------------------

REFUSALS = [
    (
        {"stop_loss": D("1.08")},
        ["stop 1.08", "not below the entry 1.0707", "long"],
    ),
    (
        {"side": Side.SELL, "stop_loss": D("1.06")},
        ["stop 1.06", "not above the entry 1.0707", "short"],
    ),
    (
        {"take_profits": tps(("1.07", None, None))},
        ["TP1 1.07", "not above the entry 1.0707", "long"],
    ),
    (
        {"side": Side.SELL, "stop_loss": D("1.08"), "take_profits": tps(("1.0708", None, None))},
        ["TP1 1.0708", "not below the entry 1.0707", "short"],
    ),
    (
        {"take_profits": tps(("1.11", None, "50"), ("1.09", None, None))},
        ["TP2 1.09", "not beyond TP1 1.11", "nearest first"],
    ),
    (
        {"qty": D("0.05")},  # floored to 0.0
        ["size 0 XRP", "under the market minimum of 0.1 XRP"],
    ),
    (
        {"qty": D(4)},  # 4 * 1.0707 = 4.2828 USDT
        ["worth 4.28 USDT", "minimum of 5 USDT"],
    ),
    (
        {"risk_pct": D(6)},
        ["risk_pct 6 %", "above the 5 % cap"],
    ),
    (
        {"qty": D(50000)},  # 50000 * 0.0107 = 535 USDT = 5.35 % of 10,000
        ["risks 5.35 % of equity", "535 USDT", "above the 5 % cap"],
    ),
    (
        {"qty": D(10000), "leverage": 1},  # 10000 * 1.0707 / 1 = 10707 > 10000
        ["needs 10707 USDT of margin at 1x", "10000 is available"],
    ),
    (
        {"qty": D(5), "take_profits": tps(("1.09", None, "1"), ("1.11", None, None))},
        ["TP1's share (1 % = 0)", "market minimum of 0.1", "fewer take-profits"],
    ),
    (
        {"take_profits": tps(("1.09", None, "60"), ("1.10", None, "40"), ("1.11", None, None))},
        ["TP3 would close nothing", "add up to 100 %"],
    ),
]


@pytest.mark.parametrize(("fields", "words"), REFUSALS)
def test_refusals_say_what_is_wrong(fields, words) -> None:
    message = refusal(**fields)

    for word in words:
        assert word in message, (word, message)


def test_a_size_over_the_market_maximum_is_refused() -> None:
    small = Market(**{**_fields(XRP), "max_amount": D(100)})

    message = refusal(market=small, qty=D(200))

    assert "the size 200 XRP is over the market maximum of 100 XRP" in message


def _fields(market: Market) -> dict:
    return {name: getattr(market, name) for name in Market.__slots__}


# --- the take-profit ladder ---------------------------------------------------------------


def test_r_multiple_take_profits_for_a_long() -> None:
    result = plan(take_profits=tps((None, "1", None), (None, "1.5", None), (None, "2", None)))

    assert [(tp.price, tp.r) for tp in result.take_profits] == [
        (D("1.0814"), D("1.00")),  # 1.0707 + 0.0107
        (D("1.0867"), D("1.50")),  # 1.0707 + 0.01605 = 1.08675, down; 0.016 / 0.0107 = 1.495
        (D("1.0921"), D("2.00")),  # 1.0707 + 0.0214
    ]


def test_r_multiple_take_profits_for_a_short() -> None:
    result = plan(
        side=Side.SELL,
        stop_loss=D("1.0800"),
        take_profits=tps((None, "1", None), (None, "2.5", None)),
    )

    assert [(tp.price, tp.r) for tp in result.take_profits] == [
        (D("1.0614"), D("1.00")),  # 1.0707 - 0.0093
        (D("1.0475"), D("2.49")),  # 1.0707 - 0.02325 = 1.04745, up; 0.0232 / 0.0093 = 2.494
    ]


@pytest.mark.parametrize(
    ("shares", "expected_shares", "amounts"),
    [
        # explicit shares; the last takes what remains: 9345.7 * 0.3 = 2803.71 -> 2803.7
        (["30", "30", None], ["30", "30", "40"], ["2803.7", "2803.7", "3738.3"]),
        # the last takes the rest even when it names a share: 9345.7 * 0.2 = 1869.14
        (["20", "30"], ["20", "80"], ["1869.1", "7476.6"]),
        # unspecified rungs split what the others leave: (100 - 50) / 2 = 25 each
        # 9345.7 * 0.5 = 4672.85 -> 4672.8; * 0.25 = 2336.425 -> 2336.4; rest 2336.5
        (["50", None, None], ["50", "25", "25"], ["4672.8", "2336.4", "2336.5"]),
        # a single rung closes everything
        ([None], ["100"], ["9345.7"]),
    ],
)
def test_shares_and_amounts_of_the_ladder(shares, expected_shares, amounts) -> None:
    prices = ["1.09", "1.11", "1.13"]
    ladder = tps(*((prices[i], None, share) for i, share in enumerate(shares)))

    result = plan(take_profits=ladder)

    assert list(result.shares) == [D(s) for s in expected_shares]
    assert [str(tp.amount) for tp in result.take_profits] == amounts
    assert sum(tp.amount for tp in result.take_profits) == result.amount


def test_unspecified_shares_split_evenly_and_still_sum_exactly() -> None:
    ladder = tps(("1.09", None, None), ("1.11", None, None), ("1.13", None, None))

    result = plan(take_profits=ladder)

    # 100 / 3 each; 9345.7 / 3 = 3115.233..., floored twice, the last takes 3115.3
    assert [str(tp.amount) for tp in result.take_profits] == ["3115.2", "3115.2", "3115.3"]
    assert sum(result.shares) == 100
    assert result.shares[0] == result.shares[1]
    assert sum(tp.amount for tp in result.take_profits) == result.amount


# --- limit entries and contract sizes -----------------------------------------------------


@pytest.mark.parametrize(
    ("side", "stop", "price", "entry"),
    [
        (Side.BUY, "1.06", "1.07079", "1.0707"),  # a buy limit rounds down: never pay more
        (Side.SELL, "1.08", "1.07071", "1.0708"),  # a sell limit rounds up
    ],
)
def test_limit_entry_is_rounded_on_the_safe_side(side, stop, price, entry) -> None:
    result = plan(side=side, stop_loss=D(stop), order_type=OrderType.LIMIT, price=D(price))

    assert (result.order_type, result.entry_price) == (OrderType.LIMIT, D(entry))


def test_limit_entry_sizes_on_its_own_price_not_the_last_price() -> None:
    result = plan(order_type=OrderType.LIMIT, price=D("1.0650"))

    assert result.amount == D("20000.0")  # 100 / (1.0650 - 1.0600) = 20000


@pytest.mark.parametrize(
    ("fields", "contracts"),
    [
        ({}, "10"),  # 1 % of 10,000 / ((50000 - 49000) * 0.01) = 100 / 10
        ({"qty": D("0.25")}, "25"),  # 0.25 BTC / 0.01
        ({"notional": D(2500)}, "5"),  # 2500 / (50000 * 0.01)
    ],
)
def test_contract_size_converts_base_currency_to_contracts(fields, contracts) -> None:
    result = plan(BTC_CONTRACTS, last="50000", stop_loss=D(49000), **fields)

    assert result.amount == D(contracts)
    assert result.base_amount == D(contracts) * D("0.01")


def test_contract_size_plan_money_and_ladder() -> None:
    ladder = tps(("51000", None, "30"), ("52000", None, "30"), ("53000", None, None))

    result = plan(BTC_CONTRACTS, last="50000", stop_loss=D(49000), take_profits=ladder)

    assert result.notional == D(5000)  # 10 contracts * 0.01 BTC * 50000
    assert result.risk_amount == D(100)  # 0.1 BTC * 1000
    assert result.risk_pct == D(1)
    assert [tp.amount for tp in result.take_profits] == [D(3), D(3), D(4)]  # 3.0 floored


def test_contract_size_minimum_is_named_in_contracts() -> None:
    message = refusal(market=BTC_CONTRACTS, last="50000", stop_loss=D(49000), qty=D("0.005"))

    assert "size 0 contracts is under the market minimum of 1 contracts" in message


# --- serialisation ------------------------------------------------------------------------


def test_trade_plan_json_round_trip_is_exact() -> None:
    ladder = tps(("1.09", None, None), (None, "2", None), ("1.13", None, None))
    original = plan(take_profits=ladder, order_type=OrderType.LIMIT, price=D("1.07050"))

    text = original.to_json()
    again = TradePlan.from_json(text)

    assert again == original
    assert again.to_json() == text  # not just equal: the same digits
    raw = json.loads(text)
    assert raw["amount"] == str(original.amount) and raw["entry_price"] == "1.0705"
    assert raw["take_profits"][0]["share_pct"] == str(original.shares[0])
    assert isinstance(again.side, Side) and isinstance(again.order_type, OrderType)
