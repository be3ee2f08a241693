"""Reference data of the fake Bybit v5 exchange: linear USDT perpetuals of a unified account.

Three contracts with filters close to Bybit's own (tick, qty step, minimum order quantity,
minimum order value), the payloads that describe them (``/v5/market/instruments-info``,
``/v5/asset/coin/query-info``), Bybit's error codes with the messages Bybit answers them
with, and the kline intervals of ``/v5/market/kline``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..shared.decimals import decimal_places
from ..shared.errors import ExchangeRejection

__all__ = [
    "DEFAULT_LEVERAGE",
    "INTERVALS",
    "MARKETS",
    "BybitError",
    "MarketSpec",
    "api_key_info",
    "coin_rows",
    "fail",
    "instrument_info",
    "message",
    "scaled",
]

DEFAULT_LEVERAGE = 10
"""Leverage of a symbol the account never set (Bybit's default for linear perpetuals)."""

INTERVALS: dict[str, str] = {  # Bybit kline interval -> the KlineStore (ccxt-style) name
    "1": "1m",
    "3": "3m",
    "5": "5m",
    "15": "15m",
    "30": "30m",
    "60": "1h",
    "120": "2h",
    "240": "4h",
    "360": "6h",
    "720": "12h",
    "D": "1d",
    "W": "1w",
    "M": "1M",
}

_MESSAGES: dict[int, str] = {
    10001: "{}",
    10002: "invalid request, please check your server timestamp or recv_window param. "
    "req_timestamp[{}],server_timestamp[{}],recv_window[{}]",
    10003: "API key is invalid.",
    10004: "error sign! origin_string[{}]",
    10006: "Too many visits!",
    10017: "route not found",
    110001: "order not exists or too late to cancel",
    110003: "Order price is out of permissible range",
    110007: "ab not enough for new order",
    110017: "{}",
    110024: "You have an existing position, so position mode cannot be switched",
    110025: "Position mode is not modified",
    110028: "Open orders exist, so you cannot change position mode",
    110043: "leverage not modified",
    110072: "OrderLinkedID is duplicate",
    110092: "expect Rising, but trigger_price[{}] <= current[{}]??LastPrice",
    110093: "expect Falling, but trigger_price[{}] >= current[{}]??LastPrice",
    110094: "Order does not meet minimum order value {}USDT",
}


class BybitError(ExchangeRejection):
    """A refusal, answered in Bybit's envelope with ``retCode`` and ``retMsg`` (HTTP ``status``,
    200 as Bybit answers most of them).
    """

    default_status = 200


def fail(code: int, *args: object, status: int = 200) -> BybitError:
    """The error Bybit answers with ``code`` (its usual message, ``args`` filled in)."""
    return BybitError(code, _MESSAGES[code].format(*args), status)


def message(code: int) -> str:
    """Bybit's usual message for ``code`` (its placeholders left empty)."""
    return _MESSAGES.get(code, "error").format(*[""] * 3)


def scaled(price: Decimal) -> int:
    """A price as Bybit prints it in trigger errors: an integer in units of 1e-8."""
    return int(price * 100_000_000)


@dataclass(frozen=True)
class MarketSpec:
    """Filters, risk and defaults of one linear perpetual."""

    symbol: str
    base: str
    tick_size: Decimal
    min_price: Decimal
    max_price: Decimal
    qty_step: Decimal
    min_qty: Decimal
    max_qty: Decimal
    max_market_qty: Decimal
    min_notional: Decimal
    max_leverage: Decimal
    maint_margin_rate: Decimal
    risk_limit: Decimal
    default_price: Decimal
    launch_time: int
    price_band: Decimal = Decimal("0.10")  # a limit may cross the last price by this much

    @property
    def price_scale(self) -> int:
        """Decimals of a price (Bybit's ``priceScale``)."""
        return decimal_places(self.tick_size)

    def check_qty(self, qty: Decimal | None, *, market_order: bool) -> Decimal:
        """Bybit's quantity rules: positive, a multiple of the step, within the limits."""
        if qty is None or qty <= 0:
            raise fail(10001, "params error: Qty invalid")
        if qty % self.qty_step:
            raise fail(10001, "params error: Qty invalid")
        if qty < self.min_qty:
            raise fail(10001, "The number of contracts exceeds minimum limit allowed")
        if qty > (self.max_market_qty if market_order else self.max_qty):
            raise fail(10001, "The number of contracts exceeds maximum limit allowed")
        return qty

    def check_price(self, price: Decimal | None, name: str = "price") -> Decimal:
        """Bybit's price rules: within the filter, a multiple of the tick."""
        if price is None or price <= 0 or price % self.tick_size:
            raise fail(10001, f"params error: {name} invalid")
        if not self.min_price <= price <= self.max_price:
            raise fail(110003)
        return price


MARKETS: dict[str, MarketSpec] = {
    "BTCUSDT": MarketSpec(
        symbol="BTCUSDT",
        base="BTC",
        tick_size=Decimal("0.10"),
        min_price=Decimal("0.10"),
        max_price=Decimal("1999999.80"),
        qty_step=Decimal("0.001"),
        min_qty=Decimal("0.001"),
        max_qty=Decimal("1190.000"),
        max_market_qty=Decimal("119.000"),
        min_notional=Decimal("5"),
        max_leverage=Decimal("100"),
        maint_margin_rate=Decimal("0.005"),
        risk_limit=Decimal("2000000"),
        default_price=Decimal("60000.0"),
        launch_time=1584230400000,
    ),
    "ETHUSDT": MarketSpec(
        symbol="ETHUSDT",
        base="ETH",
        tick_size=Decimal("0.01"),
        min_price=Decimal("0.01"),
        max_price=Decimal("199999.98"),
        qty_step=Decimal("0.01"),
        min_qty=Decimal("0.01"),
        max_qty=Decimal("7240.00"),
        max_market_qty=Decimal("724.00"),
        min_notional=Decimal("5"),
        max_leverage=Decimal("100"),
        maint_margin_rate=Decimal("0.005"),
        risk_limit=Decimal("900000"),
        default_price=Decimal("3000.00"),
        launch_time=1615766400000,
    ),
    "XRPUSDT": MarketSpec(
        symbol="XRPUSDT",
        base="XRP",
        tick_size=Decimal("0.0001"),
        min_price=Decimal("0.0001"),
        max_price=Decimal("199.9998"),
        qty_step=Decimal("1"),
        min_qty=Decimal("1"),
        max_qty=Decimal("1250000"),
        max_market_qty=Decimal("250000"),
        min_notional=Decimal("5"),
        max_leverage=Decimal("75"),
        maint_margin_rate=Decimal("0.01"),
        risk_limit=Decimal("200000"),
        default_price=Decimal("0.5000"),
        launch_time=1615766400000,
    ),
}


def instrument_info(m: MarketSpec) -> dict[str, Any]:
    """One entry of ``/v5/market/instruments-info?category=linear``, shaped like Bybit's."""
    return {
        "symbol": m.symbol,
        "contractType": "LinearPerpetual",
        "status": "Trading",
        "baseCoin": m.base,
        "quoteCoin": "USDT",
        "launchTime": str(m.launch_time),
        "deliveryTime": "0",
        "deliveryFeeRate": "",
        "priceScale": str(m.price_scale),
        "leverageFilter": {
            "minLeverage": "1",
            "maxLeverage": f"{m.max_leverage:.2f}",
            "leverageStep": "0.01",
        },
        "priceFilter": {
            "minPrice": str(m.min_price),
            "maxPrice": str(m.max_price),
            "tickSize": str(m.tick_size),
        },
        "lotSizeFilter": {
            "maxOrderQty": str(m.max_qty),
            "minOrderQty": str(m.min_qty),
            "qtyStep": str(m.qty_step),
            "postOnlyMaxOrderQty": str(m.max_qty),
            "maxMktOrderQty": str(m.max_market_qty),
            "minNotionalValue": str(m.min_notional),
        },
        "unifiedMarginTrade": True,
        "fundingInterval": 480,
        "settleCoin": "USDT",
        "copyTrading": "both",
        "upperFundingRate": "0.005",
        "lowerFundingRate": "-0.005",
        "isPreListing": False,
        "preListingInfo": None,
        "riskParameters": {"priceLimitRatioX": "0.05", "priceLimitRatioY": "0.1"},
        "displayName": "",
    }


def coin_rows() -> list[dict[str, Any]]:
    """The ``rows`` of ``/v5/asset/coin/query-info`` for the coins the markets use."""
    names = {"USDT": "Tether USDT", "BTC": "Bitcoin", "ETH": "Ether", "XRP": "XRP"}
    return [
        {
            "name": name,
            "coin": coin,
            "remainAmount": "1500000",
            "chains": [
                {
                    "chainType": coin,
                    "confirmation": "12",
                    "withdrawFee": "1",
                    "depositMin": "0",
                    "withdrawMin": "2",
                    "chain": coin,
                    "chainDeposit": "1",
                    "chainWithdraw": "1",
                    "minAccuracy": "8",
                    "withdrawPercentageFee": "0",
                    "contractAddress": "",
                }
            ],
        }
        for coin, name in names.items()
    ]


def api_key_info(api_key: str) -> dict[str, Any]:
    """The ``result`` of ``/v5/user/query-api``: a master key of a UTA account (``uta`` 1)."""
    return {
        "id": "13770661",
        "note": "greenlight fake",
        "apiKey": api_key,
        "readOnly": 0,
        "secret": "",
        "permissions": {
            "ContractTrade": ["Order", "Position"],
            "Spot": [],
            "Wallet": ["AccountTransfer"],
            "Options": [],
            "Derivatives": [],
            "CopyTrading": [],
            "BlockTrade": [],
            "Exchange": [],
            "NFT": [],
            "Affiliate": [],
        },
        "ips": ["*"],
        "type": 1,
        "deadlineDay": 83,
        "expiredAt": "2030-01-01T00:00:00Z",
        "createdAt": "2024-01-01T00:00:00Z",
        "unified": 0,
        "uta": 1,
        "userID": 24600000,
        "inviterID": 0,
        "vipLevel": "No VIP",
        "mktMakerLevel": "0",
        "affiliateID": 0,
        "rsaPublicKey": "",
        "isMaster": True,
        "parentUid": "0",
        "kycLevel": "LEVEL_1",
        "kycRegion": "",
    }
