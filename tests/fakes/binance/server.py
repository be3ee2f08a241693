"""aiohttp front of the fake Binance USD-M futures exchange.

Serves the REST paths that real ``ccxt.async_support.binanceusdm`` calls, checks the API
key, timestamp and HMAC-SHA256 signature like Binance (the API key alone for the
``listenKey`` paths, as USER_STREAM endpoints), answers with Binance's JSON shapes
(:mod:`.shapes`) and applies the scripted faults of :mod:`.faults`. ``FakeBinanceFutures``
(the package) mounts :meth:`BinanceServer.handle` on its loopback listeners, next to the
user-data websocket of :mod:`.stream`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from ..shared.klines import KlineStore
from ..shared.rest_faults import gateway_page, hang
from . import shapes
from .engine import Engine
from .errors import BinanceError, fail
from .faults import PAGES, FaultBook
from .market_data import klines_json, premium_json, price_json, ticker_json
from .markets import MARKETS, exchange_info
from .markets import leverage_brackets as brackets_json
from .models import Order, OrderRequest
from .params import Params, boolean, dec, integer, now_ms, required, window
from .stream import UserDataStream

__all__ = ["BinanceServer"]

_DONE = {"code": 200, "msg": "success"}
_CANCEL_ALL_DONE = {"code": 200, "msg": "The operation of cancel all open order is done."}

Handler = Callable[[Params], Any]


def _error(exc: BinanceError) -> web.Response:
    return web.json_response({"code": exc.code, "msg": exc.msg}, status=exc.status)


class BinanceServer:
    """The HTTP side: routing, authentication, JSON shapes, fault injection, request log."""

    max_hang_seconds: float = 30.0
    """Upper bound of a timeout fault's hang; it normally ends when the client gives up."""

    def __init__(
        self,
        engine: Engine,
        klines: KlineStore,
        stream: UserDataStream,
        api_key: str,
        api_secret: str,
    ) -> None:
        self.engine, self.klines, self.stream = engine, klines, stream
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.latency_s = 0.0  # added to every answer, to stand for a real network
        self.faults = FaultBook()
        self.served: Callable[[str, str, Params], None] | None = None  # after each request
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
        try:
            return await self._respond(request, method, path, raw_query, body, params)
        finally:
            if self.served is not None:
                self.served(method, path, params)

    async def _respond(
        self, request: web.Request, method: str, path: str, raw_query: str, body: str, p: Params
    ) -> web.StreamResponse:
        fault = self.faults.take(method, path, p)
        if fault is not None and fault.kind == "reject":
            return _error(BinanceError(fault.code, fault.msg, fault.status))
        kind = fault.kind if fault is not None else None
        if kind in ("http_500", "http_503"):  # nothing done
            return gateway_page(*PAGES[kind])
        if kind == "timeout_before":  # nothing done, the client gives up first
            await hang(request, self.closing, self.max_hang_seconds)
            return gateway_page(*PAGES[kind])
        response = self._answer(method, path, request, raw_query, body, p)
        if kind == "timeout_after":  # done, but the client gives up first
            await hang(request, self.closing, self.max_hang_seconds)
        return gateway_page(*PAGES[kind]) if kind == "lost_response" else response

    def _answer(
        self, method: str, path: str, request: web.Request, raw_query: str, body: str, p: Params
    ) -> web.Response:
        try:
            route = self._routes.get((method, path))
            if route is None:
                raise fail(-1020, f"fake binance does not serve {method} {path}", status=404)
            handler, auth = route
            key = request.headers.get("X-MBX-APIKEY")
            if auth == "key":
                self._check_key(key)
            elif auth == "signed":
                self._authenticate(key, raw_query, body, p)
            return web.json_response(handler(p))
        except BinanceError as exc:
            return _error(exc)
        except Exception as exc:  # a bug of the fake: loud on the ccxt side, not a 500 page
            return _error(fail(-1000, f"fake binance bug: {exc!r}", status=500))

    def _check_key(self, key: str | None) -> None:
        if not key:
            raise fail(-2014, status=401)
        if key != self._api_key:
            raise fail(-2015, status=401)

    def _authenticate(self, key: str | None, raw_query: str, body: str, p: Params) -> None:
        """Binance's SIGNED checks: API key header, timestamp window, HMAC-SHA256 signature."""
        self._check_key(key)
        timestamp = integer(p, "timestamp")
        if timestamp is None:
            raise fail(-1102, "timestamp")
        recv_window = integer(p, "recvWindow") or 5000
        if recv_window > 60000:
            raise fail(-1131)
        if timestamp > now_ms() + 1000 or now_ms() - timestamp > recv_window:
            raise fail(-1021)

        def unsigned(raw: str) -> str:
            return "&".join(x for x in raw.split("&") if x and not x.startswith("signature="))

        payload = (unsigned(raw_query) + unsigned(body)).encode()
        expected = hmac.new(self._api_secret.encode(), payload, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(p.get("signature", ""), expected):
            raise fail(-1022)

    def _route_table(self) -> dict[tuple[str, str], tuple[Handler, str]]:
        e, s = self.engine, self.stream
        public: dict[tuple[str, str], Handler] = {
            ("GET", "/fapi/v1/ping"): lambda p: {},
            ("GET", "/fapi/v1/time"): lambda p: {"serverTime": now_ms()},
            ("GET", "/fapi/v1/exchangeInfo"): lambda p: exchange_info(now_ms()),
            ("GET", "/fapi/v1/klines"): lambda p: klines_json(e, self.klines, p),
            ("GET", "/fapi/v1/ticker/24hr"): lambda p: self._per_symbol(p, ticker_json),
            ("GET", "/fapi/v1/ticker/price"): lambda p: self._per_symbol(p, price_json),
            ("GET", "/fapi/v2/ticker/price"): lambda p: self._per_symbol(p, price_json),
            ("GET", "/fapi/v1/premiumIndex"): lambda p: self._per_symbol(p, premium_json),
        }
        user_stream: dict[tuple[str, str], Handler] = {
            ("POST", "/fapi/v1/listenKey"): lambda p: s.create(),
            ("PUT", "/fapi/v1/listenKey"): lambda p: s.keep_alive(),
            ("DELETE", "/fapi/v1/listenKey"): lambda p: s.delete(),
        }
        signed: dict[tuple[str, str], Handler] = {
            ("GET", "/fapi/v2/account"): lambda p: self._account(v3=False),
            ("GET", "/fapi/v3/account"): lambda p: self._account(v3=True),
            ("GET", "/fapi/v2/balance"): lambda p: shapes.balance_json(e),
            ("GET", "/fapi/v3/balance"): lambda p: shapes.balance_json(e),
            ("GET", "/fapi/v2/positionRisk"): lambda p: self._position_risk(p, v3=False),
            ("GET", "/fapi/v3/positionRisk"): lambda p: self._position_risk(p, v3=True),
            ("GET", "/fapi/v1/leverageBracket"): lambda p: brackets_json(self._symbol_or_none(p)),
            ("POST", "/fapi/v1/leverage"): self._set_leverage,
            ("GET", "/fapi/v1/positionSide/dual"): lambda p: {"dualSidePosition": e.dual_side},
            ("POST", "/fapi/v1/positionSide/dual"): self._set_position_mode,
            ("GET", "/fapi/v1/symbolConfig"): lambda p: [
                shapes.symbol_config_json(e, x) for x in self._symbols(p)
            ],
            ("POST", "/fapi/v1/marginType"): self._set_margin_type,
            ("GET", "/fapi/v1/income"): self._income,
            ("POST", "/fapi/v1/order"): self._new_order,
            ("GET", "/fapi/v1/order"): lambda p: shapes.order_json(self._find_order(p)),
            ("GET", "/fapi/v1/openOrder"): self._query_open_order,
            ("DELETE", "/fapi/v1/order"): lambda p: shapes.order_json(
                e.cancel_order(
                    required(p, "symbol"), integer(p, "orderId"), p.get("origClientOrderId") or None
                ),
                placed=True,
            ),
            ("GET", "/fapi/v1/openOrders"): lambda p: [
                shapes.order_json(o) for o in e.open_orders(self._symbol_or_none(p))
            ],
            ("GET", "/fapi/v1/allOrders"): lambda p: [
                shapes.order_json(o)
                for o in window(
                    self._of_symbol(e.orders, p), p, "orderId", "order_id", "time", (500, 1000)
                )
            ],
            ("DELETE", "/fapi/v1/allOpenOrders"): lambda p: self._cancel_all(p, algo=False),
            ("POST", "/fapi/v1/algoOrder"): self._new_algo,
            ("GET", "/fapi/v1/algoOrder"): lambda p: shapes.algo_json(
                e.get_algo(integer(p, "algoId"), p.get("clientAlgoId") or None)
            ),
            ("DELETE", "/fapi/v1/algoOrder"): self._cancel_algo,
            ("GET", "/fapi/v1/openAlgoOrders"): lambda p: [
                shapes.algo_json(a) for a in e.open_algo_orders(self._symbol_or_none(p))
            ],
            ("GET", "/fapi/v1/allAlgoOrders"): lambda p: [
                shapes.algo_json(a)
                for a in window(
                    self._of_symbol(e.algo_orders, p),
                    p,
                    "algoId",
                    "algo_id",
                    "create_time",
                    (500, 1000),
                )
            ],
            ("DELETE", "/fapi/v1/algoOpenOrders"): lambda p: self._cancel_all(p, algo=True),
            ("GET", "/fapi/v1/userTrades"): lambda p: [
                shapes.trade_json(t)
                for t in window(
                    self._of_symbol(e.trades, p), p, "fromId", "trade_id", "time", (500, 1000)
                )
            ],
        }
        table = {key: (handler, "none") for key, handler in public.items()}
        table.update({key: (handler, "key") for key, handler in user_stream.items()})
        table.update({key: (handler, "signed") for key, handler in signed.items()})
        return table

    def _symbol_or_none(self, p: Params) -> str | None:
        return self.engine.market(p["symbol"]).symbol if "symbol" in p else None

    def _symbols(self, p: Params) -> list[str]:
        symbol = self._symbol_or_none(p)
        return list(MARKETS) if symbol is None else [symbol]

    def _of_symbol(self, rows: list[Any], p: Params) -> list[Any]:
        symbol = self.engine.market(required(p, "symbol")).symbol
        return [r for r in rows if r.symbol == symbol]

    def _per_symbol(self, p: Params, one: Callable[[Engine, str], dict[str, Any]]) -> Any:
        """Binance's convention: one object for ``symbol=``, a list of all symbols without."""
        symbol, e = self._symbol_or_none(p), self.engine
        return one(e, symbol) if symbol is not None else [one(e, s) for s in MARKETS]

    # ---------------------------------------------------------------- account
    def _account(self, *, v3: bool) -> dict[str, Any]:
        return shapes.account_json(self.engine, self._position_risk({}, v3=v3), v3=v3)

    def _position_risk(self, p: Params, *, v3: bool) -> list[dict[str, Any]]:
        """v3 lists only symbols with a position or open orders; v2 lists every symbol."""
        e = self.engine
        symbols = self._symbols(p)
        if v3:
            symbols = [s for s in symbols if e.positions[s].size or e.open_orders(s)]
        return [shapes.position_json(e, s, v3=v3) for s in symbols]

    def _set_leverage(self, p: Params) -> dict[str, Any]:
        symbol = self.engine.market(required(p, "symbol")).symbol
        leverage = integer(p, "leverage")
        if leverage is None:
            raise fail(-1102, "leverage")
        cap = self.engine.set_leverage(symbol, leverage)
        return {"leverage": leverage, "maxNotionalValue": str(cap), "symbol": symbol}

    def _set_margin_type(self, p: Params) -> dict[str, Any]:
        symbol = self.engine.market(required(p, "symbol")).symbol
        kinds = {"ISOLATED": "isolated", "CROSSED": "cross"}
        kind = kinds.get(required(p, "marginType").upper())
        if kind is None:
            raise fail(-1130, "marginType")
        self.engine.change_margin_type(symbol, kind)
        return _DONE

    def _set_position_mode(self, p: Params) -> dict[str, Any]:
        dual = boolean(p, "dualSidePosition")
        if dual is None:
            raise fail(-1102, "dualSidePosition")
        self.engine.change_position_mode(dual)
        return _DONE

    def _income(self, p: Params) -> list[dict[str, Any]]:
        symbol, kind = self._symbol_or_none(p), p.get("incomeType") or None
        rows = [
            i
            for i in self.engine.incomes
            if symbol in (None, i.symbol) and kind in (None, i.income_type)
        ]
        return [shapes.income_json(i) for i in window(rows, p, "", "", "time", (100, 1000))]

    # ----------------------------------------------------------------- orders
    def _order_request(self, p: Params, client_key: str) -> OrderRequest:
        side = p.get("positionSide") or "BOTH"
        if self.engine.dual_side:
            if side == "BOTH":
                raise fail(-4061)
            raise fail(-1020, "fake binance does not simulate hedge-mode positions")
        if side != "BOTH":
            raise fail(-4061)
        return OrderRequest(
            symbol=required(p, "symbol"),
            side=required(p, "side"),
            type=required(p, "type"),
            quantity=dec(p, "quantity"),
            price=dec(p, "price"),
            trigger_price=dec(p, "triggerPrice"),
            time_in_force=p.get("timeInForce"),
            reduce_only=boolean(p, "reduceOnly"),
            close_position=bool(boolean(p, "closePosition")),
            client_id=p.get(client_key) or None,
            working_type=p.get("workingType"),
            algo_type=p.get("algoType"),
            callback_rate=dec(p, "callbackRate"),
            activate_price=dec(p, "activatePrice"),
        )

    def _new_order(self, p: Params) -> dict[str, Any]:
        order = self.engine.new_order(self._order_request(p, "newClientOrderId"))
        data = shapes.order_json(order, placed=True)
        if p.get("newOrderRespType", "ACK") == "ACK":  # ACK answers as accepted, before matching
            zero_qty = shapes.qty(order.symbol, Decimal(0))
            data.update(status="NEW", executedQty=zero_qty, cumQty=zero_qty)
            data.update(cumQuote=shapes.f8(Decimal(0)), avgPrice=shapes.f8(Decimal(0)))
        return data

    def _find_order(self, p: Params) -> Order:
        return self.engine.get_order(
            required(p, "symbol"), integer(p, "orderId"), p.get("origClientOrderId") or None
        )

    def _query_open_order(self, p: Params) -> dict[str, Any]:
        order = self._find_order(p)
        if not order.is_open:
            raise fail(-2013)
        return shapes.order_json(order)

    def _cancel_all(self, p: Params, *, algo: bool) -> dict[str, Any]:
        self.engine.cancel_all(required(p, "symbol"), algo=algo)
        return _CANCEL_ALL_DONE

    def _new_algo(self, p: Params) -> dict[str, Any]:
        required(p, "algoType")
        algo = self.engine.new_algo_order(self._order_request(p, "clientAlgoId"))
        return shapes.algo_json(algo, placed=True)

    def _cancel_algo(self, p: Params) -> dict[str, Any]:
        algo = self.engine.cancel_algo(integer(p, "algoId"), p.get("clientAlgoId") or None)
        return {
            "algoId": algo.algo_id,
            "clientAlgoId": algo.client_algo_id,
            "code": "200",
            "msg": "success",
        }
