"""End-to-end latency: TradingView alert → Discord approval message → click → bracket on Binance.

    python benchmarks/end_to_end.py [--alerts 30] [--warmup 1] [--burst 10]

The whole product runs in this process exactly as ``python -m bot`` runs it
(``bot.runtime.run``: webhook, SQLite store, chart worker pool, discord.py, ccxt), against the
fakes of the end-to-end tests on loopback: ``tests/fakes/discord.FakeDiscord`` (gateway + REST,
real discord.py connects to it) and ``tests/fakes/binance.FakeBinanceFutures`` (real ccxt
``binanceusdm`` over TLS). Alerts are real HTTP POSTs to the webhook; approvals are real
button interactions sent through the fake gateway. The settings are production's defaults
(ccxt's limiter on with the flavour's rolling window, monitor every 5 s, WAL SQLite in a temp
folder) except the webhook's per-sender rate limit, raised so that the benchmark never hits it.

Per timed cycle (symbols BTCUSDT, ETHUSDT, XRPUSDT in rotation):

1. **alert → approval message**: from the moment the entry alert's POST is sent to the moment
   the approval message (embed, chart.png attachment, Approve/Reject buttons: one multipart
   create) is stored by the fake Discord;
2. **click → entry received**: from ``FakeDiscord.click`` on Approve to the arrival of the
   entry order request at the fake exchange (its request log, stamped as it is appended);
3. **click → bracket**: from the click to the moment the entry, the reduce-only stop and
   every take-profit exist on the fake exchange (its engine, stamped as each order is created).

Between cycles (untimed) the trade is closed by an ``exit`` alert and the benchmark waits for
the closing lines in Discord, so every next alert finds the symbol free and the bot idle.

The timestamps come from hooks this script puts on the live fake objects and on product
classes (``time.perf_counter``, nothing in the repository is modified): the fake Discord's
message store, the fake exchange's request log and order engine, and wrappers on the stages
of both paths (webhook handler, alert handler, candle cache, chart pool, Discord send,
approval desk, executor, ccxt adapter, SQLite transactions), printed as a waterfall.

**Burst**: the channel gets Discord's per-channel limit (5 messages per 5 s), then ``--burst``
entry alerts on distinct symbols are POSTed at once; it prints when each message appeared,
the 429s served and whether the messages came in the order the webhook accepted the alerts.
The fake exchange lists three markets; the other burst symbols (ADAUSDT, DOGEUSDT, ...) are
copies of XRPUSDT's filters added to the fake's market table in this process for the run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import dataclasses
import functools
import json
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# benchmarks/charts.py would shadow the charts package: keep this folder off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import ccxt  # noqa: E402
import discord  # noqa: E402

import bot.notifier  # noqa: E402
import bot.views  # noqa: E402
import charts.candle_cache  # noqa: E402
import charts.pool  # noqa: E402
import charts.worker  # noqa: E402
import trading.alert_handler  # noqa: E402
import trading.alert_worker  # noqa: E402
import trading.decisions  # noqa: E402
import trading.exchange.ccxt_exchange  # noqa: E402
import trading.execution.actions  # noqa: E402
import trading.monitor  # noqa: E402
import trading.store.trades  # noqa: E402
import webhook.intake  # noqa: E402
from tests.e2e.conftest import (  # noqa: E402
    APPROVER_ROLE,
    PASSPHRASE,
    TRADER,
    VIEWER,
    VIEWER_ROLE,
    Greenlight,
    make_settings,
)
from tests.fakes.binance import FakeBinanceFutures  # noqa: E402
from tests.fakes.binance.markets import MARKETS  # noqa: E402
from tests.fakes.discord import FakeDiscord, FakeMessage  # noqa: E402
from trading.exchange.replay import read_candles_csv  # noqa: E402

CSV = ROOT / "tests" / "data" / "XRPUSDT-PERP-5m.csv"
ROTATION = ("BTCUSDT", "ETHUSDT", "XRPUSDT")
PRICES = {"BTCUSDT": Decimal("60000.0"), "ETHUSDT": Decimal("3000.00")}
CLONE_PRICE = Decimal("1.0000")  # XRPUSDT and its copies
CLONES = ("ADA", "DOGE", "SOL", "LTC", "LINK", "DOT", "AVAX", "TRX", "ATOM", "NEAR")
BURST_LIMIT = (5, 5.0)  # Discord's per-channel message limit: 5 per 5 s
TAKE_PROFIT_LEGS = ("tp1", "tp2", "tp3")
TARGETS_MS = {"alert": 1000.0, "entry": 100.0, "bracket": 300.0}
WAIT_S = 20.0
SETTLE_S = 0.1  # quiet time before a timed step (a human clicks seconds later anyway)


# --- probes on the fakes -------------------------------------------------------------------


class Probes:
    """Stamps put on the live fakes: message stored, request arrived, order created."""

    def __init__(self, discord_fake: FakeDiscord, exchange: FakeBinanceFutures) -> None:
        self.message_at: dict[int, float] = {}
        self.arrivals: list[tuple[float, str, str, dict[str, str]]] = []
        self.placed_at: dict[str, float] = {}  # client order id -> created on the fake
        self._changed = asyncio.Event()

        state = discord_fake.state
        new_message, touch = state.new_message, state.touch

        def stamped_message(*args: Any, **kwargs: Any) -> FakeMessage:
            message = new_message(*args, **kwargs)
            self.message_at[message.id] = time.perf_counter()
            self.poke()
            return message

        def poked_touch() -> None:
            touch()
            self.poke()

        state.new_message = stamped_message  # type: ignore[method-assign]
        state.touch = poked_touch  # type: ignore[method-assign]

        engine = exchange.engine
        for name in ("new_order", "new_algo_order"):
            original = getattr(engine, name)

            def stamped_order(request: Any, _original: Callable[[Any], Any] = original) -> Any:
                order = _original(request)
                self.placed_at.setdefault(order.client_id, time.perf_counter())
                self.poke()
                return order

            setattr(engine, name, stamped_order)

        probes = self

        class ArrivalLog(list):  # type: ignore[type-arg]
            def append(self, item: Any) -> None:
                method, path, params = item
                probes.arrivals.append((time.perf_counter(), method, path, params))
                super().append(item)

        exchange.server.requests = ArrivalLog(exchange.server.requests)

    def poke(self) -> None:
        self._changed.set()

    async def wait(self, predicate: Callable[[], Any], what: str, timeout: float = WAIT_S) -> Any:  # noqa: ASYNC109
        """Wait until ``predicate()`` is truthy (re-checked on every change of either fake)."""
        deadline = time.monotonic() + timeout
        while True:
            self._changed.clear()
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"not within {timeout:g} s: {what}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.05))

    def arrival(self, method: str, path: str, key: str, prefix: str) -> float | None:
        for at, m, p, params in self.arrivals:
            if m == method and p == path and params.get(key, "").startswith(prefix):
                return at
        return None

    def placed(self, prefix: str) -> float | None:
        times = [at for cid, at in self.placed_at.items() if cid.startswith(prefix)]
        return min(times) if times else None


# --- stage wrappers on product classes -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Span:
    label: str
    start: float
    end: float
    owner: str  # the part of the product it ran for
    detail: str = ""

    @property
    def seconds(self) -> float:
        return self.end - self.start


#: which part of the product a call runs for; tasks (gather, create_task) inherit it
_OWNER: contextvars.ContextVar[str] = contextvars.ContextVar("owner", default="other tasks")


class Tracer:
    """Wraps methods of product classes to record when each call starts and ends."""

    def __init__(self) -> None:
        self.spans: list[Span] = []
        self.missing: list[str] = []  # methods not found (the product changed): not traced
        self._undo: list[tuple[type, str, Any]] = []

    def _original(self, owner: type, name: str) -> Any:
        original = owner.__dict__.get(name)
        if original is None:
            self.missing.append(f"{owner.__name__}.{name}")
        return original

    def _keep(self, owner: type, name: str, replacement: Any) -> None:
        self._undo.append((owner, name, owner.__dict__[name]))
        setattr(owner, name, replacement)

    def tag(self, owner: type, name: str, tag: str) -> None:
        """Calls of ``owner.name`` (and the tasks they start) run as ``tag``."""
        original = self._original(owner, name)
        if original is None:
            return

        @functools.wraps(original)
        async def tagged(*args: Any, **kwargs: Any) -> Any:
            token = _OWNER.set(tag)
            try:
                return await original(*args, **kwargs)
            finally:
                _OWNER.reset(token)

        self._keep(owner, name, tagged)

    def coroutine(
        self, owner: type, name: str, label: str, detail: Callable[..., str] | None = None
    ) -> None:
        original = self._original(owner, name)
        if original is None:
            return
        spans = self.spans

        @functools.wraps(original)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                text = detail(*args, **kwargs) if detail else ""
                spans.append(Span(label, start, time.perf_counter(), _OWNER.get(), text))

        self._keep(owner, name, timed)

    def blocking(self, owner: type, name: str, label: str) -> None:
        original = self._original(owner, name)
        if original is None:
            return
        spans = self.spans

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spans.append(Span(label, start, time.perf_counter(), "thread"))

        self._keep(owner, name, timed)

    def context(self, owner: type, name: str, label: str) -> None:
        original = self._original(owner, name)
        if original is None:
            return
        spans = self.spans

        @contextlib.asynccontextmanager
        async def timed(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            start = time.perf_counter()
            try:
                async with original(*args, **kwargs) as inner:
                    yield inner
            finally:
                spans.append(Span(label, start, time.perf_counter(), _OWNER.get()))

        self._keep(owner, name, functools.wraps(original)(timed))

    def restore(self) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)
        self._undo.clear()

    def between(self, start: float, end: float) -> list[Span]:
        return [s for s in self.spans if start <= s.start <= end]


def install_tracer() -> Tracer:
    tracer = Tracer()
    ccxt_exchange = trading.exchange.ccxt_exchange.CcxtExchange
    # who runs what (for the SQLite breakdown)
    tracer.tag(trading.alert_worker.AlertWorker, "run", "alert worker")
    tracer.tag(bot.notifier.Notifier, "run", "notifier (Discord posts)")
    tracer.tag(trading.monitor.Monitor, "run", "monitor")
    tracer.tag(trading.decisions.OfferDecisions, "approve", "decisions.approve (click)")
    tracer.tag(trading.execution.actions.Executor, "enter", "executor.enter")
    # the alert's path
    tracer.coroutine(webhook.intake.AlertIntake, "handle", "webhook")
    tracer.coroutine(
        trading.alert_handler.AlertHandler,
        "handle",
        "alert_handler",
        lambda _self, accepted: accepted.alert.ticker.removesuffix(".P"),
    )
    tracer.coroutine(charts.candle_cache.CandleCache, "get", "candles")
    tracer.coroutine(charts.pool.ChartRenderer, "render", "render")
    tracer.blocking(charts.worker.Worker, "call", "worker_call")
    tracer.coroutine(bot.notifier.Notifier, "post_offer", "post_offer")
    tracer.coroutine(discord.abc.Messageable, "send", "send")
    # the click's path
    tracer.coroutine(bot.views.ApprovalButton, "interaction_check", "interaction_check")
    tracer.coroutine(trading.decisions.OfferDecisions, "approve", "approve")
    tracer.coroutine(trading.execution.actions.Executor, "enter", "enter")
    tracer.coroutine(ccxt_exchange, "fetch_price", "fetch_price")
    tracer.coroutine(ccxt_exchange, "fetch_balance", "fetch_balance")
    tracer.coroutine(ccxt_exchange, "set_leverage", "set_leverage")
    tracer.coroutine(
        ccxt_exchange, "create_order", "create_order", lambda _self, request: request.client_id
    )
    tracer.context(trading.store.trades.TradeStore, "begin", "sqlite_write")
    tracer.context(trading.store.trades.TradeStore, "read", "sqlite_read")
    return tracer


# --- market data and alerts ----------------------------------------------------------------


def add_clone_markets(count: int) -> list[str]:
    """Register ``count`` copies of XRPUSDT under other names in the fake's market table."""
    added = []
    for base in CLONES[:count]:
        symbol = f"{base}USDT"
        if symbol not in MARKETS:
            MARKETS[symbol] = dataclasses.replace(
                MARKETS["XRPUSDT"], symbol=symbol, base=base, default_price=CLONE_PRICE
            )
            added.append(symbol)
    return added


def price_of(symbol: str) -> Decimal:
    return PRICES.get(symbol, CLONE_PRICE)


def scaled_klines(rows: list[list[float]], price: Decimal) -> list[list[float]]:
    """The recorded XRP candles moved to ``price`` (last close = ``price``)."""
    factor = float(price) / rows[-1][4]
    return [[r[0], r[1] * factor, r[2] * factor, r[3] * factor, r[4] * factor, r[5]] for r in rows]


def _num(value: Decimal) -> float:
    return float(value)


class Alerts:
    """Entry and exit alert bodies, each with its own id (no dedup)."""

    def __init__(self, last_candle_ms: int) -> None:
        self._count = 0
        self._time = datetime.fromtimestamp(last_candle_ms / 1000, UTC).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        self._stamp = f"{os.getpid()}-{int(time.time())}"

    def _id(self) -> str:
        self._count += 1
        return f"bench-{self._stamp}-{self._count}"

    def entry(self, symbol: str) -> dict[str, Any]:
        price = price_of(symbol)
        tick = MARKETS[symbol].tick_size
        level = lambda pct: _num((price * Decimal(pct)).quantize(tick))  # noqa: E731
        return {
            "passphrase": PASSPHRASE,
            "id": self._id(),
            "ticker": f"{symbol}.P",
            "exchange": "BINANCE",
            "interval": "5",
            "action": "buy",
            "message": "entry",
            "price": _num(price),
            "time": self._time,
            "stop_loss": level("0.98"),
            "take_profits": [
                {"price": level("1.02"), "close_pct": 30},
                {"price": level("1.04"), "close_pct": 30},
                {"price": level("1.06")},
            ],
            "strategy": "Benchmark",
        }

    def exit(self, symbol: str) -> dict[str, Any]:
        return {
            "passphrase": PASSPHRASE,
            "id": self._id(),
            "ticker": f"{symbol}.P",
            "exchange": "BINANCE",
            "message": "exit",
            "strategy": "Benchmark",
        }


def ccxt_symbol(symbol: str) -> str:
    return f"{symbol.removesuffix('USDT')}/USDT:USDT"


# --- one cycle -----------------------------------------------------------------------------


@dataclass
class Cycle:
    symbol: str
    posted: float = 0.0  # POST sent
    answered: float = 0.0  # 200 received
    message: float = 0.0  # approval message stored by the fake Discord
    clicked: float = 0.0  # just before FakeDiscord.click
    entry_arrived: float = 0.0  # entry request arrived at the fake exchange
    entry_placed: float = 0.0  # entry order created by the fake exchange
    bracket: float = 0.0  # stop and every TP created by the fake exchange
    trade_id: str = ""
    png_bytes: int = 0
    alert_spans: list[Span] = field(default_factory=list)
    click_spans: list[Span] = field(default_factory=list)

    @property
    def alert_s(self) -> float:
        return self.message - self.posted

    @property
    def entry_s(self) -> float:
        return self.entry_arrived - self.clicked

    @property
    def bracket_s(self) -> float:
        return self.bracket - self.clicked


class Bench:
    def __init__(
        self, app: Greenlight, probes: Probes, tracer: Tracer, alerts: Alerts, http: Any
    ) -> None:
        self.app = app
        self.discord = app.discord
        self.exchange = app.exchange
        self.probes = probes
        self.tracer = tracer
        self.alerts = alerts
        self.http = http

    async def post(self, body: dict[str, Any]) -> tuple[float, float, dict[str, Any]]:
        began = time.perf_counter()
        async with self.http.post(self.app.url + "/webhook", json=body) as response:
            answer = await response.json()
            status = response.status
        answered = time.perf_counter()
        if status != 200 or answer.get("status") != "accepted":
            raise RuntimeError(f"the webhook answered {status} {answer} to {body['message']}")
        return began, answered, answer

    def _new_offer(self, before: set[int], symbol: str) -> FakeMessage | None:
        for message in self.discord.messages():
            if message.id in before:
                continue
            if message.buttons and symbol in message.text:
                return message
            if "not offered" in message.text.lower():
                raise RuntimeError(f"the alert was not offered: {message.text}")
        return None

    async def cycle(self, symbol: str) -> Cycle:
        """Alert, approval message, click, bracket (timed); then close the trade (untimed)."""
        cycle = Cycle(symbol)
        before = {m.id for m in self.discord.messages()}
        cycle.posted, cycle.answered, _ = await self.post(self.alerts.entry(symbol))
        message = await self.probes.wait(
            lambda: self._new_offer(before, ccxt_symbol(symbol)), f"the {symbol} offer"
        )
        cycle.message = self.probes.message_at[message.id]
        cycle.png_bytes = sum(a.size for a in message.attachments)
        approve = next(b for b in message.buttons if b.get("label") == "Approve")
        # post_offer adds ✅ ❌ after the message: let it finish, as a human would
        await self.probes.wait(
            lambda: set(self.discord.message(message.id).reactions) >= {"✅", "❌"},
            "the offer's reactions",
        )
        await asyncio.sleep(SETTLE_S)
        cycle.alert_spans = self.tracer.between(cycle.posted, cycle.message)

        known = set(self.probes.placed_at)
        cycle.clicked = time.perf_counter()
        click = await self.discord.click(message.id, approve["custom_id"], user_id=TRADER)
        legs = ("stop", *TAKE_PROFIT_LEGS)

        def new_entry() -> str | None:  # the offer's trade: its id is in its orders' client ids
            return next(
                (c for c in self.probes.placed_at if c not in known and "-entry-" in c), None
            )

        try:
            entry_id = await self.probes.wait(new_entry, f"the {symbol} entry")
        except TimeoutError:
            raise RuntimeError(
                f"no entry for {symbol}; the click answered {click.text!r}"
            ) from None
        cycle.trade_id = entry_id.removeprefix("gl-").split("-entry-", 1)[0]
        prefix = f"gl-{cycle.trade_id}-"

        def bracket_done() -> bool:
            return self.probes.placed(prefix + "entry-") is not None and all(
                self.probes.placed(f"{prefix}{leg}-") is not None for leg in legs
            )

        try:
            await self.probes.wait(bracket_done, f"the {symbol} bracket")
        except TimeoutError:
            raise RuntimeError(
                f"no bracket for {symbol}; the click answered {click.text!r}"
            ) from None
        placed = [self.probes.placed(f"{prefix}{leg}-") for leg in legs]
        cycle.bracket = max(t for t in placed if t is not None)
        cycle.entry_placed = self.probes.placed(prefix + "entry-") or 0.0
        arrived = self.probes.arrival(
            "POST", "/fapi/v1/order", "newClientOrderId", prefix + "entry-"
        )
        cycle.entry_arrived = arrived or cycle.entry_placed  # no request log: the order itself
        await self.probes.wait(
            lambda: any(s.label == "enter" and s.start >= cycle.clicked for s in self.tracer.spans),
            "executor.enter to return",
        )
        cycle.click_spans = self.tracer.between(cycle.clicked, time.perf_counter())

        await self.close(symbol, message.id)
        return cycle

    async def close(self, symbol: str, message_id: int) -> None:
        """Exit the trade by alert and wait until Discord shows it closed (untimed)."""
        await self.post(self.alerts.exit(symbol))
        await self.probes.wait(
            lambda: any("Trade closed" in m.text for m in self.discord.thread_messages(message_id)),
            f"the {symbol} trade closed in its thread",
        )
        await self.probes.wait(
            lambda: (
                self.exchange.positions[symbol].size == 0
                and not [a for a in self.exchange.algo_orders if a.symbol == symbol and a.is_open]
            ),
            f"{symbol} flat with no open orders on the exchange",
        )
        await asyncio.sleep(SETTLE_S)

    async def burst(self, symbols: list[str]) -> Burst:
        """POST one entry per symbol at once into a rate-limited channel; reject them after."""
        count, per_s = BURST_LIMIT
        self.discord.set_channel_rate_limit(self.discord.channel_id, count=count, per_s=per_s)
        before = {m.id for m in self.discord.messages()}
        hits_before = len(self.discord.rate_limited)
        start_index = len(self.tracer.spans)
        bodies = [self.alerts.entry(symbol) for symbol in symbols]
        began = time.perf_counter()
        posted = await asyncio.gather(*(self.post(body) for body in bodies))

        def all_there() -> list[FakeMessage] | None:
            new = [m for m in self.discord.messages() if m.id not in before]
            return new if len(new) >= len(symbols) else None

        messages = await self.probes.wait(all_there, "every burst message", timeout=60)
        await asyncio.sleep(SETTLE_S)
        handled = sorted(self.tracer.spans[start_index:], key=lambda s: s.start)
        result = Burst(
            began=began,
            symbols=symbols,
            answered=[p[1] - began for p in posted],
            accepted=[
                s for _, s in sorted(zip((p[2]["alert_id"] for p in posted), symbols, strict=True))
            ],
            shown=[_symbol_in(m.text, symbols) for m in messages],
            offsets=[self.probes.message_at[m.id] - began for m in messages],
            with_chart=sum(1 for m in messages if m.buttons and m.attachments),
            hits=len(self.discord.rate_limited) - hits_before,
            processed=[s.detail for s in handled if s.label == "alert_handler"],
            renders=[(s.start - began, s.end - began) for s in handled if s.label == "render"],
        )
        # clean up (untimed): reject every offer
        clicks = []
        for message in messages:
            reject = next((b for b in message.buttons if b.get("label") == "Reject"), None)
            if reject is not None:
                clicks.append(
                    await self.discord.click(message.id, reject["custom_id"], user_id=TRADER)
                )
        for click in clicks:
            await click.wait_until(lambda r: "Rejected" in r.text, timeout=WAIT_S, what="reject")
        return result


def _symbol_in(text: str, symbols: Iterable[str]) -> str:
    return next((s for s in symbols if ccxt_symbol(s) in text or f"{s}.P" in text), "?")


@dataclass
class Burst:
    began: float
    symbols: list[str]
    answered: list[float]
    accepted: list[str]
    shown: list[str]
    offsets: list[float]
    with_chart: int
    hits: int
    processed: list[str]
    renders: list[tuple[float, float]]  # start, end (s after the first POST)


# --- report --------------------------------------------------------------------------------


def percentile(values: list[float], pct: int) -> float:
    """The ``pct``-th percentile, linearly interpolated (inclusive method)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def _ms(seconds: float, width: int = 8) -> str:
    return f"{seconds * 1000:{width}.1f}"


def _first(spans: list[Span], label: str, after: float = 0.0) -> Span | None:
    return next((s for s in spans if s.label == label and s.start >= after), None)


Stage = tuple[str, float, float]  # label, start, end (perf_counter)


def alert_stages(c: Cycle) -> list[Stage]:
    spans = c.alert_spans
    out: list[Stage] = [("POST sent → 200 received (client side)", c.posted, c.answered)]
    hook = _first(spans, "webhook")
    if hook:
        out.append(("  webhook handler: check, dedup, SQLite append", hook.start, hook.end))
    handler = _first(spans, "alert_handler")
    if handler:
        out.append(
            ("AlertHandler.handle: markets, price, balance, plan", handler.start, handler.end)
        )
        for label, text in (("fetch_price", "ccxt fetch_price"), ("fetch_balance", "ccxt balance")):
            span = _first(spans, label, handler.start)
            if span and span.end <= handler.end:
                out.append((f"  {text}", span.start, span.end))
    candles = _first(spans, "candles")
    if candles:
        out.append(("candles (30 s cache, fetch_ohlcv on a miss)", candles.start, candles.end))
    render = _first(spans, "render")
    if render:
        out.append(("chart: ChartRenderer.render", render.start, render.end))
        call = _first(spans, "worker_call", render.start)
        if call:
            out.append(("  worker round trip (pipe + render in the worker)", call.start, call.end))
    post = _first(spans, "post_offer")
    if post:
        out.append(("Notifier.post_offer → message stored by the fake", post.start, c.message))
        send = _first(spans, "send", post.start)
        if send:
            out.append(("  discord.py channel.send (multipart with PNG)", send.start, send.end))
        out.append(("then SQLite update + 2 reactions (next alert waits)", c.message, post.end))
    out.append(("total: alert → approval message", c.posted, c.message))
    return out


def click_stages(c: Cycle) -> list[Stage]:
    spans = c.click_spans
    out: list[Stage] = []
    check = _first(spans, "interaction_check")
    if check:
        out.append(
            ("click → bot's interaction_check (gateway, discord.py)", c.clicked, check.start)
        )
    approve = _first(spans, "approve")
    if approve:
        out.append(("desk.approve: read, fetch_price, compare-and-set", approve.start, approve.end))
        price = _first(spans, "fetch_price", approve.start)
        if price and price.end <= approve.end:
            out.append(("  ccxt fetch_price (the drift check)", price.start, price.end))
    enter = _first(spans, "enter")
    if enter:
        out.append(("executor.enter (spawned after approve)", enter.start, enter.end))
        leverage = _first(spans, "set_leverage", enter.start)
        if leverage:
            out.append(("  ccxt set_leverage", leverage.start, leverage.end))
        for span in spans:
            if span.label == "create_order" and span.detail.startswith(f"gl-{c.trade_id}-"):
                leg = span.detail.removeprefix(f"gl-{c.trade_id}-").rsplit("-", 1)[0]
                out.append((f"  ccxt create_order {leg}", span.start, span.end))
    out.append(("click → entry request at the exchange", c.clicked, c.entry_arrived))
    out.append(("click → entry order on the exchange", c.clicked, c.entry_placed))
    out.append(("click → stop + all TPs on the exchange", c.clicked, c.bracket))
    return out


def print_waterfall(
    title: str,
    cycles: list[Cycle],
    stages: Callable[[Cycle], list[Stage]],
    zero: Callable[[Cycle], float],
) -> None:
    rows: dict[str, list[tuple[float, float]]] = {}
    for c in cycles:
        for label, start, end in stages(c):
            rows.setdefault(label, []).append((start - zero(c), end - start))
    print()
    print(f"  {title}")
    head = "stage (starts: ms after t0, median)"
    print(f"  {head:<56}{'starts':>8}{'p50 ms':>8}{'p95 ms':>8}{'n':>4}")
    for label, values in rows.items():
        starts = [v[0] for v in values]
        took = [v[1] for v in values]
        print(
            f"  {label:<56}{_ms(statistics.median(starts))}{_ms(statistics.median(took))}"
            f"{_ms(percentile(took, 95))}{len(values):4d}"
        )


def print_sqlite(cycles: list[Cycle]) -> None:
    """SQLite transactions during the click path, by the part of the product that ran them."""
    per_task: dict[str, list[tuple[int, float]]] = {}
    for c in cycles:
        bucket: dict[str, tuple[int, float]] = {}
        end = c.bracket
        for span in c.click_spans:
            if span.label not in ("sqlite_write", "sqlite_read") or span.start > end:
                continue
            task = span.owner
            n, seconds = bucket.get(task, (0, 0.0))
            bucket[task] = (n + 1, seconds + span.seconds)
        for task, value in bucket.items():
            per_task.setdefault(task, []).append(value)
    print()
    print("  SQLite transactions between the click and the bracket (median per cycle)")
    for task, values in sorted(per_task.items()):
        n = statistics.median(v[0] for v in values)
        seconds = statistics.median(v[1] for v in values)
        print(f"  {task:<56}{n:5.0f} tx {_ms(seconds)} ms")


def _target(p95_ms: float, key: str) -> str:
    target = TARGETS_MS[key]
    return f"< {target:5.0f} ms   {'met' if p95_ms < target else 'MISSED'}"


def print_summary(cycles: list[Cycle]) -> None:
    rows = (
        ("alert → approval message (chart, buttons)", [c.alert_s for c in cycles], "alert"),
        ("click → entry order received by exchange", [c.entry_s for c in cycles], "entry"),
        ("click → entry + stop + 3 TPs on exchange", [c.bracket_s for c in cycles], "bracket"),
    )
    print()
    print(f"  {'':<44}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'n':>4}   target p95")
    if not any(c.entry_arrived < c.entry_placed for c in cycles):
        print("  (the fake's request log showed no entry request: 'received' is 'on the book')")
    for label, values, key in rows:
        p95 = percentile(values, 95)
        print(
            f"  {label:<44}{_ms(statistics.median(values))}{_ms(p95)}{_ms(max(values))}"
            f"{len(values):4d}   {_target(p95 * 1000, key)}"
        )


def print_burst(b: Burst) -> None:
    count, per_s = BURST_LIMIT
    n = len(b.symbols)
    print()
    print(
        f"  burst: {n} entry alerts POSTed at once, channel limited to {count} messages "
        f"per {per_s:g} s"
    )
    print(f"  all {n} POSTs answered 200 within {max(b.answered) * 1000:.0f} ms")
    print(
        f"  all {n} messages exist after {max(b.offsets) * 1000:.0f} ms "
        f"({b.with_chart} with chart and buttons); first after {min(b.offsets) * 1000:.0f} ms"
    )
    print("  each message appeared at (ms): " + " ".join(f"{o * 1000:.0f}" for o in b.offsets))
    if b.renders:
        took = statistics.median(end - start for start, end in b.renders)
        print(
            f"  {len(b.renders)} chart renders (median {took * 1000:.0f} ms each), the last one "
            f"done at {max(end for _, end in b.renders) * 1000:.0f} ms"
        )
    print(f"  429s served by the fake Discord: {b.hits} (discord.py waits on the headers)")
    orders = (
        ("sent (client)", b.symbols),
        ("accepted (alert ids)", b.accepted),
        ("processed", b.processed),
        ("shown in Discord", b.shown),
    )
    same = all(order == b.symbols for _, order in orders)
    in_order = "yes" if b.shown == b.accepted else "NO"
    print(
        f"  messages in the order the alerts were posted: {in_order}"
        f" (sent, accepted, processed and shown orders {'all equal' if same else 'differ:'})"
    )
    if not same:
        for label, order in orders:
            print(f"    {label:<22}{' '.join(order)}")


# --- main ----------------------------------------------------------------------------------


class ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}")


async def main(args: argparse.Namespace) -> None:
    errors = ErrorLog()
    logging.getLogger().addHandler(errors)
    wall = time.perf_counter()
    burst_symbols = list(ROTATION)
    added = add_clone_markets(max(0, args.burst - len(ROTATION)))
    burst_symbols += added[: max(0, args.burst - len(ROTATION))]
    burst_symbols = burst_symbols[: args.burst]
    tracer = install_tracer()
    rows = read_candles_csv(CSV)
    try:
        with tempfile.TemporaryDirectory(prefix="greenlight-e2e-") as folder:
            async with (
                FakeDiscord(
                    roles={APPROVER_ROLE: "approver", VIEWER_ROLE: "viewer"},
                    members={TRADER: [APPROVER_ROLE], VIEWER: [VIEWER_ROLE]},
                ) as discord_fake,
                FakeBinanceFutures() as exchange_fake,
                aiohttp.ClientSession() as http,
            ):
                for symbol in {*ROTATION, *burst_symbols}:
                    exchange_fake.load_klines(symbol, scaled_klines(rows, price_of(symbol)), "5m")
                    exchange_fake.set_price(symbol, price_of(symbol))
                probes = Probes(discord_fake, exchange_fake)
                options = {**exchange_fake.ccxt_config(), "enableRateLimit": True}
                settings = make_settings(
                    Path(folder),
                    discord_fake,
                    exchange_fake,
                    exchange_options=json.dumps(options),
                    monitor_interval_s=5.0,
                    webhook_rate_limit=100_000,
                )
                with discord_fake.patch_discord():
                    app = Greenlight(settings, discord_fake, exchange_fake, http)
                    started = time.perf_counter()
                    await app.start()
                    start_s = time.perf_counter() - started
                    try:
                        bench = Bench(app, probes, tracer, Alerts(int(rows[-1][0])), http)
                        for index in range(args.warmup):
                            await bench.cycle(ROTATION[index % len(ROTATION)])
                        cycles = []
                        for index in range(args.alerts):
                            symbol = ROTATION[(args.warmup + index) % len(ROTATION)]
                            cycles.append(await bench.cycle(symbol))
                        burst = await bench.burst(burst_symbols) if burst_symbols else None
                    finally:
                        await app.stop()
                internal = list(discord_fake.internal_errors)
            report(args, folder, start_s, cycles, burst)
    finally:
        tracer.restore()
        for symbol in added:
            MARKETS.pop(symbol, None)
        logging.getLogger().removeHandler(errors)
    print()
    print(
        f"  wall time {time.perf_counter() - wall:.1f} s (start-up {start_s:.1f} s); "
        f"errors logged: {len(errors.lines) or 'none'}; fake Discord internal errors: "
        f"{len(internal) or 'none'}"
    )
    if tracer.missing:
        print(f"  not traced (no such method any more): {', '.join(tracer.missing)}")
    for line in errors.lines[:10] + internal[:5]:
        print(f"    {line[:300]}")


def report(
    args: argparse.Namespace, folder: str, start_s: float, cycles: list[Cycle], burst: Any
) -> None:
    workers = charts.pool.default_workers()
    print()
    print("Greenlight end to end: alert → approval message → click → bracket, one process")
    print(
        f"  bot.runtime.run with discord.py {discord.__version__} → FakeDiscord, ccxt "
        f"{ccxt.__version__} → FakeBinanceFutures (TLS), loopback; Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, {workers} chart worker(s)"
    )
    print(
        f"  SQLite WAL in {folder}; ccxt limiter on (flavour's rolling window); "
        f"{args.alerts} timed cycles after {args.warmup} warm-up, symbols "
        f"{'/'.join(ROTATION)} in rotation, each trade closed by an exit alert (untimed)"
    )
    print_summary(cycles)
    png_kb = statistics.median(c.png_bytes for c in cycles) / 1024
    print_waterfall(
        f"where the alert's time goes (ms from the POST; chart.png {png_kb:.0f} KiB)",
        cycles,
        alert_stages,
        lambda c: c.posted,
    )
    print_waterfall(
        "where the click's time goes (ms from the click)", cycles, click_stages, lambda c: c.clicked
    )
    print_sqlite(cycles)
    slowest = max(cycles, key=lambda c: c.alert_s)
    print()
    print(f"  slowest alert → message ({slowest.symbol}, {slowest.alert_s * 1000:.0f} ms):")
    for label, start, end in alert_stages(slowest):
        print(f"    {label:<54}{_ms(start - slowest.posted)}{_ms(end - start)}")
    if burst is not None:
        print_burst(burst)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=30, help="timed cycles")
    parser.add_argument("--warmup", type=int, default=1, help="untimed cycles first")
    parser.add_argument(
        "--burst",
        type=int,
        default=10,
        help=f"alerts in the burst (0: none, at most {len(ROTATION) + len(CLONES)})",
    )
    args = parser.parse_args()
    if args.alerts < 1 or args.warmup < 0 or not 0 <= args.burst <= len(ROTATION) + len(CLONES):
        parser.error("--alerts at least 1, --warmup at least 0, --burst from 0 to 13")
    return args


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("discord.client").setLevel(logging.ERROR)  # "voice not supported"
    asyncio.run(main(parse_args()))
