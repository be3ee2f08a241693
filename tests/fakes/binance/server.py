"""aiohttp front of the fake Binance USD-M futures exchange.

Serves the REST paths that real ``ccxt.async_support.binanceusdm`` calls, checks the API
key, timestamp and HMAC-SHA256 signature like Binance, answers with Binance's JSON shapes
(numbers as fixed-point strings) and injects faults: HTML error pages, hangs before or
after acting, lost answers, scripted Binance rejections. ``FakeBinanceFutures`` (the
package) mounts :meth:`BinanceServer.handle` on its loopback listeners.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from .engine import ZERO, AlgoOrder, Engine, Order, OrderRequest, Trade
from .markets import (
    INTERVALS_MS,
    MARKETS,
    BinanceError,
    KlineStore,
    exchange_info,
    fail,
    leverage_brackets,
)

__all__ = ["FAULT_KINDS", "BinanceServer", "Fault"]

FAULT_KINDS = ("http_500", "http_503", "timeout_before", "timeout_after", "lost_response")
_PAGES = {  # fault kind -> the gateway page answered
    "http_500": (500, "Internal Server Error"),
    "http_503": (503, "Service Unavailable"),
    "timeout_before": (504, "Gateway Timeout"),
    "lost_response": (502, "Bad Gateway"),
}
_CANCEL_ALL_DONE = {"code": 200, "msg": "The operation of cancel all open order is done."}

Params = dict[str, str]
Handler = Callable[[Params], Any]


def _now() -> int:
    return int(time.time() * 1000)


def _fmt(value: Decimal, places: int) -> str:
    """Fixed-point string with ``places`` decimals, the way Binance prints numbers."""
    return f"{value.quantize(Decimal(1).scaleb(-places)):f}"


def _px(symbol: str, value: Decimal) -> str:
    return _fmt(value, MARKETS[symbol].price_precision)


def _qty(symbol: str, value: Decimal) -> str:
    return _fmt(value, MARKETS[symbol].quantity_precision)


def _f8(value: Decimal) -> str:
    return _fmt(value, 8)


# --------------------------------------------------------------------- params
def _dec(p: Params, name: str) -> Decimal | None:
    if not p.get(name):
        return None
    try:
        value = Decimal(p[name])
    except InvalidOperation:
        raise fail(-1100, name) from None
    if not value.is_finite():
        raise fail(-1100, name)
    return value


def _int(p: Params, name: str) -> int | None:
    if not p.get(name):
        return None
    try:
        return int(p[name])
    except ValueError:
        raise fail(-1100, name) from None


def _bool(p: Params, name: str) -> bool | None:
    if name not in p:
        return None
    if p[name].lower() not in ("true", "false"):
        raise fail(-1130, name)
    return p[name].lower() == "true"


def _required(p: Params, name: str) -> str:
    if not p.get(name):
        raise fail(-1102, name)
    return p[name]


def _window(rows: list[Any], p: Params, id_param: str, id_of: str, time_of: str) -> list[Any]:
    """Binance history paging: from an id or start time forward, else the latest ``limit``."""
    from_id, start, end = _int(p, id_param), _int(p, "startTime"), _int(p, "endTime")
    rows = [
        r
        for r in rows
        if (from_id is None or getattr(r, id_of) >= from_id)
        and (start is None or getattr(r, time_of) >= start)
        and (end is None or getattr(r, time_of) <= end)
    ]
    limit = min(_int(p, "limit") or 500, 1000)
    return rows[:limit] if from_id is not None or start is not None else rows[-limit:]


# ---------------------------------------------------------------- JSON shapes
def order_json(o: Order, *, placed: bool = False) -> dict[str, Any]:
    """A regular order as GET /fapi/v1/order answers it (``placed``: as POST/DELETE do)."""
    s = o.symbol
    data: dict[str, Any] = {
        "orderId": o.order_id,
        "symbol": s,
        "status": o.status,
        "clientOrderId": o.client_order_id,
        "price": _px(s, o.price) if o.price else "0",
        "avgPrice": _f8(o.avg_price),
        "origQty": _qty(s, o.quantity),
        "executedQty": _qty(s, o.executed_qty),
        "cumQuote": _f8(o.cum_quote),
        "timeInForce": o.time_in_force,
        "type": o.type,
        "reduceOnly": o.reduce_only,
        "closePosition": o.close_position,
        "side": o.side,
        "positionSide": "BOTH",
        "stopPrice": "0",
        "workingType": "CONTRACT_PRICE",
        "priceProtect": False,
        "origType": o.type,
        "priceMatch": "NONE",
        "selfTradePreventionMode": "EXPIRE_MAKER",
        "goodTillDate": 0,
        "updateTime": o.update_time,
    }
    if placed:
        data["cumQty"] = data["executedQty"]
    else:
        data["time"] = o.time
    return data


def algo_json(a: AlgoOrder, *, placed: bool = False) -> dict[str, Any]:
    """A conditional order as GET /fapi/v1/algoOrder answers it (``placed``: as POST does)."""
    s = a.symbol
    data: dict[str, Any] = {
        "algoId": a.algo_id,
        "clientAlgoId": a.client_algo_id,
        "algoType": "CONDITIONAL",
        "orderType": a.order_type,
        "symbol": s,
        "side": a.side,
        "positionSide": "BOTH",
        "timeInForce": a.time_in_force,
        "quantity": _qty(s, a.quantity),
        "algoStatus": a.status,
        "triggerPrice": _px(s, a.trigger_price),
        "price": _px(s, a.price),
        "icebergQuantity": None,
        "selfTradePreventionMode": "EXPIRE_MAKER",
        "workingType": a.working_type,
        "priceMatch": "NONE",
        "closePosition": a.close_position,
        "priceProtect": False,
        "reduceOnly": a.reduce_only,
        "createTime": a.create_time,
        "updateTime": a.update_time,
        "triggerTime": a.trigger_time,
        "goodTillDate": 0,
    }
    if not placed:
        data["actualOrderId"] = "" if a.actual_order_id is None else str(a.actual_order_id)
        data["actualPrice"] = _px(s, a.actual_price)
        data.update(
            dict.fromkeys(("tpTriggerPrice", "tpPrice", "slTriggerPrice", "slPrice"), _px(s, ZERO))
        )
        data["tpOrderType"] = ""
    return data


def trade_json(t: Trade) -> dict[str, Any]:
    """A fill as GET /fapi/v1/userTrades answers it."""
    return {
        "buyer": t.side == "BUY",
        "commission": _f8(t.commission),
        "commissionAsset": "USDT",
        "id": t.trade_id,
        "maker": t.maker,
        "orderId": t.order_id,
        "price": _px(t.symbol, t.price),
        "qty": _qty(t.symbol, t.qty),
        "quoteQty": _f8(t.quote_qty),
        "realizedPnl": _f8(t.realized_pnl),
        "side": t.side,
        "positionSide": "BOTH",
        "symbol": t.symbol,
        "time": t.time,
    }


def _error(exc: BinanceError) -> web.Response:
    return web.json_response({"code": exc.code, "msg": exc.msg}, status=exc.status)


def _html(status: int, reason: str) -> web.Response:
    """The HTML page a gateway sends: no JSON, so ccxt decides by the HTTP status alone."""
    body = (
        f"<html><head><title>{status} {reason}</title></head><body><h1>{reason}</h1></body></html>"
    )
    return web.Response(status=status, text=body, content_type="text/html")


@dataclass
class Fault:
    """A scripted failure for the next ``times`` requests matching method and path."""

    method: str
    path: str
    kind: str
    times: int
    code: int = 0
    msg: str = ""
    status: int = 400

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and self.path in ("*", path)


class BinanceServer:
    """The HTTP side: routing, authentication, JSON shapes, fault injection, request log."""

    max_hang_seconds: float = 30.0
    """Upper bound of a timeout fault's hang; it normally ends when the client gives up."""

    def __init__(self, engine: Engine, klines: KlineStore, api_key: str, api_secret: str) -> None:
        self.engine, self.klines = engine, klines
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.latency_s = 0.0  # added to every answer, to stand for a real network
        self.faults: list[Fault] = []
        self._api_key, self._api_secret = api_key, api_secret
        self.closing = asyncio.Event()  # set on shutdown: hanging requests return at once
        self._routes = self._route_table()

    # ------------------------------------------------------------- dispatching
    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The aiohttp handler of every path: log, apply a scripted fault, else answer."""
        if self.latency_s:  # a far-away exchange: every answer takes this long
            await asyncio.sleep(self.latency_s)
        raw_query = request.rel_url.raw_query_string
        body = await request.text() if request.body_exists else ""
        params = dict(parse_qsl(raw_query, keep_blank_values=True))
        params.update(parse_qsl(body, keep_blank_values=True))
        method, path = request.method, request.path
        self.requests.append((method, path, {k: v for k, v in params.items() if k != "signature"}))
        fault = self._take_fault(method, path)
        if fault is not None and fault.kind == "reject":
            return _error(BinanceError(fault.code, fault.msg, fault.status))
        kind = fault.kind if fault is not None else None
        if kind in ("http_500", "http_503"):  # nothing done
            return _html(*_PAGES[kind])
        if kind == "timeout_before":  # nothing done, the client gives up first
            await self._hang(request)
            return _html(*_PAGES[kind])
        response = self._answer(method, path, request, raw_query, body, params)
        if kind == "timeout_after":  # done, but the client gives up first
            await self._hang(request)
        return _html(*_PAGES[kind]) if kind == "lost_response" else response

    def _take_fault(self, method: str, path: str) -> Fault | None:
        fault = next((f for f in self.faults if f.matches(method, path)), None)
        if fault is not None:
            fault.times -= 1
            if fault.times <= 0:
                self.faults.remove(fault)
        return fault

    async def _hang(self, request: web.Request) -> None:
        """Wait until the client drops the connection, the fake closes, or the cap passes."""
        deadline = time.monotonic() + self.max_hang_seconds
        while not self.closing.is_set() and time.monotonic() < deadline:
            transport = request.transport
            if transport is None or transport.is_closing():
                return
            await asyncio.sleep(0.005)

    def _answer(
        self, method: str, path: str, request: web.Request, raw_query: str, body: str, p: Params
    ) -> web.Response:
        try:
            route = self._routes.get((method, path))
            if route is None:
                raise fail(-1020, f"fake binance does not serve {method} {path}", status=404)
            handler, signed = route
            if signed:
                self._authenticate(request.headers.get("X-MBX-APIKEY"), raw_query, body, p)
            return web.json_response(handler(p))
        except BinanceError as exc:
            return _error(exc)
        except Exception as exc:  # a bug of the fake: loud on the ccxt side, not a 500 page
            return _error(fail(-1000, f"fake binance bug: {exc!r}", status=500))

    def _authenticate(self, key: str | None, raw_query: str, body: str, p: Params) -> None:
        """Binance's SIGNED checks: API key header, timestamp window, HMAC-SHA256 signature."""
        if not key:
            raise fail(-2014, status=401)
        if key != self._api_key:
            raise fail(-2015, status=401)
        timestamp = _int(p, "timestamp")
        if timestamp is None:
            raise fail(-1102, "timestamp")
        recv_window = _int(p, "recvWindow") or 5000
        if recv_window > 60000:
            raise fail(-1131)
        if timestamp > _now() + 1000 or _now() - timestamp > recv_window:
            raise fail(-1021)

        def unsigned(raw: str) -> str:
            return "&".join(x for x in raw.split("&") if x and not x.startswith("signature="))

        payload = (unsigned(raw_query) + unsigned(body)).encode()
        expected = hmac.new(self._api_secret.encode(), payload, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(p.get("signature", ""), expected):
            raise fail(-1022)

    def _route_table(self) -> dict[tuple[str, str], tuple[Handler, bool]]:
        e = self.engine
        public: dict[tuple[str, str], Handler] = {
            ("GET", "/fapi/v1/ping"): lambda p: {},
            ("GET", "/fapi/v1/time"): lambda p: {"serverTime": _now()},
            ("GET", "/fapi/v1/exchangeInfo"): lambda p: exchange_info(_now()),
            ("GET", "/fapi/v1/klines"): self._klines,
            ("GET", "/fapi/v1/ticker/24hr"): lambda p: self._per_symbol(p, self._ticker),
            ("GET", "/fapi/v1/ticker/price"): lambda p: self._per_symbol(p, self._price),
            ("GET", "/fapi/v2/ticker/price"): lambda p: self._per_symbol(p, self._price),
            ("GET", "/fapi/v1/premiumIndex"): lambda p: self._per_symbol(p, self._premium),
        }
        signed: dict[tuple[str, str], Handler] = {
            ("GET", "/fapi/v2/account"): lambda p: self._account(v3=False),
            ("GET", "/fapi/v3/account"): lambda p: self._account(v3=True),
            ("GET", "/fapi/v2/balance"): self._balance,
            ("GET", "/fapi/v3/balance"): self._balance,
            ("GET", "/fapi/v2/positionRisk"): lambda p: self._position_risk(p, v3=False),
            ("GET", "/fapi/v3/positionRisk"): lambda p: self._position_risk(p, v3=True),
            ("GET", "/fapi/v1/leverageBracket"): lambda p: leverage_brackets(
                e.market(p["symbol"]).symbol if "symbol" in p else None
            ),
            ("POST", "/fapi/v1/leverage"): self._set_leverage,
            ("GET", "/fapi/v1/positionSide/dual"): lambda p: {"dualSidePosition": False},
            ("POST", "/fapi/v1/order"): self._new_order,
            ("GET", "/fapi/v1/order"): lambda p: order_json(self._find_order(p)),
            ("GET", "/fapi/v1/openOrder"): self._query_open_order,
            ("DELETE", "/fapi/v1/order"): lambda p: order_json(
                e.cancel_order(
                    _required(p, "symbol"), _int(p, "orderId"), p.get("origClientOrderId") or None
                ),
                placed=True,
            ),
            ("GET", "/fapi/v1/openOrders"): lambda p: [
                order_json(o) for o in e.open_orders(self._symbol_or_none(p))
            ],
            ("GET", "/fapi/v1/allOrders"): lambda p: [
                order_json(o)
                for o in _window(self._of_symbol(e.orders, p), p, "orderId", "order_id", "time")
            ],
            ("DELETE", "/fapi/v1/allOpenOrders"): lambda p: self._cancel_all(p, algo=False),
            ("POST", "/fapi/v1/algoOrder"): self._new_algo,
            ("GET", "/fapi/v1/algoOrder"): lambda p: algo_json(
                e.get_algo(_int(p, "algoId"), p.get("clientAlgoId") or None)
            ),
            ("DELETE", "/fapi/v1/algoOrder"): self._cancel_algo,
            ("GET", "/fapi/v1/openAlgoOrders"): lambda p: [
                algo_json(a) for a in e.open_algo_orders(self._symbol_or_none(p))
            ],
            ("GET", "/fapi/v1/allAlgoOrders"): lambda p: [
                algo_json(a)
                for a in _window(
                    self._of_symbol(e.algo_orders, p), p, "algoId", "algo_id", "create_time"
                )
            ],
            ("DELETE", "/fapi/v1/algoOpenOrders"): lambda p: self._cancel_all(p, algo=True),
            ("GET", "/fapi/v1/userTrades"): lambda p: [
                trade_json(t)
                for t in _window(self._of_symbol(e.trades, p), p, "fromId", "trade_id", "time")
            ],
        }
        table = {key: (handler, False) for key, handler in public.items()}
        table.update({key: (handler, True) for key, handler in signed.items()})
        return table

    def _symbol_or_none(self, p: Params) -> str | None:
        return self.engine.market(p["symbol"]).symbol if "symbol" in p else None

    def _of_symbol(self, rows: list[Any], p: Params) -> list[Any]:
        symbol = self.engine.market(_required(p, "symbol")).symbol
        return [r for r in rows if r.symbol == symbol]

    def _per_symbol(self, p: Params, one: Callable[[str], dict[str, Any]]) -> Any:
        """Binance's convention: one object for ``symbol=``, a list of all symbols without."""
        symbol = self._symbol_or_none(p)
        return one(symbol) if symbol is not None else [one(s) for s in MARKETS]

    # ------------------------------------------------------------ market data
    def _klines(self, p: Params) -> list[list[Any]]:
        m = self.engine.market(_required(p, "symbol"))
        interval = _required(p, "interval")
        if interval not in INTERVALS_MS:
            raise fail(-1120)
        start, end = _int(p, "startTime"), _int(p, "endTime")
        if start is not None and end is not None and start > end:
            raise fail(-1023)
        limit = min(_int(p, "limit") or 500, 1500)
        step = INTERVALS_MS[interval]
        return [
            [
                t,
                str(o),
                str(h),
                str(lo),
                str(c),
                str(v),
                t + step - 1,
                _fmt(v * c, m.price_precision),
                0,
                "0",
                "0",
                "0",
            ]
            for t, o, h, lo, c, v in self.klines.get(m.symbol, interval, start, end, limit)
        ]

    def _ticker(self, symbol: str) -> dict[str, Any]:
        e = self.engine
        trades = [t for t in e.trades if t.symbol == symbol]
        volume = sum((t.qty for t in trades), ZERO)
        quote = sum((t.quote_qty for t in trades), ZERO)
        last, first = e.last_price[symbol], e.open_price[symbol]
        return {
            "symbol": symbol,
            "priceChange": _px(symbol, last - first),
            "priceChangePercent": _fmt((last - first) / first * 100, 3),
            "weightedAvgPrice": _px(symbol, quote / volume if volume else last),
            "lastPrice": _px(symbol, last),
            "lastQty": _qty(symbol, trades[-1].qty if trades else ZERO),
            "openPrice": _px(symbol, first),
            "highPrice": _px(symbol, e.high_price[symbol]),
            "lowPrice": _px(symbol, e.low_price[symbol]),
            "volume": _qty(symbol, volume),
            "quoteVolume": _f8(quote),
            "openTime": e.start_time,
            "closeTime": _now(),
            "firstId": trades[0].trade_id if trades else -1,
            "lastId": trades[-1].trade_id if trades else -1,
            "count": len(trades),
        }

    def _price(self, symbol: str) -> dict[str, Any]:
        return {
            "symbol": symbol,
            "price": _px(symbol, self.engine.last_price[symbol]),
            "time": _now(),
        }

    def _premium(self, symbol: str) -> dict[str, Any]:
        mark, now = _f8(self.engine.last_price[symbol]), _now()
        return {
            "symbol": symbol,
            "markPrice": mark,
            "indexPrice": mark,
            "estimatedSettlePrice": mark,
            "lastFundingRate": "0.00010000",
            "interestRate": "0.00010000",
            "nextFundingTime": (now // 28_800_000 + 1) * 28_800_000,
            "time": now,
        }

    # ---------------------------------------------------------------- account
    def _asset(self) -> dict[str, Any]:
        e = self.engine
        wallet, upnl, available = e.wallet_balance, e.total_unrealized(), e.available_balance()
        position_im = sum((e.position_margin(s) for s in MARKETS), ZERO)
        order_im = sum((e.open_order_margin(s) for s in MARKETS), ZERO)
        return {
            "asset": "USDT",
            "walletBalance": _f8(wallet),
            "unrealizedProfit": _f8(upnl),
            "marginBalance": _f8(wallet + upnl),
            "maintMargin": _f8(sum((e.maint_margin(s) for s in MARKETS), ZERO)),
            "initialMargin": _f8(position_im + order_im),
            "positionInitialMargin": _f8(position_im),
            "openOrderInitialMargin": _f8(order_im),
            "crossWalletBalance": _f8(wallet),
            "crossUnPnl": _f8(upnl),
            "availableBalance": _f8(available),
            "maxWithdrawAmount": _f8(max(ZERO, min(wallet, available))),
            "updateTime": e.balance_update_time,
        }

    def _position(self, symbol: str, *, v3: bool) -> dict[str, Any]:
        e = self.engine
        pos, mark = e.positions[symbol], e.last_price[symbol]
        data: dict[str, Any] = {
            "symbol": symbol,
            "positionSide": "BOTH",
            "positionAmt": _qty(symbol, pos.size),
            "entryPrice": _f8(pos.entry_price),
            "breakEvenPrice": _f8(pos.entry_price),
            "markPrice": _f8(mark),
            "unRealizedProfit": _f8(e.unrealized_pnl(symbol)),
            "liquidationPrice": _f8(e.liquidation_price(symbol)),
            "isolatedMargin": "0",
            "notional": _f8(pos.size * mark),
            "isolatedWallet": "0",
            "updateTime": pos.update_time,
        }
        if v3:  # v3 dropped leverage and marginType, added the margins
            data.update(
                marginAsset="USDT",
                maintMargin=_f8(e.maint_margin(symbol)),
                initialMargin=_f8(e.position_margin(symbol) + e.open_order_margin(symbol)),
                positionInitialMargin=_f8(e.position_margin(symbol)),
                openOrderInitialMargin=_f8(e.open_order_margin(symbol)),
                adl=0,
                bidNotional="0",
                askNotional="0",
            )
        else:
            lev = e.leverage[symbol]
            data.update(
                leverage=str(lev),
                maxNotionalValue=str(MARKETS[symbol].max_notional(lev)),
                marginType="cross",
                isAutoAddMargin="false",
            )
        return data

    def _account(self, *, v3: bool) -> dict[str, Any]:
        a = self._asset()
        keys = (
            "initialMargin",
            "maintMargin",
            "walletBalance",
            "unrealizedProfit",
            "marginBalance",
            "positionInitialMargin",
            "openOrderInitialMargin",
            "crossWalletBalance",
            "crossUnPnl",
        )
        totals: dict[str, Any] = {"total" + k[0].upper() + k[1:]: a[k] for k in keys}
        totals.update(
            availableBalance=a["availableBalance"], maxWithdrawAmount=a["maxWithdrawAmount"]
        )
        if not v3:
            totals.update(feeTier=0, canTrade=True, canDeposit=True, canWithdraw=True, updateTime=0)
        positions = self._position_risk({}, v3=v3)
        return {**totals, "assets": [a], "positions": positions}

    def _balance(self, p: Params) -> list[dict[str, Any]]:
        a = self._asset()
        keys = (
            "crossWalletBalance",
            "crossUnPnl",
            "availableBalance",
            "maxWithdrawAmount",
            "updateTime",
        )
        return [
            {
                "accountAlias": "FakeBinance",
                "asset": "USDT",
                "balance": a["walletBalance"],
                **{k: a[k] for k in keys},
                "marginAvailable": True,
            }
        ]

    def _position_risk(self, p: Params, *, v3: bool) -> list[dict[str, Any]]:
        """v3 lists only symbols with a position or open orders; v2 lists every symbol."""
        e = self.engine
        symbols = [e.market(p["symbol"]).symbol] if "symbol" in p else list(MARKETS)
        if v3:
            symbols = [s for s in symbols if e.positions[s].size or e.open_orders(s)]
        return [self._position(s, v3=v3) for s in symbols]

    def _set_leverage(self, p: Params) -> dict[str, Any]:
        symbol = _required(p, "symbol")
        leverage = _int(p, "leverage")
        if leverage is None:
            raise fail(-1102, "leverage")
        cap = self.engine.set_leverage(symbol, leverage)
        return {"leverage": leverage, "maxNotionalValue": str(cap), "symbol": symbol}

    # ----------------------------------------------------------------- orders
    @staticmethod
    def _order_request(p: Params, client_key: str) -> OrderRequest:
        if p.get("positionSide", "BOTH") != "BOTH":
            raise fail(-4061)
        return OrderRequest(
            symbol=_required(p, "symbol"),
            side=_required(p, "side"),
            type=_required(p, "type"),
            quantity=_dec(p, "quantity"),
            price=_dec(p, "price"),
            trigger_price=_dec(p, "triggerPrice"),
            time_in_force=p.get("timeInForce"),
            reduce_only=_bool(p, "reduceOnly"),
            close_position=bool(_bool(p, "closePosition")),
            client_id=p.get(client_key) or None,
            working_type=p.get("workingType"),
            algo_type=p.get("algoType"),
        )

    def _new_order(self, p: Params) -> dict[str, Any]:
        order = self.engine.new_order(self._order_request(p, "newClientOrderId"))
        data = order_json(order, placed=True)
        if p.get("newOrderRespType", "ACK") == "ACK":  # ACK answers as accepted, before matching
            zero_qty = _qty(order.symbol, ZERO)
            data.update(status="NEW", executedQty=zero_qty, cumQty=zero_qty, cumQuote=_f8(ZERO))
            data["avgPrice"] = _f8(ZERO)
        return data

    def _find_order(self, p: Params) -> Order:
        return self.engine.get_order(
            _required(p, "symbol"), _int(p, "orderId"), p.get("origClientOrderId") or None
        )

    def _query_open_order(self, p: Params) -> dict[str, Any]:
        order = self._find_order(p)
        if not order.is_open:
            raise fail(-2013)
        return order_json(order)

    def _cancel_all(self, p: Params, *, algo: bool) -> dict[str, Any]:
        self.engine.cancel_all(_required(p, "symbol"), algo=algo)
        return _CANCEL_ALL_DONE

    def _new_algo(self, p: Params) -> dict[str, Any]:
        if p.get("type") == "TRAILING_STOP_MARKET":
            raise BinanceError(
                -1116, "Invalid orderType. (the fake does not simulate trailing stops)"
            )
        _required(p, "algoType")
        algo = self.engine.new_algo_order(self._order_request(p, "clientAlgoId"))
        return algo_json(algo, placed=True)

    def _cancel_algo(self, p: Params) -> dict[str, Any]:
        algo = self.engine.cancel_algo(_int(p, "algoId"), p.get("clientAlgoId") or None)
        return {
            "algoId": algo.algo_id,
            "clientAlgoId": algo.client_algo_id,
            "code": "200",
            "msg": "success",
        }
