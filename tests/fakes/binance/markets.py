"""Reference data of the fake Binance USD-M futures exchange.

Three perpetual contracts with filters close to the real ones (tick, step, minimum
notional) and their leverage brackets with Binance's bracket maths (maintenance margin,
maximum position, liquidation price); the payloads of ``GET /fapi/v1/exchangeInfo`` and
``GET /fapi/v1/leverageBracket``. Error codes are in :mod:`.errors`, candles in
:mod:`tests.fakes.shared.klines`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..shared.decimals import decimal_places
from .errors import fail

__all__ = [
    "DEFAULT_LEVERAGE",
    "MARKETS",
    "Bracket",
    "MarketSpec",
    "exchange_info",
    "leverage_brackets",
]

DEFAULT_LEVERAGE = 20
"""Binance opens every symbol at 20x until the account changes it."""


@dataclass(frozen=True)
class Bracket:
    """One notional tier: up to ``cap`` USDT of position at ``max_leverage``, with its MMR."""

    number: int
    max_leverage: int
    floor: Decimal
    cap: Decimal
    maint_margin_ratio: Decimal
    cum: Decimal


@dataclass(frozen=True)
class MarketSpec:
    """Filters and defaults of one perpetual contract."""

    symbol: str
    base: str
    tick_size: Decimal
    min_price: Decimal
    max_price: Decimal
    step_size: Decimal
    min_qty: Decimal
    max_qty: Decimal
    market_max_qty: Decimal
    min_notional: Decimal
    price_precision: int
    quantity_precision: int
    default_price: Decimal
    brackets: tuple[Bracket, ...]
    onboard_date: int
    multiplier_up: Decimal = Decimal("1.0500")
    multiplier_down: Decimal = Decimal("0.9500")
    max_num_orders: int = 200
    max_num_algo_orders: int = 10

    @property
    def max_leverage(self) -> int:
        """The leverage of the first (smallest) bracket."""
        return self.brackets[0].max_leverage

    def bracket_for(self, notional: Decimal) -> Bracket:
        """The bracket a position of ``notional`` USDT (absolute) falls in."""
        for bracket in self.brackets:
            if notional < bracket.cap:
                return bracket
        return self.brackets[-1]

    def check_qty(self, qty: Decimal, *, market_order: bool) -> None:
        """LOT_SIZE (or MARKET_LOT_SIZE) filter, with Binance's error for each failure."""
        if qty <= 0:
            raise fail(-4003)
        if decimal_places(qty) > self.quantity_precision:
            raise fail(-1111)
        if qty % self.step_size:
            raise fail(-4023)
        if qty < self.min_qty:
            raise fail(-4004)
        if qty > (self.market_max_qty if market_order else self.max_qty):
            raise fail(-4005)

    def check_price(self, price: Decimal) -> None:
        """PRICE_FILTER, with Binance's error for each failure."""
        if price <= 0:
            raise fail(-4001)
        if decimal_places(price) > self.price_precision:
            raise fail(-1111)
        if price % self.tick_size:
            raise fail(-4014)
        if price < self.min_price:
            raise fail(-4013)
        if price > self.max_price:
            raise fail(-4002)

    def maint_margin(self, notional: Decimal) -> Decimal:
        """Maintenance margin of a position of ``notional`` USDT (absolute)."""
        if not notional:
            return Decimal(0)
        bracket = self.bracket_for(notional)
        return notional * bracket.maint_margin_ratio - bracket.cum

    def liquidation_price(
        self, size: Decimal, entry: Decimal, mark: Decimal, cushion: Decimal
    ) -> Decimal:
        """Binance's one-way cross-margin liquidation price, 0 when flat or unreachable.

        ``cushion`` is the wallet balance minus the other positions' maintenance margin plus
        their unrealized PnL.
        """
        if not size:
            return Decimal(0)
        side, qty = (1 if size > 0 else -1), abs(size)
        bracket = self.bracket_for(qty * mark)
        price = (cushion + bracket.cum - side * qty * entry) / (
            qty * bracket.maint_margin_ratio - side * qty
        )
        return max(price, Decimal(0))

    def max_notional(self, leverage: int) -> Decimal:
        """The largest position notional allowed at ``leverage``."""
        cap = Decimal(0)
        for bracket in self.brackets:
            if bracket.max_leverage >= leverage:
                cap = bracket.cap
        return cap


def _brackets(rows: list[tuple[int, str, str]]) -> tuple[Bracket, ...]:
    """Build brackets from (max leverage, cap, mmr) rows, deriving floors and cum like Binance."""
    out: list[Bracket] = []
    floor = Decimal(0)
    cum = Decimal(0)
    prev_mmr = Decimal(0)
    for number, (leverage, cap, mmr) in enumerate(rows, start=1):
        ratio = Decimal(mmr)
        cum += floor * (ratio - prev_mmr)
        out.append(Bracket(number, leverage, floor, Decimal(cap), ratio, cum))
        floor, prev_mmr = Decimal(cap), ratio
    return tuple(out)


MARKETS: dict[str, MarketSpec] = {
    "BTCUSDT": MarketSpec(
        symbol="BTCUSDT",
        base="BTC",
        tick_size=Decimal("0.10"),
        min_price=Decimal("556.80"),
        max_price=Decimal("4529764"),
        step_size=Decimal("0.001"),
        min_qty=Decimal("0.001"),
        max_qty=Decimal("1000"),
        market_max_qty=Decimal("120"),
        min_notional=Decimal("100"),
        price_precision=2,
        quantity_precision=3,
        default_price=Decimal("60000.0"),
        brackets=_brackets(
            [
                (125, "50000", "0.004"),
                (100, "600000", "0.005"),
                (75, "3000000", "0.0065"),
                (50, "12000000", "0.01"),
                (25, "70000000", "0.02"),
                (10, "100000000", "0.025"),
            ]
        ),
        onboard_date=1569398400000,
    ),
    "ETHUSDT": MarketSpec(
        symbol="ETHUSDT",
        base="ETH",
        tick_size=Decimal("0.01"),
        min_price=Decimal("39.86"),
        max_price=Decimal("306177"),
        step_size=Decimal("0.001"),
        min_qty=Decimal("0.001"),
        max_qty=Decimal("10000"),
        market_max_qty=Decimal("2000"),
        min_notional=Decimal("20"),
        price_precision=2,
        quantity_precision=3,
        default_price=Decimal("3000.00"),
        brackets=_brackets(
            [
                (125, "50000", "0.004"),
                (100, "500000", "0.005"),
                (75, "1000000", "0.0065"),
                (50, "5000000", "0.01"),
                (25, "50000000", "0.02"),
                (10, "100000000", "0.025"),
            ]
        ),
        onboard_date=1569398400000,
    ),
    "XRPUSDT": MarketSpec(
        symbol="XRPUSDT",
        base="XRP",
        tick_size=Decimal("0.0001"),
        min_price=Decimal("0.0143"),
        max_price=Decimal("100000"),
        step_size=Decimal("0.1"),
        min_qty=Decimal("0.1"),
        max_qty=Decimal("10000000"),
        market_max_qty=Decimal("2000000"),
        min_notional=Decimal("5"),
        price_precision=4,
        quantity_precision=1,
        default_price=Decimal("0.5000"),
        brackets=_brackets(
            [
                (75, "10000", "0.005"),
                (50, "50000", "0.0065"),
                (25, "250000", "0.01"),
                (20, "1000000", "0.02"),
                (10, "5000000", "0.05"),
                (5, "20000000", "0.1"),
            ]
        ),
        onboard_date=1578441600000,
    ),
}

_ORDER_TYPES = [
    "LIMIT",
    "MARKET",
    "STOP",
    "STOP_MARKET",
    "TAKE_PROFIT",
    "TAKE_PROFIT_MARKET",
    "TRAILING_STOP_MARKET",
]


def _symbol_info(m: MarketSpec) -> dict[str, Any]:
    """One entry of exchangeInfo ``symbols``, shaped like Binance's."""
    return {
        "symbol": m.symbol,
        "pair": m.symbol,
        "contractType": "PERPETUAL",
        "deliveryDate": 4133404800000,
        "onboardDate": m.onboard_date,
        "status": "TRADING",
        "maintMarginPercent": "2.5000",
        "requiredMarginPercent": "5.0000",
        "baseAsset": m.base,
        "quoteAsset": "USDT",
        "marginAsset": "USDT",
        "pricePrecision": m.price_precision,
        "quantityPrecision": m.quantity_precision,
        "baseAssetPrecision": 8,
        "quotePrecision": 8,
        "underlyingType": "COIN",
        "underlyingSubType": [],
        "triggerProtect": "0.0500",
        "liquidationFee": "0.012500",
        "marketTakeBound": "0.05",
        "maxMoveOrderLimit": 10000,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": str(m.min_price),
                "maxPrice": str(m.max_price),
                "tickSize": str(m.tick_size),
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": str(m.min_qty),
                "maxQty": str(m.max_qty),
                "stepSize": str(m.step_size),
            },
            {
                "filterType": "MARKET_LOT_SIZE",
                "minQty": str(m.min_qty),
                "maxQty": str(m.market_max_qty),
                "stepSize": str(m.step_size),
            },
            {"filterType": "MAX_NUM_ORDERS", "limit": m.max_num_orders},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": m.max_num_algo_orders},
            {"filterType": "MIN_NOTIONAL", "notional": str(m.min_notional)},
            {
                "filterType": "PERCENT_PRICE",
                "multiplierUp": str(m.multiplier_up),
                "multiplierDown": str(m.multiplier_down),
                "multiplierDecimal": "4",
            },
        ],
        "orderTypes": list(_ORDER_TYPES),
        "timeInForce": ["GTC", "IOC", "FOK", "GTX", "GTD"],
        "permissionSets": ["GRID", "COPY"],
    }


def exchange_info(server_time: int) -> dict[str, Any]:
    """The body of ``GET /fapi/v1/exchangeInfo``."""
    return {
        "timezone": "UTC",
        "serverTime": server_time,
        "futuresType": "U_MARGINED",
        "rateLimits": [
            {
                "rateLimitType": "REQUEST_WEIGHT",
                "interval": "MINUTE",
                "intervalNum": 1,
                "limit": 2400,
            },
            {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 300},
        ],
        "exchangeFilters": [],
        "assets": [{"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "-10000"}],
        "symbols": [_symbol_info(m) for m in MARKETS.values()],
    }


def leverage_brackets(symbol: str | None = None) -> list[dict[str, Any]] | dict[str, Any]:
    """The body of ``GET /fapi/v1/leverageBracket`` (one object when a symbol is asked)."""

    def entry(m: MarketSpec) -> dict[str, Any]:
        return {
            "symbol": m.symbol,
            "brackets": [
                {
                    "bracket": b.number,
                    "initialLeverage": b.max_leverage,
                    "notionalCap": int(b.cap),
                    "notionalFloor": int(b.floor),
                    "maintMarginRatio": float(b.maint_margin_ratio),
                    "cum": float(b.cum),
                }
                for b in m.brackets
            ],
        }

    if symbol is not None:
        return entry(MARKETS[symbol])
    return [entry(m) for m in MARKETS.values()]
