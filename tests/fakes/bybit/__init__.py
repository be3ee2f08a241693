"""A fake Bybit v5 exchange (linear USDT perpetuals, unified account) that real ccxt trades on.

::

    async with FakeBybit() as fake:
        ex = ccxt.async_support.bybit({**fake.ccxt_config(), "timeout": 2000})
        try:
            await ex.create_order("XRP/USDT:USDT", "market", "buy", 100)
            fake.set_price("XRPUSDT", "0.55")
        finally:
            await ex.close()

The same config drives ``ccxt.pro.bybit``, whose private stream the fake serves too.
:class:`FakeBybit` meets :class:`tests.fakes.exchange.FakeExchange`. The matching engine
lives in :mod:`.engine` (account in :mod:`.account`, records in :mod:`.models`), reference
data in :mod:`.markets`, the JSON shapes in :mod:`.shapes`, the REST side in :mod:`.server`
(parameters in :mod:`.params`, faults in :mod:`.faults`), the websocket in :mod:`.stream`.
What Bybit and Binance do alike is in :mod:`tests.fakes.shared`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from ..exchange import RestingOrder
from ..shared.front import LoopbackExchange
from ..shared.klines import INTERVALS_MS, KlineStore
from ..shared.ledger import Stop
from .engine import Engine
from .faults import Rejection
from .markets import INTERVALS, MARKETS, BybitError, message
from .models import Execution, Order, Position, to_decimal
from .server import BybitServer
from .stream import PrivateStream

__all__ = ["BybitError", "Execution", "FakeBybit", "Order", "Position"]

_MARGIN_MODES = {"cross": "REGULAR_MARGIN", "isolated": "ISOLATED_MARGIN"}


def _kind(o: Order) -> str:
    """The contract's order kind: a conditional order is a stop (it fires on the loss side of
    the position it closes) or a take-profit, at market or limit.
    """
    if not o.conditional:
        return o.order_type.lower()
    stop = o.trigger_direction == (2 if o.side == "Sell" else 1)
    return ("stop_" if stop else "take_profit_") + o.order_type.lower()


def _resting_order(o: Order) -> RestingOrder:
    return RestingOrder(
        client_id=o.link_id,
        side=o.side.lower(),
        kind=_kind(o),
        amount=o.qty,
        price=o.price if o.order_type == "Limit" else None,
        trigger_price=o.trigger_price,
        reduce_only=o.reduce_only,
        status=o.status,
        filled=o.cum_qty,
    )


class FakeBybit(LoopbackExchange):
    """A Bybit v5 unified account on loopback, driven by tests and inspected directly.

    Symbols are exchange ids (``"XRPUSDT"``); amounts are ``Decimal``. Every market starts
    at a default price (BTCUSDT 60000, ETHUSDT 3000, XRPUSDT 0.5) with 10x leverage, a
    flat one-way position and cross margin; the wallet holds 10,000 USDT.

    Leg faults (:meth:`fail_leg`) hit POST /v5/order/create by its orderLinkId (``leverage``:
    POST /v5/position/set-leverage); ``error_*`` answer a 502 gateway page; ``reject``
    answers 110092/110093 ("expect Rising/Falling") for a conditional order and 10001
    (params error) otherwise; ``reject_margin`` answers 110007. Look-up faults
    (:meth:`fail_lookups`) hit GET /v5/order/realtime and /v5/order/history.
    """

    ccxt_id: ClassVar[str] = "bybit"
    markets: ClassVar[dict[str, Any]] = MARKETS
    stream_paths: ClassVar[tuple[str, ...]] = ("/v5/private",)

    def __init__(
        self,
        *,
        balance: Decimal = Decimal("10000"),
        taker_fee: Decimal = Decimal("0.00055"),
        maker_fee: Decimal = Decimal("0.0002"),
        api_key: str = "test-key",
        api_secret: str = "test-secret",
    ) -> None:
        self.engine = Engine(balance=balance, taker_fee=taker_fee, maker_fee=maker_fee)
        self.klines = KlineStore()
        self.server = BybitServer(self.engine, self.klines, api_key, api_secret)
        self.stream = PrivateStream(self.engine, api_key, api_secret)
        self.server.on_served = self._record
        super().__init__(api_key=api_key, api_secret=api_secret)

    def ccxt_config(self) -> dict[str, Any]:
        """Constructor config of ``ccxt.async_support.bybit`` and ``ccxt.pro.bybit`` (JSON-safe).

        - ``apiKey``/``secret``: what the fake checks (X-BAPI-* headers, HMAC-SHA256; the
          stream's ``auth`` op).
        - ``urls.api``: ccxt builds every REST URL from ``urls['api'][section]`` passed
          through ``implode_hostname``, which only fills a ``{hostname}`` template
          (``https://api.{hostname}``); overriding ``hostname`` alone cannot reach a port on
          127.0.0.1, so each section (``public``, ``private``, and the unused ``spot``,
          ``futures``, ``v2``) is the TLS base URL itself. ``urls.api.ws`` is ccxt.pro's
          tree of stream URLs: the private ones (``private.contract``, which ccxt picks for
          a unified account, and ``private.spot.unified``) are ``wss://127.0.0.1:PORT/
          v5/private``; the public and trade streams, which the fake does not serve, point
          at the fake too (their handshake fails) instead of leaking to bybit.com. The
          plain ccxt class ignores the ``ws`` key, so one dict serves both. ccxt applies
          Bybit's error table to any URL, so no ``exceptions`` override is needed.
        - ``verify: False``: the TLS certificate is self-signed (REST and websocket share
          ccxt's session, hence its SSL setting).
        - ``enableRateLimit: False``: ccxt's client-side throttle only slows tests down.
        - ``timeout_on_exit: 0``: ``close()`` otherwise sleeps 250 ms.
        - ``options.fetchMarkets.types: ["linear"]``: ``load_markets`` would otherwise also
          ask instruments-info for spot, inverse and six option coins (the fake answers
          them with empty lists). ``load_markets`` still calls
          ``/v5/asset/coin/query-info`` (currencies, since an API key is set), and the first
          private call asks ``/v5/user/query-api`` and ``/v5/account/info`` whether the
          account is unified; the fake answers all three like a UTA 2.0 account.
        """
        host = self._tls_host()
        rest, wss = f"https://{host}", f"wss://{host}"
        private = wss + "/v5/private"
        public = {
            kind: f"{wss}/v5/public/{kind}" for kind in ("spot", "inverse", "option", "linear")
        }
        api = {
            **dict.fromkeys(("spot", "futures", "v2", "public", "private"), rest),
            "ws": {
                "public": public,
                "private": {
                    "spot": {"unified": private, "nonUnified": wss + "/spot/private/v3"},
                    "contract": private,
                    "usdc": wss + "/trade/option/usdc/private/v1",
                    "trade": wss + "/v5/trade",
                },
            },
        }
        return self._ccxt_config(api, {"fetchMarkets": {"types": ["linear"]}})

    # ---------------------------------------------------------- market control
    def load_klines(self, symbol: str, rows: list[list[Any]], interval: str | None = None) -> None:
        """Serve ``[ms, o, h, l, c, v]`` rows on GET /v5/market/kline for ``interval`` (Bybit's
        "5" or ccxt's "5m"; inferred from the rows when omitted) and every coarser one to 1d.
        """
        self.engine.market(symbol)
        name = INTERVALS.get(interval, interval) if interval is not None else None
        if name is not None and name not in INTERVALS_MS:
            raise ValueError(f"unknown interval {interval!r}")
        self.klines.load(symbol, rows, name)

    def fill_limit(self, symbol: str, client_id: str, qty: Decimal | None = None) -> None:
        """Fill the resting limit order ``client_id`` (orderLinkId) at its price, as maker:
        all of it, or ``qty``.
        """
        self.engine.fill_limit(symbol, client_id, None if qty is None else to_decimal(qty))

    def move_position_by_hand(self, symbol: str, qty: Decimal) -> None:
        """A human trades ``qty`` (signed) at market on Bybit's website (no orderLinkId)."""
        self.engine.move_position_by_hand(symbol, to_decimal(qty))

    def pay_funding(self, symbol: str, rate: Decimal | str | float) -> Decimal:
        """Settle funding now at the mark price; returns what the account paid (< 0: received).

        A long pays ``rate`` × position value, a short receives it (the reverse when the
        rate is negative); it is booked as an ``execType=Funding`` execution.
        """
        execution = self.engine.pay_funding(symbol, to_decimal(rate))
        return execution.fee if execution is not None else Decimal(0)

    def set_hedge_mode(self, hedged: bool) -> None:
        """Put the account in hedge (``True``) or one-way mode, as the website would.

        The fake trades in one-way mode only: in hedge mode position/list shows both sides
        (positionIdx 1 and 2) and every order is refused.
        """
        if self.engine.hedge_mode != hedged:
            self.engine.switch_mode(hedged)

    def set_margin_mode(self, symbol: str, mode: str) -> None:
        """Set the margin mode, ``"cross"`` or ``"isolated"``.

        On a unified account the margin mode belongs to the whole account
        (``/v5/account/info`` ``marginMode``), so ``symbol`` only has to be a market here.
        """
        self.engine.market(symbol)
        if mode not in _MARGIN_MODES:
            raise ValueError(f"margin mode must be 'cross' or 'isolated', not {mode!r}")
        self.engine.set_margin_mode(_MARGIN_MODES[mode])

    # ---------------------------------------------------------------- faults
    def reject_next(
        self, method: str, path: str, code: int, msg: str | None = None, *, times: int = 1
    ) -> None:
        """Refuse the next ``times`` matching requests with Bybit's ``code`` (e.g. 10006)."""
        text = msg if msg is not None else message(code)
        self.server.faults.rejections.append(Rejection(method.upper(), path, code, text, times))

    async def wait_stream_subscribed(self, *topics: str) -> None:
        """Until one authenticated private socket is subscribed to all ``topics`` (5 s)."""
        await self.stream.wait_subscribed(topics)

    # ------------------------------------------------------------- inspection
    def orders(self, symbol: str | None = None) -> list[RestingOrder]:
        """Every order ever placed (conditional ones included), oldest first."""
        return [_resting_order(o) for o in self.engine.orders if symbol in (None, o.symbol)]

    def resting(self, symbol: str | None = None) -> list[RestingOrder]:
        """Orders still waiting (limits, untriggered stops and take-profits)."""
        return [_resting_order(o) for o in self.engine.open_orders(symbol)]

    @property
    def executions(self) -> list[Execution]:
        """Every execution (fills and funding), oldest first."""
        return self.engine.executions

    # ----------------------------------------------------------------- ledger
    def covered(self, symbol: str) -> Decimal:
        """Size of the position closed by resting reduce-only stop-market orders."""
        return self._protection.cover(symbol)

    def _stops(self, symbol: str) -> list[Stop]:
        """Untriggered reduce-only conditional market orders that fire on the loss side."""
        return [
            (o.side.lower(), o.qty)
            for o in self.engine.open_orders(symbol)
            if o.status == "Untriggered" and o.closing_stop
        ]
