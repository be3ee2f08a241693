"""TradingView tickers to unified symbols, preferring the linear perpetual."""

from __future__ import annotations

from decimal import Decimal

import pytest

from trading.errors import PlanError, UnknownSymbol
from trading.markets import Market
from trading.symbols import resolve_symbol, symbol_choices


def market(symbol: str, market_id: str, **fields) -> Market:
    base, rest = symbol.split("/")
    quote, _, settle = rest.partition(":")
    values = {
        "symbol": symbol,
        "id": market_id,
        "base": base,
        "quote": quote,
        "settle": settle or None,
        "amount_step": Decimal("0.001"),
        "price_step": Decimal("0.1"),
        "swap": bool(settle),
        "linear": settle in ("", quote),
    }
    values.update(fields)
    return Market(**values)


MARKETS = {
    m.symbol: m
    for m in [
        market("BTC/USDT", "BTCUSDT"),  # spot, same id as the perpetual
        market("BTC/USDT:USDT", "BTCUSDT"),  # linear perpetual
        market("BTC/USD:BTC", "BTCUSD_PERP"),  # inverse perpetual
        market("WBTC/USDT:USDT", "WBTCUSDT"),
        market("ETH/USDT:USDT", "ETHUSDT"),
        market("SOL/USDT", "SOLUSDT"),  # spot only
        market("LUNA/USDT", "LUNAUSDT"),  # spot, active
        market("LUNA/USDT:USDT", "LUNAUSDT", active=False),  # delisted perpetual
        market("OLD/USDT:USDT", "OLDUSDT", active=False),
    ]
}


@pytest.mark.parametrize(
    ("ticker", "symbol"),
    [
        ("BTCUSDT", "BTC/USDT:USDT"),
        ("BTCUSDT.P", "BTC/USDT:USDT"),
        ("BINANCE:BTCUSDTPERP", "BTC/USDT:USDT"),
        ("BINANCE:BTCUSDT.P", "BTC/USDT:USDT"),
        ("BTCUSDT.PERP", "BTC/USDT:USDT"),
        ("BTCUSDT-PERP", "BTC/USDT:USDT"),
        ("BTCUSDT_PERP", "BTC/USDT:USDT"),
        ("BTC/USDT:USDT", "BTC/USDT:USDT"),
        ("btcusdt", "BTC/USDT:USDT"),
        ("btcusdt.p", "BTC/USDT:USDT"),
        ("bybit:btcusdt.p", "BTC/USDT:USDT"),
        ("btc/usdt:usdt", "BTC/USDT:USDT"),
        ("  ETHUSDT.P ", "ETH/USDT:USDT"),
        ("BTC/USDT", "BTC/USDT"),  # a unified symbol is taken as written, even spot
        ("BTCUSD_PERP", "BTC/USD:BTC"),  # Binance COIN-M naming
    ],
)
def test_tickers_resolve_to_the_unified_symbol(ticker, symbol) -> None:
    assert resolve_symbol(ticker, MARKETS).symbol == symbol


def test_the_linear_perpetual_wins_over_spot_with_the_same_name() -> None:
    spot_first = {"BTC/USDT": MARKETS["BTC/USDT"], "BTC/USDT:USDT": MARKETS["BTC/USDT:USDT"]}
    swap_first = dict(reversed(spot_first.items()))

    assert resolve_symbol("BTCUSDT", spot_first).symbol == "BTC/USDT:USDT"
    assert resolve_symbol("BTCUSDT", swap_first).symbol == "BTC/USDT:USDT"


@pytest.mark.parametrize(
    ("ticker", "symbol", "why"),
    [
        ("SOLUSDT.P", "SOL/USDT", "spot when there is no perpetual"),
        ("LUNAUSDT", "LUNA/USDT", "an active spot market before a delisted perpetual"),
        ("OLDUSDT", "OLD/USDT:USDT", "an inactive market when it is the only one"),
    ],
)
def test_fallbacks_when_the_perpetual_is_missing_or_inactive(ticker, symbol, why) -> None:
    assert resolve_symbol(ticker, MARKETS).symbol == symbol, why


def test_base_and_quote_match_when_the_id_differs() -> None:
    markets = {"XBT/USDT:USDT": market("XBT/USDT:USDT", "XBTUSDTM")}

    assert resolve_symbol("XBTUSDT.P", markets).symbol == "XBT/USDT:USDT"


@pytest.mark.parametrize("ticker", ["BTCPERP", "BYBIT:BTCPERP", "btcperp"])
def test_an_exchange_id_that_ends_in_perp_is_matched_as_written(ticker) -> None:
    usdc = {"BTC/USDC:USDC": market("BTC/USDC:USDC", "BTCPERP"), **MARKETS}  # Bybit's naming

    assert resolve_symbol(ticker, usdc).symbol == "BTC/USDC:USDC"


@pytest.mark.parametrize("ticker", ["DOGEUSDT", "BINANCE:DOGEUSDT.P", "doge"])
def test_unknown_ticker_raises_naming_it_and_the_exchange(ticker) -> None:
    with pytest.raises(UnknownSymbol) as caught:
        resolve_symbol(ticker, MARKETS, "binanceusdm")

    assert repr(ticker.strip()) in str(caught.value)
    assert "on binanceusdm" in str(caught.value)
    assert isinstance(caught.value, PlanError)  # refused like any plan problem


def test_choices_rank_perpetuals_first_then_prefix_matches() -> None:
    found = symbol_choices(MARKETS, "btc")

    assert found == [
        "BTC/USDT:USDT",  # linear perpetual starting with BTC
        "WBTC/USDT:USDT",  # linear perpetual containing BTC
        "BTC/USDT",  # spot
        "BTC/USD:BTC",  # inverse, settled in BTC
    ]


def test_choices_normalise_what_was_typed_and_leave_inactive_markets_out() -> None:
    assert symbol_choices(MARKETS, "BINANCE:ETHUSDT.P") == ["ETH/USDT:USDT"]
    assert "OLD/USDT:USDT" not in symbol_choices(MARKETS, "old")
    assert "LUNA/USDT:USDT" not in symbol_choices(MARKETS, "")


def test_choices_with_nothing_typed_list_active_markets_up_to_the_limit() -> None:
    everything = symbol_choices(MARKETS, "  ")
    first_three = symbol_choices(MARKETS, "", limit=3)

    assert len(everything) == 7  # 9 markets, 2 inactive
    assert first_three == everything[:3]
    assert first_three == ["BTC/USDT:USDT", "ETH/USDT:USDT", "WBTC/USDT:USDT"]
