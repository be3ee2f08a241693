"""Numbers as traders read them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from bot.formatting import money, pct, price, qty, signed_money, timestamp

D = Decimal


def test_prices_and_sizes_follow_the_market_steps() -> None:
    assert price(D("1.07"), D("0.0001")) == "1.0700"
    assert price(D("64000.5"), D("0.1")) == "64,000.5"
    assert price(None) == "—"
    assert qty(D("9345.7"), D("0.1")) == "9,345.7"
    assert qty(D("3"), D("1")) == "3"


def test_money_and_percentages() -> None:
    assert money(D("1234.567"), "USDT") == "1,234.57 USDT"
    assert signed_money(D("12.3"), "USDT") == "+12.30 USDT"
    assert signed_money(D("-4.1"), "USDT") == "−4.10 USDT"
    assert signed_money(D("0")) == "0.00"
    assert pct(D("1.254")) == "1.25 %" and pct(D("30"), 0) == "30 %"


def test_discord_timestamps() -> None:
    moment = datetime(2021, 11, 17, 10, tzinfo=UTC)
    assert timestamp(moment) == "<t:1637143200:R>"
    assert timestamp(moment, "t") == "<t:1637143200:t>"
    assert timestamp(None) == "—"
