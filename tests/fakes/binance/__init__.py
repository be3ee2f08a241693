"""A fake Binance USD-M futures exchange that real ccxt ``binanceusdm`` (REST and pro) trades
against, implementing :class:`tests.fakes.exchange.FakeExchange`.

::

    async with FakeBinanceFutures() as fake:
        ex = ccxt.async_support.binanceusdm({**fake.ccxt_config(), "timeout": 2000})
        try:
            await ex.create_order("XRP/USDT:USDT", "market", "buy", 100)
            fake.set_price("XRPUSDT", "0.55")
        finally:
            await ex.close()

The matching engine lives in :mod:`.engine` (account maths in :mod:`.account`, order rules
in :mod:`.rules`), reference data in :mod:`.markets` (error codes in :mod:`.errors`), the
REST side in :mod:`.server` (parameters in :mod:`.params`, JSON in :mod:`.shapes` and
:mod:`.market_data`, faults in :mod:`.faults`), the user-data websocket in :mod:`.stream`
(payloads in :mod:`.events`). What Binance and Bybit do alike is in :mod:`tests.fakes.shared`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from ..exchange import RestingOrder
from ..shared.front import LoopbackExchange
from ..shared.klines import KlineStore
from ..shared.ledger import Stop
from .engine import Engine
from .errors import BinanceError
from .faults import FAULT_KINDS, Fault, leg_of
from .markets import MARKETS
from .models import AlgoOrder, Income, Order, Position, Trade, to_decimal
from .server import BinanceServer
from .stream import UserDataStream
from .views import OrderList, contract_orders, stops

__all__ = [
    "AlgoOrder",
    "BinanceError",
    "FakeBinanceFutures",
    "Income",
    "Order",
    "Position",
    "Trade",
]

# ccxt api section -> path prefix. The fapi* sections are served; every other one points
# here too, so that a stray call fails loudly (-1020) instead of reaching binance.com.
_API_PREFIXES = {
    "fapiPublic": "/fapi/v1",
    "fapiPublicV2": "/fapi/v2",
    "fapiPublicV3": "/fapi/v3",
    "fapiPrivate": "/fapi/v1",
    "fapiPrivateV2": "/fapi/v2",
    "fapiPrivateV3": "/fapi/v3",
    "fapiData": "/futures/data",
    "public": "/api/v3",
    "private": "/api/v3",
    "v1": "/api/v1",
    "sapi": "/sapi/v1",
    "sapiV2": "/sapi/v2",
    "sapiV3": "/sapi/v3",
    "sapiV4": "/sapi/v4",
    "dapiPublic": "/dapi/v1",
    "dapiPrivate": "/dapi/v1",
    "dapiPrivateV2": "/dapi/v2",
    "dapiData": "/futures/data",
    "eapiPublic": "/eapi/v1",
    "eapiPrivate": "/eapi/v1",
    "papi": "/papi/v1",
    "papiV2": "/papi/v2",
}
# ccxt.pro websocket url -> path. Only the USD-M user stream is served; the rest answer 404.
_WS_PATHS = {
    "linear": "/ws",
    "spot": "/spot/ws",
    "margin": "/spot/ws",
    "inverse": "/dstream/ws",
    "stock": "/equity/ws",
    "option": "/option/public/ws",
    "optionMarket": "/option/market/ws",
    "optionPrivate": "/option/private/ws",
    "papi": "/pm/ws",
}
_WS_API_PATHS = {"spot": "/ws-api/v3", "linear": "/ws-fapi/v1", "inverse": "/ws-dapi/v1"}


class FakeBinanceFutures(LoopbackExchange):
    """A Binance USD-M futures exchange on loopback, driven by tests and inspected directly.

    Symbols are exchange ids (``"XRPUSDT"``); amounts are ``Decimal``. Every market starts
    at a default price (BTCUSDT 60000, ETHUSDT 3000, XRPUSDT 0.5) with 20x leverage, cross
    margin and a flat one-way position.

    Leg faults (:meth:`fail_leg`) hit POST order / algoOrder whose client id is
    ``gl-<trade>-<leg>-<attempt>`` (``leverage``: POST /fapi/v1/leverage): ``error_before``
    answers 503 (nothing done), ``error_after`` 502 (done); ``reject`` answers -2021 for a
    conditional order, -2022 for a reduce-only one, -4164 otherwise, -4028 for leverage;
    ``reject_margin`` -2019 (-2028 for leverage). Look-up faults (:meth:`fail_lookups`) hit
    GET order, openOrder, algoOrder, openOrders, openAlgoOrders, allOrders, allAlgoOrders.
    """

    ccxt_id: ClassVar[str] = "binanceusdm"
    markets: ClassVar[dict[str, Any]] = MARKETS
    stream_paths: ClassVar[tuple[str, ...]] = ("/private/ws", "/ws/{key}")

    def __init__(
        self,
        *,
        balance: Decimal = Decimal("10000"),
        taker_fee: Decimal = Decimal("0.0004"),
        maker_fee: Decimal = Decimal("0.0002"),
        api_key: str = "test-key",
        api_secret: str = "test-secret",
    ) -> None:
        self.engine = Engine(balance=balance, taker_fee=taker_fee, maker_fee=maker_fee)
        self.klines = KlineStore()
        self.stream = UserDataStream(self.engine)
        self.server = BinanceServer(self.engine, self.klines, self.stream, api_key, api_secret)
        self.server.served = self._served
        super().__init__(api_key=api_key, api_secret=api_secret)

    def ccxt_config(self) -> dict[str, Any]:
        """Constructor config of ``ccxt.async_support.binanceusdm`` and of
        ``ccxt.pro.binanceusdm`` for this fake (JSON-safe).

        - ``apiKey``/``secret``: what the fake checks (X-MBX-APIKEY header, HMAC-SHA256).
        - ``urls.api``: every ccxt REST api section, as ``https://demo-fapi@127.0.0.1:PORT/
          <prefix>``. ccxt applies Binance's USD-M error table (-2019 InsufficientFunds,
          -2022, -4164, -4116 InvalidOrder, -2021 OrderImmediatelyFillable...) only to URLs
          starting with ``https://fapi.<hostname>/`` or ``https://demo-fapi``; for any other
          URL those codes become a bare ExchangeError. The ``demo-fapi@`` user-info passes
          that test while the host stays 127.0.0.1 (aiohttp sends it as a harmless Basic auth
          header), so no ``exceptions`` table, which would hold Python classes, is needed.
          Sections the fake does not serve (spot, sapi, dapi, eapi, papi) answer -1020 (ccxt
          BadRequest) instead of leaking to binance.com.
        - ``urls.api.ws``: ccxt.pro's websocket urls, all on the fake's TLS port.
          ``linear`` is ``wss://127.0.0.1:PORT/ws``, from which ccxt.pro 4.5 derives the
          user-data socket ``/private/ws?listenKey=<key>``; the other markets and the
          ``ws-api`` urls lead to paths the fake refuses (HTTP 404: ccxt NetworkError).
          ccxt's REST classes ignore this key.
        - ``verify: False``: the TLS certificate is self-signed (ccxt.pro's sockets share the
          REST session and so its TLS context).
        - ``enableRateLimit: False``: ccxt's client-side throttle (50 ms per weight unit,
          4 units per order) only slows tests down; the fake enforces no rate limit.
        - ``timeout_on_exit: 0``: ``close()`` otherwise sleeps 250 ms so that TLS connections
          to far-away hosts wind down; on loopback they close at once (checked without any
          ResourceWarning under ``python -X dev``).
        - ``options.fetchCurrencies: False``: ``load_markets`` would otherwise call the spot
          wallet endpoint ``sapi/capital/config/getall``, which USD-M trading does not need.
        """
        host = self._tls_host()
        base, wss = f"https://demo-fapi@{host}", f"wss://{host}"
        ws: dict[str, Any] = {name: wss + path for name, path in _WS_PATHS.items()}
        ws["ws-api"] = {name: wss + path for name, path in _WS_API_PATHS.items()}
        api: dict[str, Any] = {name: base + prefix for name, prefix in _API_PREFIXES.items()}
        return self._ccxt_config({**api, "ws": ws}, {"fetchCurrencies": False})

    # ---------------------------------------------------------- market control
    def load_klines(self, symbol: str, rows: list[list[Any]], interval: str | None = None) -> None:
        """Serve ``[ms, o, h, l, c, v]`` rows on GET /fapi/v1/klines for ``interval`` (inferred
        from the rows when omitted) and, resampled, for every coarser interval up to 1d.
        """
        self.engine.market(symbol)
        self.klines.load(symbol, rows, interval)

    def set_market_fill_limit(self, symbol: str, max_qty: Decimal | str | None) -> None:
        """Market orders (triggered ones too) fill at most ``max_qty``; the rest expires."""
        self.engine.set_market_fill_limit(symbol, None if max_qty is None else to_decimal(max_qty))

    def fill_limit(self, symbol: str, client_id: str, qty: Decimal | str | None = None) -> None:
        """Force a maker fill of the resting limit order ``client_id`` of ``symbol`` at its
        price: all of it, or ``qty``.
        """
        order = self.engine.resting_limit(symbol, client_id)
        self.engine.fill_limit(order.order_id, None if qty is None else to_decimal(qty))

    def fill_limit_by_id(self, order_id: int, qty: Decimal | str | None = None) -> None:
        """Force a maker fill of a resting limit order, by order id, at its price."""
        self.engine.fill_limit(order_id, None if qty is None else to_decimal(qty))

    def move_position_by_hand(self, symbol: str, qty: Decimal | str) -> None:
        """A human trades ``qty`` (signed) at market on the website (client id ``web_<n>``)."""
        self.engine.hand_trade(self.engine.market(symbol).symbol, to_decimal(qty))

    # --------------------------------------------------------- account control
    def set_hedge_mode(self, hedged: bool) -> None:
        """Switch the position mode as if done on the website (no open-order checks).

        In hedge mode GET /fapi/v1/positionSide/dual answers true and orders without a
        positionSide are refused with -4061; the fake does not simulate hedge positions, so
        orders with one are refused too (-1020).
        """
        self.engine.dual_side = hedged

    def set_margin_mode(self, symbol: str, mode: str) -> None:
        """``"cross"`` or ``"isolated"`` for ``symbol``, as if set on the website."""
        if mode not in ("cross", "isolated"):
            raise ValueError(f"margin mode must be 'cross' or 'isolated', got {mode!r}")
        self.engine.margin_type[self.engine.market(symbol).symbol] = mode

    def pay_funding(self, symbol: str, rate: Decimal | str | float) -> Decimal:
        """Settle funding on ``symbol`` at ``rate`` now: the position pays (or receives)
        size × mark × rate, booked on the wallet as a FUNDING_FEE income and pushed as an
        ACCOUNT_UPDATE (reason FUNDING_FEE). Returns the signed amount (0 when flat).
        """
        return self.engine.pay_funding(self.engine.market(symbol).symbol, to_decimal(rate))

    # ---------------------------------------------------------------- faults
    def fail_next(self, method: str, path: str, *, kind: str, times: int = 1) -> None:
        """Make the next ``times`` requests matching ``method`` and ``path`` fail.

        ``path`` is the full path (``"/fapi/v1/order"``); ``"*"`` matches any method or path.

        - ``http_500`` / ``http_503``: an HTML error page, nothing done (ExchangeNotAvailable);
        - ``timeout_before``: hang until the client gives up, nothing done (RequestTimeout);
        - ``timeout_after``: do it (e.g. place the order), then hang (RequestTimeout);
        - ``lost_response``: do it, then answer 502 Bad Gateway (ExchangeNotAvailable).
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}, expected one of {FAULT_KINDS}")
        self.server.faults.rules.append(Fault(method.upper(), path, kind, times))

    def reject_next(
        self, method: str, path: str, *, code: int, msg: str, status: int = 400, times: int = 1
    ) -> None:
        """Answer the next ``times`` matching requests with ``{"code": code, "msg": msg}``,
        doing nothing, e.g. ``reject_next("POST", "/fapi/v1/order", code=-2019,
        msg="Margin is insufficient.")``.
        """
        fault = Fault(method.upper(), path, "reject", times, code, msg, status)
        self.server.faults.rules.append(fault)

    # ---------------------------------------------------------- user stream
    @property
    def listen_key(self) -> str | None:
        """The live listen key of the user-data stream (None: no stream open)."""
        return self.stream.listen_key

    def expire_listen_key(self) -> None:
        """The listen key expires now: ``listenKeyExpired`` is pushed, then every user-data
        socket closes normally; PUT /fapi/v1/listenKey answers -1125 from then on.
        """
        self.stream.expire()

    async def wait_stream_connected(self, count: int = 1) -> None:
        """Until ``count`` user-data sockets have been accepted since the fake started
        (TimeoutError after 5 s).
        """
        await self.stream.wait_connected(count)

    # ------------------------------------------------------------- inspection
    @property
    def orders(self) -> OrderList:
        """Every regular order, oldest first (actual orders of triggered algos included).

        Called, ``fake.orders(symbol=None)`` is the contract's view: every order placed,
        conditional ones included, as :class:`RestingOrder` (see :mod:`.views`).
        """
        return OrderList(self.engine)

    def resting(self, symbol: str | None = None) -> list[RestingOrder]:
        """Orders still waiting: resting limits and untriggered conditional orders."""
        return contract_orders(self.engine, symbol, waiting=True)

    def _stops(self, symbol: str) -> list[Stop]:
        return stops(self.engine, symbol)

    def _served(self, method: str, path: str, params: dict[str, str]) -> None:
        self._record(f"{method} {path} leg={leg_of(method, path, params) or '-'}")

    @property
    def algo_orders(self) -> list[AlgoOrder]:
        """Every conditional (algo) order, oldest first."""
        return self.engine.algo_orders

    @property
    def positions(self) -> dict[str, Position]:
        """One position per symbol (``size`` signed, 0 when flat) with its entry price."""
        return self.engine.positions

    @property
    def trades(self) -> list[Trade]:
        """Every fill, with its fee (``commission``) and ``realized_pnl``."""
        return self.engine.trades

    @property
    def incomes(self) -> list[Income]:
        """The income history (REALIZED_PNL, COMMISSION, FUNDING_FEE), oldest first."""
        return self.engine.incomes
