"""aiohttp front of the fake Bybit v5 exchange: REST routes, authentication, faults.

Serves the v5 paths real ``ccxt.async_support.bybit`` calls for linear USDT perpetuals of a
unified account, checks Bybit's HMAC-SHA256 header signature, answers in Bybit's envelope
and injects faults: failures addressed to an order leg (read from the ``orderLinkId``),
failing order look-ups and scripted Bybit rejections. ``FakeBybit`` (the package) mounts
:meth:`BybitServer.handle` on its loopback listeners.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote

from aiohttp import web

from ..shared.klines import KlineStore
from ..shared.rest_faults import gateway_page
from .engine import Engine
from .faults import LEVERAGE, PLACE, Faults, leg_of
from .market_data import instruments, klines_json, server_time, tickers
from .markets import (
    MARKETS,
    BybitError,
    api_key_info,
    coin_rows,
    fail,
)
from .models import OrderRequest
from .params import Params, dec, flag, integer, limit, linear, page, text
from .shapes import (
    envelope,
    execution_json,
    now_ms,
    order_json,
    position_json,
    wallet_json,
)

__all__ = ["BybitServer"]

Handler = Callable[[Params], Any]


def _json(data: Any, status: int = 200) -> web.Response:
    """A JSON answer, compact like Bybit's."""
    return web.json_response(data, status=status, dumps=_compact)


def _compact(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"))


def _error(exc: BybitError) -> web.Response:
    return _json(envelope({}, exc.code, exc.msg), exc.status)


class BybitServer:
    """The HTTP side: routing, authentication, JSON shapes, fault injection, request log."""

    def __init__(self, engine: Engine, klines: KlineStore, api_key: str, api_secret: str) -> None:
        self.engine, self.klines = engine, klines
        self.requests: list[tuple[str, str, Params]] = []
        self.faults = Faults()
        self.on_served: Callable[[str], None] | None = None  # called once each request acted
        self.closing = asyncio.Event()  # set on shutdown: hanging requests return at once
        self.none_order_id_is_absent = True  # see _order_id
        self._api_key, self._api_secret = api_key, api_secret
        self._routes = self._route_table()

    # ------------------------------------------------------------- dispatching
    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The aiohttp handler of every REST path: log, apply a fault, else answer."""
        method, path = request.method, request.path
        raw_query = request.rel_url.raw_query_string
        body = await request.text() if request.body_exists else ""
        params: Params = dict(parse_qsl(raw_query, keep_blank_values=True))
        if body:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                params.update(parsed)
        self.requests.append((method, path, dict(params)))
        key = (method, path)
        leg = "leverage" if key == LEVERAGE else leg_of(params.get("orderLinkId"))
        label = f"{method} {path} leg={leg or '-'}"
        kind = self.faults.take(key, leg)
        if kind in ("error_before", "timeout_before"):
            if kind == "timeout_before":
                await self.faults.hang(request, self.closing)
            self._served(label)
            return gateway_page()
        if kind in ("reject", "reject_margin"):
            self._served(label)
            return _error(self.faults.refusal(kind, params, self.engine.last_price))
        rejection = self.faults.take_rejection(method, path)
        if rejection is not None:
            self._served(label)
            return _error(BybitError(rejection.code, rejection.msg))
        response = self._answer(key, request.headers, raw_query, body, params)
        self._served(label)
        if kind == "timeout_after":
            await self.faults.hang(request, self.closing)
        return gateway_page() if kind is not None else response

    def _served(self, label: str) -> None:
        if self.on_served is not None:
            self.on_served(label)

    def _answer(
        self, key: tuple[str, str], headers: Any, raw_query: str, body: str, p: Params
    ) -> web.Response:
        try:
            route = self._routes.get(key)
            if route is None:
                raise fail(10017, status=404)
            handler, signed = route
            if signed:
                self._authenticate(headers, raw_query if key[0] == "GET" else body)
            return _json(envelope(handler(p)))
        except BybitError as exc:
            return _error(exc)
        except Exception as exc:  # a bug of the fake: loud on the ccxt side, not a 500 page
            return _error(BybitError(10016, f"fake bybit bug: {exc!r}"))

    def _authenticate(self, headers: Any, payload: str) -> None:
        """Bybit v5's checks: API key, timestamp within recvWindow, HMAC-SHA256 signature."""
        key, stamp = headers.get("X-BAPI-API-KEY"), headers.get("X-BAPI-TIMESTAMP")
        sign = headers.get("X-BAPI-SIGN", "")
        if not key or not stamp or not sign:
            raise fail(10001, f"empty value: apiTimestamp[{stamp or ''}] apiKey[{key or ''}]")
        if key != self._api_key:
            raise fail(10003, status=401)
        window = headers.get("X-BAPI-RECV-WINDOW", "5000")
        now = now_ms()
        try:
            stamp_ms, window_ms = int(stamp), int(window)
        except ValueError:
            raise fail(10001, "params error: timestamp invalid") from None
        if not now - window_ms <= stamp_ms < now + 1000:
            raise fail(10002, stamp, now, window)
        origin = stamp + key + window
        for candidate in (payload, unquote(payload)):
            expected = hmac.new(
                self._api_secret.encode(), (origin + candidate).encode(), hashlib.sha256
            ).hexdigest()
            if hmac.compare_digest(sign, expected):
                return
        raise fail(10004, origin + payload, status=401)

    def _route_table(self) -> dict[tuple[str, str], tuple[Handler, bool]]:
        public: dict[tuple[str, str], Handler] = {
            ("GET", "/v5/market/time"): lambda p: server_time(),
            ("GET", "/v5/market/instruments-info"): instruments,
            ("GET", "/v5/market/tickers"): lambda p: tickers(self.engine, p),
            ("GET", "/v5/market/kline"): lambda p: klines_json(self.engine, self.klines, p),
        }
        signed: dict[tuple[str, str], Handler] = {
            ("GET", "/v5/user/query-api"): self._api_info,
            ("GET", "/v5/account/info"): self._account_info,
            ("GET", "/v5/asset/coin/query-info"): lambda p: {"rows": coin_rows()},
            ("GET", "/v5/account/wallet-balance"): self._wallet,
            ("GET", "/v5/account/fee-rate"): self._fee_rate,
            ("POST", "/v5/account/set-margin-mode"): self._set_margin_mode,
            ("GET", "/v5/position/list"): self._positions,
            LEVERAGE: self._set_leverage,
            ("POST", "/v5/position/switch-mode"): self._switch_mode,
            PLACE: self._create,
            ("POST", "/v5/order/cancel"): self._cancel,
            ("POST", "/v5/order/cancel-all"): self._cancel_all,
            ("GET", "/v5/order/realtime"): lambda p: self._orders(p, history=False),
            ("GET", "/v5/order/history"): lambda p: self._orders(p, history=True),
            ("GET", "/v5/execution/list"): self._executions,
        }
        table = {key: (handler, False) for key, handler in public.items()}
        table.update({key: (handler, True) for key, handler in signed.items()})
        return table

    # ---------------------------------------------------------------- account
    def _api_info(self, p: Params) -> dict[str, Any]:
        return api_key_info(self._api_key)

    def _account_info(self, p: Params) -> dict[str, Any]:
        return {
            "marginMode": self.engine.margin_mode,
            "updatedTime": str(self.engine.margin_mode_time),
            "unifiedMarginStatus": 6,
            "dcpStatus": "OFF",
            "timeWindow": 10,
            "smpGroup": 0,
            "isMasterTrader": False,
            "spotHedgingStatus": "OFF",
        }

    def _wallet(self, p: Params) -> dict[str, Any]:
        if text(p, "accountType") != "UNIFIED":
            raise fail(10001, "accountType only support UNIFIED.")
        return {"list": [wallet_json(self.engine)]}

    def _fee_rate(self, p: Params) -> dict[str, Any]:
        linear(p)
        symbol = text(p, "symbol")
        e = self.engine
        rows = [
            {"symbol": s, "takerFeeRate": str(e.taker_fee), "makerFeeRate": str(e.maker_fee)}
            for s in MARKETS
            if symbol in (None, s)
        ]
        return {"list": rows}

    def _set_margin_mode(self, p: Params) -> dict[str, Any]:
        self.engine.set_margin_mode(text(p, "setMarginMode") or "")
        return {"reasons": []}

    def _positions(self, p: Params) -> dict[str, Any]:
        category = text(p, "category")
        if category == "inverse":
            return page([], category="inverse")
        linear(p)
        symbol = text(p, "symbol")
        settle = text(p, "settleCoin")
        if symbol is None and settle is None and text(p, "baseCoin") is None:
            raise fail(10001, "params error: symbol or settleCoin is required")
        e = self.engine
        if symbol is not None:
            e.market(symbol)
            rows = [position_json(e, e.positions[symbol])]
        else:
            rows = [position_json(e, pos) for pos in e.positions.values() if pos.size]
            if settle not in (None, "USDT"):
                rows = []
        if e.hedge_mode:
            rows = [dict(row, positionIdx=idx) for row in rows for idx in (1, 2)]
        return page(rows)

    def _set_leverage(self, p: Params) -> dict[str, Any]:
        linear(p)
        buy, sell = dec(p, "buyLeverage"), dec(p, "sellLeverage")
        if buy is None or sell is None:
            raise fail(10001, "params error: buyLeverage and sellLeverage are required")
        self.engine.set_leverage(text(p, "symbol") or "", buy, sell)
        return {}

    def _switch_mode(self, p: Params) -> dict[str, Any]:
        linear(p)
        mode = integer(p, "mode")
        if mode not in (0, 3):
            raise fail(10001, "params error: position_mode invalid")
        if text(p, "symbol") is None and text(p, "coin") is None:
            raise fail(10001, "params error: symbol or coin is required")
        self.engine.switch_mode(mode == 3)
        return {}

    # ----------------------------------------------------------------- orders
    def _create(self, p: Params) -> dict[str, Any]:
        linear(p)
        if text(p, "orderFilter") not in (None, "Order", "StopOrder"):
            raise fail(10001, "params error: orderFilter invalid")
        for unsupported in ("takeProfit", "stopLoss", "tpslMode", "smpType"):
            if text(p, unsupported) is not None:
                raise fail(
                    10001, f"params error: the fake exchange does not simulate {unsupported}"
                )
        order = self.engine.create_order(
            OrderRequest(
                symbol=text(p, "symbol") or "",
                side=text(p, "side") or "",
                order_type=text(p, "orderType") or "",
                qty=dec(p, "qty"),
                price=dec(p, "price"),
                time_in_force=text(p, "timeInForce"),
                reduce_only=flag(p, "reduceOnly"),
                close_on_trigger=flag(p, "closeOnTrigger"),
                link_id=text(p, "orderLinkId") or "",
                trigger_price=dec(p, "triggerPrice"),
                trigger_direction=integer(p, "triggerDirection", 0) or 0,
                position_idx=integer(p, "positionIdx", 0) or 0,
            )
        )
        return {"orderId": order.order_id, "orderLinkId": order.link_id}

    def _cancel(self, p: Params) -> dict[str, Any]:
        linear(p)
        order = self.engine.cancel_order(
            text(p, "symbol") or "", self._order_id(p), text(p, "orderLinkId")
        )
        return {"orderId": order.order_id, "orderLinkId": order.link_id}

    def _cancel_all(self, p: Params) -> dict[str, Any]:
        linear(p)
        symbol = text(p, "symbol")
        if symbol is None and text(p, "settleCoin") is None and text(p, "baseCoin") is None:
            raise fail(10001, "params error: symbol or settleCoin is required")
        cancelled = self.engine.cancel_all(symbol, text(p, "orderFilter"))
        rows = [{"orderId": o.order_id, "orderLinkId": o.link_id} for o in cancelled]
        return {"list": rows, "success": "1"}

    def _order_id(self, p: Params) -> str | None:
        """``orderId``. ccxt 4.5.90 sends the literal ``orderId=None`` when it looks an order
        up by orderLinkId; what Bybit makes of it is unverified, so by default the fake reads
        it as absent (``none_order_id_is_absent``), else as an id no order has.
        """
        order_id = text(p, "orderId")
        return None if order_id == "None" and self.none_order_id_is_absent else order_id

    def _orders(self, p: Params, *, history: bool) -> dict[str, Any]:
        linear(p)
        symbol = text(p, "symbol")
        if symbol is not None:
            self.engine.market(symbol)
        elif not history and text(p, "settleCoin") is None and text(p, "baseCoin") is None:
            raise fail(10001, "params error: symbol, baseCoin or settleCoin is required")
        rows = self.engine.query(
            symbol,
            self._order_id(p),
            text(p, "orderLinkId"),
            text(p, "orderFilter"),
            history=history,
            open_only=integer(p, "openOnly", 0) or 0,
        )
        status = text(p, "orderStatus")
        start, end = integer(p, "startTime"), integer(p, "endTime")
        rows = [
            o
            for o in rows
            if status in (None, o.status)
            and (start is None or o.created >= start)
            and (end is None or o.created <= end)
        ]
        return page([order_json(o) for o in rows[: limit(p, 20, 50)]])

    def _executions(self, p: Params) -> dict[str, Any]:
        linear(p)
        symbol = text(p, "symbol")
        if symbol is not None:
            self.engine.market(symbol)
        order_id, link_id = self._order_id(p), text(p, "orderLinkId")
        exec_type = text(p, "execType")
        start, end = integer(p, "startTime"), integer(p, "endTime")
        rows = [
            x
            for x in self.engine.executions
            if symbol in (None, x.symbol)
            and order_id in (None, x.order_id)
            and (link_id is None or (x.order is not None and x.order.link_id == link_id))
            and exec_type in (None, x.exec_type)
            and (start is None or x.time >= start)
            and (end is None or x.time <= end)
        ]
        rows.sort(key=lambda x: x.seq, reverse=True)
        return page([execution_json(x) for x in rows[: limit(p, 50, 100)]])
