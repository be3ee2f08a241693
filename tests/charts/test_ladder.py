"""R multiples and shares a take-profit label shows when the spec does not give them."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from charts.ladder import r_multiple, tp_shares
from charts.levels import chart_levels
from charts.spec import ChartSpec, TakeProfitLine

D = Decimal


def test_r_is_the_distance_to_the_entry_in_risks():
    assert r_multiple(D("1.13"), D("1.0707"), D("1.06")) == D("0.0593") / D("0.0107")
    assert r_multiple(D("1.09"), D("1.0707"), D("1.06")) == D("0.0193") / D("0.0107")
    assert r_multiple(D("0.96"), D("1.092"), D("1.10")) == D("16.5")  # a short's
    assert r_multiple(D("1.2"), D("1.1"), D("1.1")) is None  # no risk, no R


@pytest.mark.parametrize(
    ("given", "shares"),
    [
        ([D(30), None], [D(30), D(70)]),
        ([None, None], [D(50), D(50)]),
        ([None], [D(100)]),
        ([D(40), D(30), D(30)], [D(40), D(30), D(30)]),
        ([D(20), None, None, D(20)], [D(20), D(30), D(30), D(20)]),
        # The last takes what remains, as the trading plan does (trading/plan.py _shares).
        ([D(30), D(50)], [D(30), D(70)]),
        ([D(100), None], [D(100), D(0)]),
        ([], []),
    ],
)
def test_shares_follow_the_trading_plans_rule(given, shares):
    assert tp_shares(given) == shares


def test_thirds_add_up_to_exactly_100():
    shares = tp_shares([None, None, None])
    assert sum(shares) == 100
    assert shares[0] == shares[1] == D(100) / 3


def test_the_cli_example_labels():
    # python -m charts render ... --entry 1.0707 --stop 1.06 --tp 1.09:30% --tp 1.13
    spec = ChartSpec(
        "XRPUSDT-PERP",
        "5m",
        "buy",
        D("1.0707"),
        D("1.06"),
        (TakeProfitLine(D("1.09"), share_pct=D(30)), TakeProfitLine(D("1.13"))),
        price_tick=D("0.0001"),
    )
    assert [level.label for level in chart_levels(spec)][2:] == [
        "TP1 1.0900 (1.8R) 30%",
        "TP2 1.1300 (5.54R) 70%",
    ]


def test_given_values_win_and_a_share_of_nothing_is_left_out(long_spec):
    spec = replace(
        long_spec,
        take_profits=(
            TakeProfitLine(D("1.1000"), r=D("9"), share_pct=D(100)),
            TakeProfitLine(D("1.1050")),
        ),
    )
    assert [level.label for level in chart_levels(spec)][2:] == [
        "TP1 1.1000 (9.0R) 100%",
        "TP2 1.1050 (1.43R)",
    ]
