"""What our orders become in real ccxt requests (no network), and ccxt's errors in ours.

ccxt 4.5.90: ``bybit.create_order_request`` turns ``stopLossPrice``/``takeProfitPrice`` into a
conditional order with ``triggerPrice`` and ``triggerDirection`` (1 rising, 2 falling);
``binance.create_order`` sends any conditional swap order to the algo API, building it with
``create_order_request(..., {'isAlgoOrder': True})``.
"""

from __future__ import annotations

from decimal import Decimal

import ccxt
import pytest

from trading.alerts import Side
from trading.errors import (
    AmbiguousOrderError,
    ExchangeAuthError,
    ExchangeError,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    RateLimited,
    TemporaryExchangeError,
)
from trading.exchange.base import OrderRequest
from trading.exchange.errors import translate
from trading.exchange.flavours import (
    BinanceUsdmFlavour,
    BybitFlavour,
    CcxtFlavour,
    flavour_for,
)
from trading.orders import OrderKind

D = Decimal
SYMBOL = "XRP/USDT:USDT"
CLIENT_ID = "gl-01hx5v3k9q2m4n7p-stop-1"
ORDER_TYPES = [
    "LIMIT",
    "MARKET",
    "STOP",
    "STOP_MARKET",
    "TAKE_PROFIT",
    "TAKE_PROFIT_MARKET",
    "TRAILING_STOP_MARKET",
]


def xrp_market(**info) -> dict:
    """A ccxt market structure of the XRP/USDT linear perpetual."""
    return {
        "id": "XRPUSDT",
        "symbol": SYMBOL,
        "base": "XRP",
        "quote": "USDT",
        "settle": "USDT",
        "baseId": "XRP",
        "quoteId": "USDT",
        "settleId": "USDT",
        "type": "swap",
        "spot": False,
        "margin": False,
        "swap": True,
        "future": False,
        "option": False,
        "contract": True,
        "linear": True,
        "inverse": False,
        "contractSize": 1.0,
        "active": True,
        "precision": {"amount": 0.1, "price": 0.0001},
        "limits": {"amount": {"min": 0.1}, "price": {}, "cost": {"min": 5}},
        "info": info,
    }


@pytest.fixture
def bybit():
    client = ccxt.bybit()
    client.set_markets([xrp_market()])
    return client


@pytest.fixture
def binance():
    client = ccxt.binanceusdm()
    client.set_markets([xrp_market(orderTypes=ORDER_TYPES)])
    return client


def request(side: Side, kind: OrderKind, **fields) -> OrderRequest:
    values = {"amount": D("5000.0"), "client_id": CLIENT_ID, "reduce_only": True}
    values.update(fields)
    return OrderRequest(symbol=SYMBOL, side=side, kind=kind, **values)


def bybit_request(client, order: OrderRequest) -> dict:
    order_type, price, params = BybitFlavour().create_args(order)
    return client.create_order_request(
        SYMBOL, order_type, order.side.value, float(order.amount), price, params
    )


def binance_request(client, order: OrderRequest) -> dict:
    order_type, price, params = BinanceUsdmFlavour().create_args(order)
    algo = client.is_conditional_order(params)  # what binance.create_order decides
    return client.create_order_request(
        SYMBOL,
        order_type,
        order.side.value,
        float(order.amount),
        price,
        {**params, "isAlgoOrder": algo},
    )


# --- bybit --------------------------------------------------------------------------------

PROTECTION = [
    # trade, order side, kind, trigger, direction the price must move: 1 rising, 2 falling
    ("long stop", Side.SELL, OrderKind.STOP_MARKET, "0.9800", 2),
    ("long take-profit", Side.SELL, OrderKind.TAKE_PROFIT_MARKET, "1.0200", 1),
    ("short stop", Side.BUY, OrderKind.STOP_MARKET, "1.0200", 1),
    ("short take-profit", Side.BUY, OrderKind.TAKE_PROFIT_MARKET, "0.9800", 2),
]


@pytest.mark.parametrize(("trade", "side", "kind", "trigger", "direction"), PROTECTION)
def test_bybit_protective_orders_are_reduce_only_conditional_market_orders(
    bybit, trade, side, kind, trigger, direction
) -> None:
    sent = bybit_request(bybit, request(side, kind, trigger_price=D(trigger)))

    assert sent["triggerPrice"] == str(D(trigger).normalize()), trade
    assert sent["triggerDirection"] == direction, trade
    assert sent["reduceOnly"] is True
    assert sent["orderLinkId"] == CLIENT_ID
    assert (sent["orderType"], sent["side"], sent["qty"]) == ("Market", side.value.title(), "5000")
    assert sent["category"] == "linear"
    assert "stopLossPrice" not in sent and "takeProfitPrice" not in sent


def test_bybit_limit_entry(bybit) -> None:
    entry = request(Side.BUY, OrderKind.LIMIT, price=D("1.0650"), reduce_only=False)

    sent = bybit_request(bybit, entry)

    assert (sent["orderType"], sent["price"], sent["timeInForce"]) == ("Limit", "1.065", "GTC")
    assert sent["orderLinkId"] == CLIENT_ID
    assert "reduceOnly" not in sent and "triggerPrice" not in sent


def test_bybit_reduce_only_market_close(bybit) -> None:
    sent = bybit_request(bybit, request(Side.SELL, OrderKind.MARKET))

    assert (sent["orderType"], sent["reduceOnly"], sent["orderLinkId"]) == (
        "Market",
        True,
        CLIENT_ID,
    )
    assert "triggerPrice" not in sent


def test_bybit_addresses_trigger_orders_and_client_ids_its_own_way() -> None:
    flavour = flavour_for("bybit")

    assert isinstance(flavour, BybitFlavour)
    assert flavour.order_params(OrderKind.STOP_MARKET) == {"acknowledged": True, "trigger": True}
    assert flavour.order_params(OrderKind.MARKET) == {"acknowledged": True}
    assert flavour.client_lookup_params("x", OrderKind.TAKE_PROFIT_MARKET) == {
        "acknowledged": True,
        "trigger": True,
        "orderLinkId": "x",
    }


# --- binance USD-M ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "kind", "trigger", "binance_type"),
    [
        (Side.SELL, OrderKind.STOP_MARKET, "0.9800", "STOP_MARKET"),
        (Side.SELL, OrderKind.TAKE_PROFIT_MARKET, "1.0200", "TAKE_PROFIT_MARKET"),
        (Side.BUY, OrderKind.STOP_MARKET, "1.0200", "STOP_MARKET"),
        (Side.BUY, OrderKind.TAKE_PROFIT_MARKET, "0.9800", "TAKE_PROFIT_MARKET"),
    ],
)
def test_binance_protective_orders_are_reduce_only_algo_orders(
    binance, side, kind, trigger, binance_type
) -> None:
    sent = binance_request(binance, request(side, kind, trigger_price=D(trigger)))

    assert sent["type"] == binance_type
    assert sent["triggerPrice"] == str(D(trigger).normalize())
    assert sent["reduceOnly"] is True
    assert sent["clientAlgoId"] == CLIENT_ID
    assert (sent["side"], sent["quantity"], sent["symbol"]) == (
        side.value.upper(),
        "5000",
        "XRPUSDT",
    )
    assert "newClientOrderId" not in sent and "stopPrice" not in sent


def test_binance_limit_entry_is_a_regular_order(binance) -> None:
    entry = request(Side.BUY, OrderKind.LIMIT, price=D("1.0650"), reduce_only=False)

    sent = binance_request(binance, entry)

    assert (sent["type"], sent["price"], sent["timeInForce"]) == ("LIMIT", "1.065", "GTC")
    assert sent["newClientOrderId"] == CLIENT_ID
    assert "clientAlgoId" not in sent and "reduceOnly" not in sent


def test_binance_market_entry_and_close(binance) -> None:
    entry = binance_request(binance, request(Side.BUY, OrderKind.MARKET, reduce_only=False))
    close = binance_request(binance, request(Side.SELL, OrderKind.MARKET))

    assert (entry["type"], entry["newClientOrderId"]) == ("MARKET", CLIENT_ID)
    assert "reduceOnly" not in entry
    assert (close["type"], close["reduceOnly"]) == ("MARKET", True)


def test_binance_trigger_orders_live_in_their_own_book() -> None:
    flavour = flavour_for("binanceusdm")

    assert isinstance(flavour, BinanceUsdmFlavour) and flavour.separate_trigger_book
    assert flavour.order_params(OrderKind.STOP_MARKET) == {"trigger": True}
    assert flavour.order_params(OrderKind.LIMIT) == {}
    assert flavour.client_lookup_params("x", OrderKind.STOP_MARKET) == {
        "trigger": True,
        "clientOrderId": "x",
    }


@pytest.mark.parametrize(
    ("info", "fill_id"),
    [
        ({"actualOrderId": 123456}, "123456"),
        ({"actualOrderId": "0"}, None),
        ({"actualOrderId": ""}, None),
        ({}, None),
    ],
)
def test_binance_fired_algo_orders_name_their_fill_order(info, fill_id) -> None:
    assert BinanceUsdmFlavour().fill_order_id(info) == fill_id


def test_other_exchanges_get_the_unified_api() -> None:
    flavour = flavour_for("okx")

    assert type(flavour) is CcxtFlavour and not flavour.separate_trigger_book
    assert flavour.order_params(OrderKind.STOP_MARKET) == {}
    stop = request(Side.SELL, OrderKind.STOP_MARKET, trigger_price=D("0.9800"))
    assert flavour.create_args(stop) == (
        "market",
        None,
        {"clientOrderId": CLIENT_ID, "reduceOnly": True, "stopLossPrice": "0.98"},
    )


# --- ccxt errors --------------------------------------------------------------------------

BINANCE_SAID = 'binanceusdm {"code":-2019,"msg":"Margin is insufficient."}'


@pytest.mark.parametrize(
    ("raised", "placing", "expected", "words"),
    [
        (
            ccxt.InsufficientFunds(BINANCE_SAID),
            False,
            InsufficientFunds,
            "Binance says the margin is insufficient: Margin is insufficient.",
        ),
        (
            ccxt.OrderNotFound("binanceusdm Order does not exist."),
            False,
            OrderNotFound,
            "Binance does not know the order: Order does not exist.",
        ),
        (
            ccxt.InvalidOrder('bybit {"retCode":10001,"retMsg":"qty invalid"}'),
            True,
            InvalidOrder,
            "Binance refused the order: qty invalid",
        ),
        (ccxt.BadSymbol("no XRP/USDC"), False, InvalidOrder, "refused the order"),
        (ccxt.BadRequest("bad"), True, InvalidOrder, "refused the order"),
        (ccxt.AuthenticationError("Invalid API-key"), False, ExchangeAuthError, "API key"),
        (ccxt.PermissionDenied("no futures"), False, ExchangeAuthError, "API key"),
        (ccxt.AccountSuspended("suspended"), False, ExchangeAuthError, "API key"),
        (ccxt.RateLimitExceeded("429"), False, RateLimited, "slow down"),
        (ccxt.RateLimitExceeded("429"), True, RateLimited, "slow down"),  # refused: not ambiguous
        (ccxt.DDoSProtection("418"), False, RateLimited, "slow down"),
        (ccxt.RequestTimeout("timed out"), False, ExchangeUnavailable, "not answering"),
        (ccxt.ExchangeNotAvailable("503"), False, ExchangeUnavailable, "(ExchangeNotAvailable)"),
        (ccxt.OnMaintenance("maintenance"), False, ExchangeUnavailable, "not answering"),
        (ccxt.NetworkError("reset"), False, ExchangeUnavailable, "not answering"),
        (
            ccxt.RequestTimeout("timed out"),
            True,
            AmbiguousOrderError,
            "did not confirm the order (RequestTimeout)",
        ),
        (ccxt.ExchangeNotAvailable("503"), True, AmbiguousOrderError, "did not confirm"),
        (ccxt.NetworkError("reset"), True, AmbiguousOrderError, "did not confirm"),
        (ccxt.NotSupported("binanceusdm no"), False, ExchangeError, "Binance error: no"),
        (ccxt.ExchangeError("binanceusdm odd"), False, ExchangeError, "Binance error: odd"),
    ],
)
def test_translate_maps_each_ccxt_error(raised, placing, expected, words) -> None:
    translated = translate(raised, "Binance", placing=placing)

    assert type(translated) is expected
    assert words in str(translated)


def test_only_temporary_failures_may_be_retried() -> None:
    temporary = [ccxt.RateLimitExceeded("x"), ccxt.RequestTimeout("x"), ccxt.NetworkError("x")]
    final = [ccxt.InsufficientFunds("x"), ccxt.InvalidOrder("x"), ccxt.AuthenticationError("x")]

    assert all(isinstance(translate(e, "B"), TemporaryExchangeError) for e in temporary)
    assert not any(isinstance(translate(e, "B"), TemporaryExchangeError) for e in final)
