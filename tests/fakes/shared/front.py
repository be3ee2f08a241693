"""The test-facing class both fakes build on: :class:`LoopbackExchange`.

It binds the exchange's app on two loopback listeners (plain HTTP and TLS), builds the
common part of the ccxt config, and offers what :class:`tests.fakes.exchange.FakeExchange`
asks alike of every fake: moving the market, leg and look-up faults, stream faults, the
protection ledger and the inspection views. The exchange's package supplies its engine,
REST server and stream, which URLs ccxt gets, and its resting stops (for the ledger).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar, Protocol, Self

from aiohttp import web

from ..exchange import FAULT_KINDS, LedgerEntry
from .ledger import ProtectionLedger, Stop
from .rest_faults import LegFault
from .tls import listen, server_ssl_context

__all__ = ["LoopbackExchange"]


class _Engine(Protocol):
    positions: Mapping[str, Any]
    last_price: dict[str, Decimal]
    leverage: Mapping[str, Any]
    wallet_balance: Decimal

    def market(self, symbol: str | None) -> Any: ...
    def set_price(self, symbol: str, price: Decimal | str | float) -> None: ...
    def play_candle(self, symbol: str, *ohlc: Decimal | str | float) -> None: ...


class _Faults(Protocol):
    legs: list[LegFault]
    lookups: int
    lookups_after: int


class _Server(Protocol):
    closing: asyncio.Event
    faults: _Faults
    requests: list[tuple[str, str, dict[str, Any]]]

    async def handle(self, request: web.Request) -> web.StreamResponse: ...


class _Stream(Protocol):
    pushed: list[dict[str, Any]]

    async def handle(self, request: web.Request) -> web.StreamResponse: ...
    async def close(self) -> None: ...
    def drop(self) -> None: ...
    def lose_next(self, n: int = 1) -> None: ...
    def duplicate_next(self, n: int = 1) -> None: ...
    def delay_next(self, n: int = 1) -> None: ...


class LoopbackExchange:
    """A fake exchange on loopback: lifecycle, common controls and views.

    A subclass sets ``engine``, ``server`` and ``stream`` before calling
    ``super().__init__``, and says which paths the stream answers (``stream_paths``) and
    which stops rest (:meth:`_stops`).
    """

    ccxt_id: ClassVar[str]
    markets: ClassVar[Mapping[str, Any]]
    """The exchange's markets by symbol."""
    stream_paths: ClassVar[tuple[str, ...]]
    """Websocket paths routed to the stream; every other path goes to the REST server."""

    engine: _Engine
    server: _Server
    stream: _Stream

    def __init__(self, *, api_key: str, api_secret: str) -> None:
        self._api_key, self._api_secret = api_key, api_secret
        self._protection = ProtectionLedger(
            self.markets, lambda s: self.engine.positions[s].size, self._stops
        )
        self._runner: web.AppRunner | None = None
        self._http_url = self._https_url = ""

    def _stops(self, symbol: str) -> list[Stop]:
        """The resting reduce-only stop-market orders of ``symbol`` (see :mod:`.ledger`)."""
        raise NotImplementedError

    # ------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        """Bind 127.0.0.1 on two free ports: plain HTTP and TLS, one app behind both."""
        app = web.Application()
        for path in self.stream_paths:
            app.router.add_get(path, self.stream.handle)
        app.router.add_route("*", "/{tail:.*}", self.server.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        plain, tls = listen(), listen()
        await web.SockSite(self._runner, plain).start()
        await web.SockSite(self._runner, tls, ssl_context=server_ssl_context()).start()
        self._http_url = f"http://127.0.0.1:{plain.getsockname()[1]}"
        self._https_url = f"https://127.0.0.1:{tls.getsockname()[1]}"

    async def close(self) -> None:
        """Release requests left hanging by timeout faults, close sockets, stop listening."""
        self.server.closing.set()
        await self.stream.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: the plain-HTTP listener, for raw requests."""
        return self._http_url

    @property
    def tls_base_url(self) -> str:
        """``https://127.0.0.1:PORT``: the TLS listener ccxt is pointed at."""
        return self._https_url

    def _tls_host(self) -> str:
        """``127.0.0.1:PORT`` of the TLS listener (RuntimeError before :meth:`start`)."""
        if not self._https_url:
            raise RuntimeError("start the fake before asking for its ccxt config")
        return self._https_url.removeprefix("https://")

    def _ccxt_config(self, api: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
        """The ccxt config around the exchange's ``urls.api`` and ``options``: the fake's
        credentials, no TLS verification (self-signed), no client-side rate limit, and no
        250 ms sleep in ``close()`` (loopback connections close at once).
        """
        return {
            "apiKey": self._api_key,
            "secret": self._api_secret,
            "urls": {"api": api},
            "verify": False,
            "enableRateLimit": False,
            "timeout_on_exit": 0,
            "options": options,
        }

    # ---------------------------------------------------------- market control
    def set_price(self, symbol: str, price: Decimal | str | float) -> None:
        """Move last and mark price to ``price`` in one jump, like a new trade print.

        Resting limits it crosses fill at their own price (maker); conditional orders it
        crosses trigger and fill at ``price`` (the move gapped past their trigger).
        """
        self.engine.set_price(symbol, price)

    def play_candle(self, symbol: str, open: Any, high: Any, low: Any, close: Any) -> None:
        """Jump to ``open``, then trade continuously open→low→high→close when ``close >= open``
        (open→high→low→close otherwise); a trigger reached inside fills at its trigger price.
        """
        self.engine.play_candle(symbol, open, high, low, close)

    # ---------------------------------------------------------------- faults
    def fail_leg(self, leg: str, kind: str, *, times: int = 1) -> None:
        """The next ``times`` placements of ``leg`` (``leverage``: the next set-leverage)
        fail as ``kind`` (see :mod:`tests.fakes.exchange`); ``reject`` and ``reject_margin``
        answer the exchange's own error codes (see the class doc).
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}, expected one of {FAULT_KINDS}")
        self.server.faults.legs.append(LegFault(leg, kind, times))

    def fail_lookups(self, times: int, *, after: int = 0) -> None:
        """After ``after`` more look-ups, the next ``times`` order look-ups (single orders
        and order lists) answer a 5xx gateway page; ``times=0`` ends the fault.
        """
        self.server.faults.lookups = times
        self.server.faults.lookups_after = after

    # ---------------------------------------------------------- stream faults
    def stream_drop(self) -> None:
        """Close every private socket abruptly (no close frame)."""
        self.stream.drop()

    def stream_lose_next(self, n: int = 1) -> None:
        """The next ``n`` pushed messages are silently not sent."""
        self.stream.lose_next(n)

    def stream_duplicate_next(self, n: int = 1) -> None:
        """The next ``n`` pushed messages are sent twice."""
        self.stream.duplicate_next(n)

    def stream_delay_next(self, n: int = 1) -> None:
        """The next ``n`` pushed messages are held back and sent after the following one."""
        self.stream.delay_next(n)

    @property
    def stream_events(self) -> list[dict[str, Any]]:
        """Every message meant for the private sockets, in order, before stream faults."""
        return self.stream.pushed

    # ------------------------------------------------------------- inspection
    def position_size(self, symbol: str) -> Decimal:
        """The signed position (0 when flat)."""
        return self.engine.positions[self.engine.market(symbol).symbol].size

    @property
    def ledger(self) -> list[LedgerEntry]:
        """The protection ledger: after every request served, an entry per symbol with a
        position or resting reduce-only stops (and, once, for a symbol that just lost both,
        so that a span can end). The websocket is not a request.
        """
        return self._protection.entries

    def _record(self, request: str) -> None:
        """Append the ledger entries of the request just served (``METHOD /path leg=…``)."""
        self._protection.record(request)

    @property
    def wallet_balance(self) -> Decimal:
        """USDT wallet: deposit + realized PnL − fees ± funding (unrealized PnL excluded)."""
        return self.engine.wallet_balance

    @property
    def requests(self) -> list[tuple[str, str, dict[str, Any]]]:
        """``(method, path, params)`` of every REST request received (no signature)."""
        return self.server.requests

    @property
    def leverage(self) -> Mapping[str, Any]:
        """Leverage per symbol (the exchange's default until changed)."""
        return self.engine.leverage

    def last_price(self, symbol: str) -> Decimal:
        """The last (and mark) price of ``symbol``."""
        return self.engine.last_price[self.engine.market(symbol).symbol]

    @classmethod
    def symbols(cls) -> list[str]:
        """The exchange's market ids."""
        return list(cls.markets)
