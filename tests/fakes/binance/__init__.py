"""A fake Binance USD-M futures REST server that real ccxt ``binanceusdm`` trades against.

::

    async with FakeBinanceFutures() as fake:
        ex = ccxt.async_support.binanceusdm({**fake.ccxt_config(), "timeout": 2000})
        try:
            await ex.create_order("XRP/USDT:USDT", "market", "buy", 100)
            fake.set_price("XRPUSDT", "0.55")
        finally:
            await ex.close()

The matching engine and account live in :mod:`.engine`, market data in :mod:`.markets`,
the HTTP side (routes, signature check, JSON shapes, faults) in :mod:`.server`.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import socket
import ssl
import tempfile
from decimal import Decimal
from typing import Any

from aiohttp import web

from .engine import AlgoOrder, Engine, Order, Position, Trade, to_decimal
from .markets import MARKETS, BinanceError, KlineStore
from .server import FAULT_KINDS, BinanceServer, Fault

__all__ = ["AlgoOrder", "BinanceError", "FakeBinanceFutures", "Order", "Position", "Trade"]

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


_SSL_CONTEXT: ssl.SSLContext | None = None


def _server_ssl_context() -> ssl.SSLContext:
    """A TLS context with a self-signed EC certificate for 127.0.0.1, made once per process."""
    global _SSL_CONTEXT
    if _SSL_CONTEXT is None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-binance")])
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
            .sign(key, hashes.SHA256())
        )
        pem_key = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory() as tmp:  # the ssl module loads keys from files only
            path = os.path.join(tmp, "fake-binance.pem")
            with open(path, "wb") as pem:
                pem.write(cert.public_bytes(serialization.Encoding.PEM) + pem_key)
            context.load_cert_chain(path)
        _SSL_CONTEXT = context
    return _SSL_CONTEXT


def _listen() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


class FakeBinanceFutures:
    """A Binance USD-M futures exchange on loopback, driven by tests and inspected directly.

    Symbols are exchange ids (``"XRPUSDT"``); amounts are ``Decimal``. Every market starts
    at a default price (BTCUSDT 60000, ETHUSDT 3000, XRPUSDT 0.5) with 20x leverage and a
    flat one-way position.
    """

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
        self.server = BinanceServer(self.engine, self.klines, api_key, api_secret)
        self._api_key, self._api_secret = api_key, api_secret
        self._runner: web.AppRunner | None = None
        self._http_url = self._https_url = ""

    # ------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        """Bind 127.0.0.1 on two free ports: plain HTTP and TLS, one app behind both."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.server.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        plain, tls = _listen(), _listen()
        await web.SockSite(self._runner, plain).start()
        await web.SockSite(self._runner, tls, ssl_context=_server_ssl_context()).start()
        self._http_url = f"http://127.0.0.1:{plain.getsockname()[1]}"
        self._https_url = f"https://127.0.0.1:{tls.getsockname()[1]}"

    async def close(self) -> None:
        """Release requests left hanging by timeout faults and stop listening."""
        self.server.closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBinanceFutures:
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

    def ccxt_config(self) -> dict[str, Any]:
        """Constructor config of ``ccxt.async_support.binanceusdm`` for this fake (JSON-safe).

        - ``apiKey``/``secret``: what the fake checks (X-MBX-APIKEY header, HMAC-SHA256).
        - ``urls.api``: every ccxt api section, as ``https://demo-fapi@127.0.0.1:PORT/<prefix>``.
          ccxt applies Binance's USD-M error table (-2019 InsufficientFunds, -2022, -4164,
          -4116 InvalidOrder, -2021 OrderImmediatelyFillable...) only to URLs starting with
          ``https://fapi.<hostname>/`` or ``https://demo-fapi``; for any other URL those codes
          become a bare ExchangeError. The ``demo-fapi@`` user-info passes that test while
          the host stays 127.0.0.1 (aiohttp sends it as a harmless Basic auth header), so no
          ``exceptions`` table, which would hold Python classes, is needed. Sections the fake
          does not serve (spot, sapi, dapi, eapi, papi) answer -1020 (ccxt BadRequest)
          instead of leaking to binance.com.
        - ``verify: False``: the TLS certificate is self-signed.
        - ``enableRateLimit: False``: ccxt's client-side throttle (50 ms per weight unit,
          4 units per order) only slows tests down; the fake enforces no rate limit.
        - ``timeout_on_exit: 0``: ``close()`` otherwise sleeps 250 ms so that TLS connections
          to far-away hosts wind down; on loopback they close at once (checked without any
          ResourceWarning under ``python -X dev``).
        - ``options.fetchCurrencies: False``: ``load_markets`` would otherwise call the spot
          wallet endpoint ``sapi/capital/config/getall``, which USD-M trading does not need.
        """
        if not self._https_url:
            raise RuntimeError("start the fake before asking for its ccxt config")
        base = "https://demo-fapi@" + self._https_url.removeprefix("https://")
        return {
            "apiKey": self._api_key,
            "secret": self._api_secret,
            "urls": {"api": {name: base + prefix for name, prefix in _API_PREFIXES.items()}},
            "verify": False,
            "enableRateLimit": False,
            "timeout_on_exit": 0,
            "options": {"fetchCurrencies": False},
        }

    # ---------------------------------------------------------- market control
    def set_price(self, symbol: str, price: Decimal | str | float) -> None:
        """Move last and mark price to ``price`` in one jump, like a new trade print.

        Resting limits it crosses fill at their own price (maker); stops and take-profits it
        crosses trigger and their market order fills at ``price`` (the move gapped past).
        """
        self.engine.set_price(symbol, price)

    def play_candle(self, symbol: str, open: Any, high: Any, low: Any, close: Any) -> None:
        """Jump to ``open``, then trade continuously open→low→high→close when ``close >= open``
        (open→high→low→close otherwise); a trigger reached inside fills at its trigger price.
        """
        self.engine.play_candle(symbol, open, high, low, close)

    def load_klines(self, symbol: str, rows: list[list[Any]], interval: str | None = None) -> None:
        """Serve ``[ms, o, h, l, c, v]`` rows on GET /fapi/v1/klines for ``interval`` (inferred
        from the rows when omitted) and, resampled, for every coarser interval up to 1d.
        """
        self.engine.market(symbol)
        self.klines.load(symbol, rows, interval)

    def set_market_fill_limit(self, symbol: str, max_qty: Decimal | str | None) -> None:
        """Market orders (triggered ones too) fill at most ``max_qty``; the rest expires."""
        self.engine.set_market_fill_limit(symbol, None if max_qty is None else to_decimal(max_qty))

    def fill_limit(self, order_id: int, qty: Decimal | str | None = None) -> None:
        """Force a maker fill of a resting limit order at its price: all of it, or ``qty``."""
        self.engine.fill_limit(order_id, None if qty is None else to_decimal(qty))

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
        self.server.faults.append(Fault(method.upper(), path, kind, times))

    def reject_next(
        self, method: str, path: str, *, code: int, msg: str, status: int = 400, times: int = 1
    ) -> None:
        """Answer the next ``times`` matching requests with ``{"code": code, "msg": msg}``,
        doing nothing, e.g. ``reject_next("POST", "/fapi/v1/order", code=-2019,
        msg="Margin is insufficient.")``.
        """
        self.server.faults.append(Fault(method.upper(), path, "reject", times, code, msg, status))

    # ------------------------------------------------------------- inspection
    @property
    def orders(self) -> list[Order]:
        """Every regular order, oldest first (actual orders of triggered algos included)."""
        return self.engine.orders

    @property
    def algo_orders(self) -> list[AlgoOrder]:
        """Every conditional (algo) order, oldest first."""
        return self.engine.algo_orders

    @property
    def positions(self) -> dict[str, Position]:
        """One position per symbol (``size`` signed, 0 when flat) with its entry price."""
        return self.engine.positions

    @property
    def wallet_balance(self) -> Decimal:
        """USDT wallet: deposit + realized PnL - fees (unrealized PnL excluded)."""
        return self.engine.wallet_balance

    @property
    def trades(self) -> list[Trade]:
        """Every fill, with its fee (``commission``) and ``realized_pnl``."""
        return self.engine.trades

    @property
    def requests(self) -> list[tuple[str, str, dict[str, str]]]:
        """``(method, path, params)`` of every request received, signature left out."""
        return self.server.requests

    @property
    def leverage(self) -> dict[str, int]:
        """Leverage per symbol (20 until set_leverage changes it)."""
        return self.engine.leverage

    def last_price(self, symbol: str) -> Decimal:
        return self.engine.last_price[self.engine.market(symbol).symbol]

    @staticmethod
    def symbols() -> list[str]:
        return list(MARKETS)
