"""parse_alert beyond the HTTP tests: message kinds, legacy form, absent values, types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from trading.alert_parser import AlertRules, parse_alert
from trading.alerts import AlertKind, OrderType, Side, TakeProfitSpec
from trading.errors import AlertError

D = Decimal
NAN = float("nan")


def payload(**fields) -> dict:
    """A canonical entry; a field set to ``...`` is left out."""
    values = {
        "ticker": "XRPUSDT.P",
        "action": "buy",
        "message": "entry",
        "price": 1.0707,
        "stop_loss": 1.06,
    }
    values.update(fields)
    return {k: v for k, v in values.items() if v is not ...}


def field_of_error(body: dict, rules: AlertRules | None = None) -> str:
    with pytest.raises(AlertError) as caught:
        parse_alert(body, rules)
    assert caught.value.message
    return caught.value.field


# --- message kinds ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "kind", "tp_index"),
    [
        ("entry", AlertKind.ENTRY, None),
        (" Entry ", AlertKind.ENTRY, None),
        ("", AlertKind.ENTRY, None),
        (..., AlertKind.ENTRY, None),
        ("exit", AlertKind.EXIT, None),
        ("EXIT", AlertKind.EXIT, None),
        ("tp1", AlertKind.TAKE_PROFIT, 1),
        ("TP2", AlertKind.TAKE_PROFIT, 2),
        ("tp 3", AlertKind.TAKE_PROFIT, 3),
        ("tp10", AlertKind.TAKE_PROFIT, 10),
        ("breakeven", AlertKind.BREAKEVEN, None),
        ("move_to_breakeven", AlertKind.BREAKEVEN, None),
        ("SL Breakeven", AlertKind.BREAKEVEN, None),
        ("cancel", AlertKind.CANCEL, None),
    ],
)
def test_every_message_kind(message, kind, tp_index) -> None:
    alert = parse_alert(payload(message=message))

    assert (alert.kind, alert.tp_index) == (kind, tp_index)


@pytest.mark.parametrize("message", ["tp0", "tp", "moon", "take profit", "tp123", 5, ["exit"]])
def test_unknown_messages_are_refused_naming_the_message(message) -> None:
    assert field_of_error(payload(message=message)) == "message"


@pytest.mark.parametrize("message", ["exit", "tp2", "breakeven", "cancel"])
def test_acting_alerts_need_neither_side_nor_stop(message) -> None:
    alert = parse_alert(payload(message=message, action=..., stop_loss=...))

    assert alert.side is None and alert.stop_loss is None
    assert not alert.kind.needs_approval


@pytest.mark.parametrize("action", ["hold", "NaN", ...])
def test_an_acting_alerts_action_does_not_matter(action) -> None:
    assert parse_alert(payload(message="exit", action=action)).side is None


@pytest.mark.parametrize(
    ("action", "side"),
    [("buy", Side.BUY), ("LONG", Side.BUY), ("sell", Side.SELL), (" short ", Side.SELL)],
)
def test_entry_sides(action, side) -> None:
    assert parse_alert(payload(action=action)).side is side


# --- the legacy form ----------------------------------------------------------------------

LEGACY = {
    "ticker": "BINANCE:XRPUSDTPERP",
    "message": "entry",
    "price": 1.0707,
    "long SL": 1.05,
    "long TP": 1.20,
    "short SL": 1.10,
    "short TP": 1.00,
    "tp Close": 30,
    "tp2 Mult": 2,  # out of order on purpose: rungs follow the number
    "tp1 Mult": 1,
    "subaccount": "Testing",
}


@pytest.mark.parametrize(
    ("action", "stop", "final"),
    [("buy", D("1.05"), D("1.2")), ("sell", D("1.1"), D("1.0"))],
)
def test_legacy_long_and_short_pick_their_own_levels(action, stop, final) -> None:
    alert = parse_alert({**LEGACY, "action": action})

    assert alert.stop_loss == stop
    assert alert.take_profits == (
        TakeProfitSpec(r=D(1), close_pct=D(30)),  # tp Close at each intermediate rung
        TakeProfitSpec(r=D(2), close_pct=D(30)),
        TakeProfitSpec(price=final),  # the final absolute TP takes the rest
    )
    assert alert.subaccount == "Testing"


def test_legacy_without_a_final_tp_lets_the_last_multiple_take_the_rest() -> None:
    alert = parse_alert({**LEGACY, "action": "buy", "long TP": "NaN"})

    assert alert.take_profits == (
        TakeProfitSpec(r=D(1), close_pct=D(30)),
        TakeProfitSpec(r=D(2)),
    )


def test_legacy_without_tp_close_splits_evenly_later() -> None:
    alert = parse_alert({**LEGACY, "action": "buy", "tp Close": "NaN"})

    assert [tp.close_pct for tp in alert.take_profits] == [None, None, None]


def test_canonical_fields_win_over_legacy_ones() -> None:
    canonical = [{"price": 1.3, "close_pct": 50}, {"price": 1.4}]

    alert = parse_alert({**LEGACY, "action": "buy", "stop_loss": 1.04, "take_profits": canonical})

    assert alert.stop_loss == D("1.04")
    assert [tp.price for tp in alert.take_profits] == [D("1.3"), D("1.4")]


def test_legacy_shares_over_100_are_refused() -> None:
    body = {**LEGACY, "action": "buy", "tp Close": 40, "tp3 Mult": 3}  # 3 * 40 = 120 %

    assert field_of_error(body) == "take_profits"


def test_legacy_nan_stop_of_the_side_means_no_stop() -> None:
    body = {**LEGACY, "action": "buy", "long SL": "NaN"}

    assert field_of_error(body) == "stop_loss"
    assert parse_alert(body, AlertRules(default_stop_pct=D(1))).stop_loss is None


# --- absent values and numbers as text ----------------------------------------------------


@pytest.mark.parametrize("absent", [NAN, "NaN", "nan", "", "  ", "null", "None", "N/A", None])
def test_nan_and_empty_values_count_as_absent(absent) -> None:
    alert = parse_alert(
        payload(price=absent, qty=absent, leverage=absent, time=absent, take_profits=absent)
    )

    assert (alert.price, alert.qty, alert.leverage, alert.time) == (None, None, None, None)
    assert alert.take_profits == ()


def test_absent_stop_of_an_entry_is_refused_unless_a_default_is_set() -> None:
    assert field_of_error(payload(stop_loss=NAN)) == "stop_loss"
    assert parse_alert(payload(stop_loss=""), AlertRules(default_stop_pct=D(2))).stop_loss is None


def test_a_take_profit_rung_with_nothing_set_is_dropped() -> None:
    rungs = [{"price": 1.09, "close_pct": 50}, {"price": NAN, "r": "NaN"}, {"r": 3}]

    alert = parse_alert(payload(take_profits=rungs))

    assert alert.take_profits == (
        TakeProfitSpec(price=D("1.09"), close_pct=D(50)),
        TakeProfitSpec(r=D(3)),
    )


def test_numbers_may_come_as_text() -> None:
    alert = parse_alert(
        payload(
            price="1.0707",
            stop_loss=" 1.06 ",
            qty="250.5",
            leverage="5",
            take_profits=[{"price": "1.09", "close_pct": "50"}, {"r": "2"}],
        )
    )

    assert (alert.price, alert.stop_loss, alert.qty) == (D("1.0707"), D("1.06"), D("250.5"))
    assert alert.leverage == 5
    assert alert.take_profits == (
        TakeProfitSpec(price=D("1.09"), close_pct=D(50)),
        TakeProfitSpec(r=D(2)),
    )


def test_floats_keep_their_written_digits() -> None:
    alert = parse_alert(payload(price=0.1, stop_loss=0.09))

    assert (str(alert.price), str(alert.stop_loss)) == ("0.1", "0.09")  # not 0.1000000000000000055


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"stop_loss": "abc"}, "stop_loss"),
        ({"stop_loss": "inf"}, "stop_loss"),
        ({"stop_loss": float("inf")}, "stop_loss"),
        ({"stop_loss": 0}, "stop_loss"),
        ({"qty": True}, "qty"),
        ({"qty": -1}, "qty"),
        ({"risk_pct": 101}, "risk_pct"),
        ({"risk_pct": 1, "qty": 5}, "risk_pct"),
        ({"leverage": 2.5}, "leverage"),
        ({"leverage": 0}, "leverage"),
        ({"ticker": 42}, "ticker"),
        ({"ticker": "  "}, "ticker"),
        ({"ticker": "X" * 129}, "ticker"),
        ({"strategy": "Mean\u0000Reversion"}, "strategy"),  # PostgreSQL text cannot hold NUL
        ({"id": "a\nb"}, "id"),
        ({"take_profits": {"price": 1.1}}, "take_profits"),
        ({"take_profits": [{"price": 1.1, "r": 2}]}, "take_profits"),
        ({"take_profits": [{"r": 1}] * 11}, "take_profits"),
        ({"order_type": "stop"}, "order_type"),
    ],
)
def test_wrong_values_name_their_field(fields, field) -> None:
    assert field_of_error(payload(**fields)) == field


def test_the_id_may_be_a_number_and_becomes_text() -> None:
    assert parse_alert(payload(id=12345)).idempotency_key == "12345"


# --- time ---------------------------------------------------------------------------------

WHEN = datetime(2026, 11, 20, 10, 15, tzinfo=UTC)  # 1795169700 s since the epoch


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-20T10:15:00Z",
        "2026-11-20T10:15:00+00:00",
        "2026-11-20T12:15:00+02:00",
        "2026-11-20T10:15:00",  # no zone: UTC
        1795169700000,  # epoch milliseconds ({{timenow}} as a number)
        1795169700,  # epoch seconds
        1795169700000.0,
    ],
)
def test_time_as_iso_or_epoch(value) -> None:
    parsed = parse_alert(payload(time=value)).time

    assert parsed == WHEN
    assert parsed is not None and parsed.utcoffset() is not None


def test_time_keeps_its_offset() -> None:
    parsed = parse_alert(payload(time="2026-11-20T12:15:00+02:00")).time

    assert parsed is not None and parsed.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize("value", ["yesterday", "20/11/2026", True, [1], 10**20])
def test_unreadable_time_is_refused(value) -> None:
    assert field_of_error(payload(time=value)) == "time"


# --- order type ---------------------------------------------------------------------------


def test_a_limit_entry_needs_a_price() -> None:
    assert field_of_error(payload(order_type="limit", price=...)) == "price"
    assert field_of_error(payload(order_type="limit", price="NaN")) == "price"


@pytest.mark.parametrize(
    ("fields", "order_type"),
    [
        ({}, OrderType.MARKET),
        ({"order_type": "LIMIT"}, OrderType.LIMIT),
        ({"type": "limit"}, OrderType.LIMIT),  # the legacy name of the field
        ({"order_type": "NaN"}, OrderType.MARKET),
    ],
)
def test_order_type(fields, order_type) -> None:
    alert = parse_alert(payload(**fields))

    assert alert.order_type is order_type
    assert alert.price == D("1.0707")


def test_a_market_entry_does_not_need_a_price() -> None:
    assert parse_alert(payload(price=...)).price is None


def test_payload_must_be_an_object() -> None:
    assert field_of_error([payload()]) == "body"  # type: ignore[arg-type]


# --- alerts that reduce risk read only what they use ---------------------------------------


@pytest.mark.parametrize("message", ["exit", "tp2", "cancel", "long breakeven"])
def test_an_acting_alert_is_not_refused_for_the_levels_it_does_not_use(message) -> None:
    """The public Pine scripts render unused levels as 0 (or junk) on every alert."""
    body = {**LEGACY, "message": message, "action": "sell", "long SL": 0, "short TP": 0}
    body |= {"stop_loss": 0, "take_profits": "junk", "qty": -1, "leverage": 0, "price": 0}

    alert = parse_alert(body)

    assert (alert.ticker, alert.stop_loss, alert.take_profits) == ("BINANCE:XRPUSDTPERP", None, ())
    assert alert.subaccount == "Testing"


def test_an_acting_alert_still_needs_to_name_its_trade() -> None:
    assert field_of_error({"message": "exit"}) == "ticker"
    assert field_of_error({"message": "exit", "ticker": "XRPUSDT", "strategy": 7}) == "strategy"


@pytest.mark.parametrize(
    ("fields", "level"),
    [
        ({"action": "buy", "long Breakeven": 1.0718, "short Breakeven": 1.05}, D("1.0718")),
        ({"action": "sell", "long Breakeven": 1.0718, "short Breakeven": 1.05}, D("1.05")),
        ({"long Breakeven": 0, "short Breakeven": 1.05}, D("1.05")),
        ({"breakeven_price": 1.07}, D("1.07")),
        ({"long Breakeven": 0, "short Breakeven": 0}, None),
    ],
)
def test_a_breakeven_alert_may_give_its_own_level(fields, level) -> None:
    alert = parse_alert({"ticker": "XRPUSDT", "message": "breakeven", **fields})

    assert alert.breakeven_price == level


def test_legacy_levels_of_zero_are_absent_on_an_entry() -> None:
    alert = parse_alert({**LEGACY, "action": "buy", "long TP": 0, "tp Close": 0, "tp2 Mult": 0})

    assert alert.stop_loss == D("1.05")
    assert alert.take_profits == (TakeProfitSpec(r=D(1)),)  # the last multiple takes the rest


def test_a_canonical_entry_stop_of_zero_is_still_refused() -> None:
    assert field_of_error(payload(stop_loss=0)) == "stop_loss"
    assert field_of_error({**LEGACY, "action": "buy", "long SL": -1}) == "long SL"
