"""Order placement latency: an approved trade to its bracket on the exchange, next to bare ccxt.

    python benchmarks/execution.py [--runs 50] [--default-runs 10] [--warmup 2] [--no-profile]

Everything runs in this process on loopback, against the fake Binance USD-M server of
``tests/fakes/binance`` (real ``ccxt.async_support.binanceusdm`` over TLS):

- **ours**: a desk built by :meth:`TradingDesk.build` offers the alert and its offer is
  approved (the price check and compare-and-set), then the clock runs around the account's
  ``Executor.enter(trade_id)`` alone: set leverage, the market entry, then the reduce-only stop
  and three take-profits, each stored before and after it is sent (SQLite on disk in a temp
  folder, WAL with ``synchronous=FULL``, as in production).
- **bare ccxt**: the same six requests (``set_leverage``, the market entry, the stop with
  ``stopLossPrice`` + ``reduceOnly``, three take-profits with ``takeProfitPrice`` +
  ``reduceOnly``, each with a ``clientOrderId``) sent back to back by a bare ccxt instance with
  the same options and rate limiter (the flavour's rolling window: 25 ms, 60 s).
- **ccxt default limiter**: the bare requests again with ccxt's own limiter settings (leaky
  bucket, 50 ms per weight unit; the entry order weighs 4, leverage and each algo order 1),
  i.e. the deliberate waits the flavour's rolling window avoids.

Every run starts a fresh fake (a flat account) and fresh ccxt instances; each is warmed the way
production is when an approval arrives (markets loaded, the TLS connection open, the price just
fetched), so only the placement itself is timed. Ours and bare alternate run by run. The
breakdown wraps the store's transactions, the exchange adapter and the ccxt client with
``time.perf_counter`` during ``enter``; one more run is profiled with cProfile.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import hashlib
import io
import logging
import pstats
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ccxt
import ccxt.async_support as ccxt_async
from sqlalchemy import event

from tests.fakes.binance import FakeBinanceFutures
from trading.alerts import AcceptedAlert, Alert, AlertKind, Side, TakeProfitSpec
from trading.config import DeskConfig
from trading.desk import TradingDesk
from trading.exchange.ccxt_exchange import CcxtExchange, ccxt_config
from trading.ids import new_id
from trading.offer import Actor, Via
from trading.states import TradeStatus
from trading.store.alert_log import AlertLog, AlertRecord, AlertStatus
from trading.store.database import Database
from trading.store.trades import TradeStore

SYMBOL = "XRP/USDT:USDT"
MARKET_ID = "XRPUSDT"
PRICE = "1.0000"
LEVERAGE = 5
# 1 % of the fake's 10,000 USDT at risk over a 0.02 stop distance: 5,000 XRP, TPs 30/30/40 %.
ENTRY_AMOUNT = 5000.0
STOP = Decimal("0.9800")
MOVE_PRICE = "1.0100"  # above breakeven, so /breakeven may move the stop
BREAKEVEN = Decimal("1.001")  # 1.0000 * 1.001
TAKE_PROFITS = (
    (Decimal("1.0200"), 1500.0),
    (Decimal("1.0400"), 1500.0),
    (Decimal("1.0600"), 2000.0),
)
TARGET_PCT = 20.0

Config = Callable[[FakeBinanceFutures], dict[str, Any]]


def flavour_config(fake: FakeBinanceFutures) -> dict[str, Any]:
    """The product's ccxt config for the fake, rate limiter on (rolling window, 25 ms, 60 s)."""
    return ccxt_config("binanceusdm", options={**fake.ccxt_config(), "enableRateLimit": True})


def default_limiter_config(fake: FakeBinanceFutures) -> dict[str, Any]:
    """ccxt's own limiter: leaky bucket at binanceusdm's rateLimit of 50 ms per weight unit."""
    return {**fake.ccxt_config(), "enableRateLimit": True, "timeout": 10_000}


def long_alert() -> Alert:
    return Alert(
        kind=AlertKind.ENTRY,
        ticker="XRPUSDT.P",
        side=Side.BUY,
        stop_loss=STOP,
        take_profits=(
            TakeProfitSpec(price=TAKE_PROFITS[0][0], close_pct=Decimal(30)),
            TakeProfitSpec(price=TAKE_PROFITS[1][0], close_pct=Decimal(30)),
            TakeProfitSpec(price=TAKE_PROFITS[2][0]),
        ),
        leverage=LEVERAGE,
        interval="5",
        strategy="Benchmark",
    )


def _now() -> datetime:
    return datetime.now(UTC)


# --- the breakdown -------------------------------------------------------------------------


class Breakdown:
    """Seconds and calls per label, collected by wrappers put on live objects."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()

    def snapshot(self) -> tuple[dict[str, float], Counter[str]]:
        return dict(self.seconds), Counter(self.calls)

    def call(
        self, label: str, method: Callable[..., Awaitable[Any]]
    ) -> Callable[..., Awaitable[Any]]:
        async def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return await method(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - began
                self.calls[label] += 1

        return timed

    def block(
        self, label: str, factory: Callable[[], AbstractAsyncContextManager[Any]]
    ) -> Callable[[], AbstractAsyncContextManager[Any]]:
        @asynccontextmanager
        async def timed() -> AsyncIterator[Any]:
            began = time.perf_counter()
            try:
                async with factory() as inner:
                    yield inner
            finally:
                self.seconds[label] += time.perf_counter() - began
                self.calls[label] += 1

        return timed


STORE_WRITE = "store: write transactions"
STORE_READ = "store: read-only connections"
ADAPTER = "exchange adapter"
CCXT = "ccxt calls"
SQL = "SQL statements"
HOPS = "aiosqlite thread hops"
_ADAPTER_METHODS = ("set_leverage", "create_order", "fetch_order", "find_order", "cancel_order")
_CCXT_METHODS = ("set_leverage", "create_order", "fetch_order", "cancel_order")


def count_statements(database: Database, breakdown: Breakdown) -> None:
    """Count the SQL statements sent (in whichever transaction)."""

    def counted(*_: Any) -> None:
        breakdown.calls[SQL] += 1

    event.listen(database.engine.sync_engine, "before_cursor_execute", counted)


def count_thread_hops(breakdown: Breakdown) -> None:
    """Count the calls aiosqlite hands to its worker thread (a private method: best effort)."""
    import aiosqlite.core

    connection = aiosqlite.core.Connection
    execute = getattr(connection, "_execute", None)
    if execute is None or getattr(execute, "counted", False):
        return

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        breakdown.calls[HOPS] += 1
        return await execute(self, fn, *args, **kwargs)

    counted.counted = True  # type: ignore[attr-defined]
    connection._execute = counted  # type: ignore[method-assign]


def instrument(store: TradeStore, exchange: CcxtExchange, breakdown: Breakdown) -> None:
    """Time the store's transactions, the adapter's calls and the ccxt calls inside them."""
    store.begin = breakdown.block(STORE_WRITE, store.begin)  # type: ignore[method-assign]
    store.read = breakdown.block(STORE_READ, store.read)  # type: ignore[method-assign]
    for name in _ADAPTER_METHODS:
        setattr(exchange, name, breakdown.call(ADAPTER, getattr(exchange, name)))
    for name in _CCXT_METHODS:
        setattr(exchange.client, name, breakdown.call(CCXT, getattr(exchange.client, name)))


# --- ours ----------------------------------------------------------------------------------


@dataclass
class OursRun:
    seconds: float
    parts: dict[str, float]
    calls: Counter[str]
    move_seconds: float = 0.0  # the stop moved to breakeven, make-before-break
    move_requests: tuple[str, ...] = ()


async def _accept(alert_log: AlertLog, alert: Alert) -> AcceptedAlert:
    """Store the alert as the webhook would have (the trade's row refers to it)."""
    alert_id = new_id()
    await alert_log.append(
        AlertRecord(
            id=alert_id,
            received_at=_now(),
            source_ip="127.0.0.1",
            raw_body="{}",
            body_size=2,
            body_sha256=hashlib.sha256(alert_id.encode()).hexdigest(),
            status=AlertStatus.ACCEPTED,
            http_status=200,
        )
    )
    return AcceptedAlert(alert_id, alert, _now())


async def run_ours(
    database: Database,
    breakdown: Breakdown,
    profile: cProfile.Profile | None = None,
) -> OursRun:
    """Offer and approve a trade, then time ``Executor.enter`` until the bracket is placed."""
    async with FakeBinanceFutures() as fake:
        fake.server.latency_s = LATENCY_S
        fake.set_price(MARKET_ID, PRICE)
        exchange = CcxtExchange("binanceusdm", flavour_config(fake))
        desk = TradingDesk.build(DeskConfig(trading_mode="live"), database, exchange=exchange)
        try:
            await desk.open()
            instrument(desk.store, exchange, breakdown)
            outcome = await desk.take_alert(await _accept(desk.alert_log, long_alert()))
            if outcome.trade is None:
                raise RuntimeError(f"the alert was not offered: {outcome.summary}")
            actor = Actor("1001", "benchmark", Via.DISCORD)
            decision = await desk.decisions.approve(outcome.trade.offer_id, actor)
            if not decision.ok:
                raise RuntimeError(f"the trade was not approved: {decision.message}")

            executor = desk.account.executor
            breakdown.reset()
            if profile is not None:
                profile.enable()
            began = time.perf_counter()
            trade = await executor.enter(outcome.trade.id)
            elapsed = time.perf_counter() - began
            if profile is not None:
                profile.disable()
            parts, calls = breakdown.snapshot()

            _check_bracket(fake, "ours")
            if trade.status is not TradeStatus.OPEN:
                raise RuntimeError(f"ours: the trade is {trade.status.value}: {trade.note}")
            move_seconds, move_requests = await _timed_stop_move(fake, executor, trade.id)
            # Close it (untimed) so the next run's alert is not refused as a second trade.
            await executor.exit(trade.id, "benchmark run over")
        finally:
            await desk.close()
    return OursRun(elapsed, parts, calls, move_seconds, move_requests)


async def _timed_stop_move(
    fake: FakeBinanceFutures, executor: Any, trade_id: str
) -> tuple[float, tuple[str, ...]]:
    """``/breakeven``: the new stop placed and confirmed, then the old one cancelled."""
    fake.set_price(MARKET_ID, MOVE_PRICE)
    before = len(fake.requests)
    began = time.perf_counter()
    await executor.breakeven(trade_id, "benchmark")
    elapsed = time.perf_counter() - began
    stops = [a for a in fake.algo_orders if a.status == "NEW" and a.order_type == "STOP_MARKET"]
    if [s.trigger_price for s in stops] != [BREAKEVEN]:
        raise RuntimeError(f"ours: the stop did not move: {stops}")
    return elapsed, tuple(f"{m} {p}" for m, p, _ in fake.requests[before:])


def _check_bracket(fake: FakeBinanceFutures, who: str) -> None:
    entries = [o for o in fake.orders if o.type == "MARKET"]
    algos = [a for a in fake.algo_orders if a.status == "NEW"]
    kinds = sorted(a.order_type for a in algos)
    expected = ["STOP_MARKET"] + ["TAKE_PROFIT_MARKET"] * 3
    if len(entries) != 1 or kinds != expected or fake.leverage[MARKET_ID] != LEVERAGE:
        raise RuntimeError(f"{who}: unexpected orders on the fake: {entries} {algos}")


# --- bare ccxt -----------------------------------------------------------------------------


async def bare_bracket(client: Any) -> float:
    """The same six requests as ``enter``, back to back; returns the seconds they took."""
    tag = f"bb-{new_id()}"
    began = time.perf_counter()
    await client.set_leverage(LEVERAGE, SYMBOL)
    await client.create_order(
        SYMBOL, "market", "buy", ENTRY_AMOUNT, None, {"clientOrderId": f"{tag}-entry-1"}
    )
    await client.create_order(
        SYMBOL,
        "market",
        "sell",
        ENTRY_AMOUNT,
        None,
        {"clientOrderId": f"{tag}-stop-1", "reduceOnly": True, "stopLossPrice": str(STOP)},
    )
    for index, (price, amount) in enumerate(TAKE_PROFITS, start=1):
        await client.create_order(
            SYMBOL,
            "market",
            "sell",
            amount,
            None,
            {
                "clientOrderId": f"{tag}-tp{index}-1",
                "reduceOnly": True,
                "takeProfitPrice": str(price),
            },
        )
    return time.perf_counter() - began


async def bare_stop_move(client: Any, fake: FakeBinanceFutures) -> float:
    """The least a stop move can be: the new stop, then the old one cancelled."""
    fake.set_price(MARKET_ID, MOVE_PRICE)
    [old] = [a for a in fake.algo_orders if a.status == "NEW" and a.order_type == "STOP_MARKET"]
    began = time.perf_counter()
    params = {"clientOrderId": f"bm-{new_id()}", "reduceOnly": True,
              "stopLossPrice": str(BREAKEVEN)}  # fmt: skip
    await client.create_order(SYMBOL, "market", "sell", ENTRY_AMOUNT, None, params)
    await client.cancel_order(str(old.algo_id), SYMBOL, {"trigger": True})
    return time.perf_counter() - began


async def run_bare(config: Config, *, move: bool = False) -> float:
    async with FakeBinanceFutures() as fake:
        fake.server.latency_s = LATENCY_S
        fake.set_price(MARKET_ID, PRICE)
        client = ccxt_async.binanceusdm(config(fake))
        try:
            await client.load_markets()
            await client.fetch_ticker(SYMBOL)  # as the approval's price check, just before
            elapsed = await bare_bracket(client)
            _check_bracket(fake, "bare ccxt")
            if move:
                elapsed = await bare_stop_move(client, fake)
        finally:
            await client.close()
    return elapsed


# --- report --------------------------------------------------------------------------------


def percentile(values: list[float], pct: int) -> float:
    """The ``pct``-th percentile, linearly interpolated (inclusive method)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def _ms(seconds: float, width: int = 8) -> str:
    return f"{seconds * 1000:{width}.1f}"


def _row(label: str, values: list[float]) -> str:
    return (
        f"  {label:<36}{_ms(statistics.median(values))}{_ms(percentile(values, 95))}"
        f"{_ms(statistics.fmean(values), 9)}{len(values):6d}"
    )


def print_stop_move(ours: list[OursRun], bare: list[float]) -> None:
    """The stop moved to breakeven: make-before-break against the least it can cost."""
    moves = [r.move_seconds for r in ours]
    print()
    print("Stop moved to breakeven (/breakeven): the new stop placed, then the old cancelled")
    print(f"  {'':<36}{'p50 ms':>8}{'p95 ms':>8}{'mean ms':>9}{'runs':>6}")
    print(_row("ours: Executor.breakeven", moves))
    print(_row("bare ccxt: create new, cancel old", bare))
    sent = Counter(ours[-1].move_requests)
    print(f"  ours sends: {', '.join(f'{n} × {r}' for r, n in sent.items())}")
    print(
        "  make-before-break adds no request: break-before-make would send the same ones in "
        "the other order; the price check and the old stop's final state are ours"
    )


def print_report(ours: list[OursRun], bare: list[float], default: list[float], folder: str) -> None:
    ours_s = [r.seconds for r in ours]
    p50_ours, p50_bare = statistics.median(ours_s), statistics.median(bare)
    p95_ours, p95_bare = percentile(ours_s, 95), percentile(bare, 95)
    mean_ours, mean_bare = statistics.fmean(ours_s), statistics.fmean(bare)
    print()
    print("Greenlight order placement: approved → entry + stop + 3 TPs acknowledged")
    print(f"fake Binance USD-M on loopback (TLS), ccxt {ccxt.__version__}")
    print(f"SQLite WAL synchronous=FULL in {folder}")
    print()
    print(f"  {'':<36}{'p50 ms':>8}{'p95 ms':>8}{'mean ms':>9}{'runs':>6}")
    print(_row("ours: Executor.enter", ours_s))
    print(_row("bare ccxt, same options and limiter", bare))
    over = p50_ours - p50_bare
    print(
        f"  {'our overhead (ours − bare)':<36}{_ms(over)}{_ms(p95_ours - p95_bare)}"
        f"{_ms(mean_ours - mean_bare, 9)}"
    )
    pct = over / p50_bare * 100
    print(
        f"  {'  as % of bare':<36}{pct:7.0f}%{(p95_ours - p95_bare) / p95_bare * 100:7.0f}%"
        f"{(mean_ours - mean_bare) / mean_bare * 100:8.0f}%"
        f"   target < {TARGET_PCT:.0f} %: {'met' if pct < TARGET_PCT else 'NOT met'}"
    )
    if default:
        wait = statistics.median(default) - p50_bare
        print(_row("bare ccxt, ccxt's default limiter", default))
        print(f"  {'  limiter waits (default − bare)':<36}{_ms(wait)}")

    # Exclusive parts of the mean overhead: ccxt is timed inside the adapter, the adapter
    # outside ccxt; what no wrapper saw is the executor's own Python.
    totals: dict[str, float] = defaultdict(float)
    calls: Counter[str] = Counter()
    for run in ours:
        for label, seconds in run.parts.items():
            totals[label] += seconds
        calls.update(run.calls)
    n = len(ours)
    mean = {label: seconds / n for label, seconds in totals.items()}
    ccxt_s = mean.get(CCXT, 0.0)
    write_s, read_s = mean.get(STORE_WRITE, 0.0), mean.get(STORE_READ, 0.0)
    adapter_s = mean.get(ADAPTER, 0.0) - ccxt_s
    logic_s = mean_ours - ccxt_s - adapter_s - write_s - read_s
    overhead = mean_ours - mean_bare
    rows = [
        (STORE_WRITE, write_s, calls[STORE_WRITE]),
        (STORE_READ, read_s, calls[STORE_READ]),
        ("ccxt calls, beyond bare's", ccxt_s - mean_bare, calls[CCXT]),
        (ADAPTER + " around ccxt", adapter_s, calls[ADAPTER]),
        ("executor's own Python (the rest)", logic_s, 0),
    ]
    print()
    print(f"  where our overhead goes (mean/run)  {'ms':>8}{'share':>8}{'count':>7}{'ms each':>9}")
    for label, seconds, count in rows:
        tail = f"{count / n:7.0f}{seconds / (count / n) * 1000:9.2f}" if count else ""
        print(f"  {label:<36}{_ms(seconds)}{seconds / overhead * 100:7.0f}%{tail}")
    print(f"  {'total (mean ours − mean bare)':<36}{_ms(overhead)}")
    hops = f" ({calls[HOPS] / n:.0f} aiosqlite thread hops)" if calls[HOPS] else ""
    print(
        f"  per enter: {calls[SQL] / n:.0f} SQL statements{hops} in {calls[STORE_WRITE] / n:.0f} "
        f"transactions and {calls[STORE_READ] / n:.0f} reads; {calls[CCXT] / n:.0f} ccxt calls "
        f"taking {ccxt_s * 1000:.1f} ms (bare: 6 in {mean_bare * 1000:.1f} ms)"
    )
    print(
        "  (loopback answers in ~0.5 ms; a real exchange adds its round trip to every request "
        "of both, not to the store's work)"
    )


_AREAS = (  # (substring of the file name, area), first match wins
    ("sqlalchemy", "SQLAlchemy"),
    ("aiosqlite", "aiosqlite"),
    ("ccxt", "ccxt"),
    ("aiohttp", "aiohttp, yarl, multidict"),
    ("yarl", "aiohttp, yarl, multidict"),
    ("multidict", "aiohttp, yarl, multidict"),
    ("tests/fakes", "the fake exchange"),
    ("/trading/", "Greenlight (trading/)"),
    ("ssl", "TLS"),
    ("asyncio", "asyncio"),
    ("selectors", "asyncio"),
)


_BUILTINS = (  # (substring of a C function's name, area)
    ("epoll", "idle: epoll wait (SQLite thread, sockets)"),
    ("greenlet", "SQLAlchemy"),
    ("SimpleQueue", "aiosqlite"),
    ("socket", "sockets"),
    ("Context", "asyncio"),
)


def _area(filename: str, name: str) -> str:
    if filename == "~":
        return next((area for key, area in _BUILTINS if key in name), "other (stdlib, builtins)")
    for marker, area in _AREAS:
        if marker in filename:
            return area
    return "other (stdlib, builtins)"


def print_profile(profile: cProfile.Profile, top: int = 10) -> None:
    stats = pstats.Stats(profile, stream=io.StringIO())
    rows = []
    areas: dict[str, float] = defaultdict(float)
    for (filename, line, name), entry in stats.stats.items():  # type: ignore[attr-defined]
        _cc, ncalls, tottime = entry[:3]
        areas[_area(filename, name)] += tottime
        short = filename
        for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
            short = short.split(marker, 1)[-1]
        rows.append((tottime, ncalls, f"{short}:{line}({name})"))
    total = sum(areas.values())
    print()
    print(f"  cProfile of one more enter: {total * 1000:.1f} ms on the main thread, by area")
    for area, seconds in sorted(areas.items(), key=lambda item: -item[1]):
        print(f"  {area:<44}{_ms(seconds)} ms{seconds / total * 100:6.0f}%")
    print(f"  top {top} functions by own time (idle wait left out)")
    print(f"  {'own ms':>8}{'calls':>7}  function")
    rows.sort(reverse=True)
    for tottime, ncalls, where in [r for r in rows if "epoll" not in r[2]][:top]:
        print(f"  {tottime * 1000:8.2f}{ncalls:7d}  {where[-88:]}")


# --- main ----------------------------------------------------------------------------------

LATENCY_S = 0.0  # set from --latency-ms


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="greenlight-bench-") as folder:
        database = await Database.open(f"sqlite+aiosqlite:///{folder}/x.db")
        breakdown = Breakdown()
        count_statements(database, breakdown)
        count_thread_hops(breakdown)
        try:
            for _ in range(args.warmup):  # imports, SQLAlchemy's statement cache, TLS setup
                await run_ours(database, breakdown)
                await run_bare(flavour_config)
            ours: list[OursRun] = []
            bare: list[float] = []
            for index in range(args.runs):  # alternate which goes first, against drift
                if index % 2 == 0:
                    ours.append(await run_ours(database, breakdown))
                    bare.append(await run_bare(flavour_config))
                else:
                    bare.append(await run_bare(flavour_config))
                    ours.append(await run_ours(database, breakdown))
            default = [await run_bare(default_limiter_config) for _ in range(args.default_runs)]
            bare_moves = [await run_bare(flavour_config, move=True) for _ in range(args.runs)]
            print_report(ours, bare, default, folder)
            print_stop_move(ours, bare_moves)
            if args.profile:
                profile = cProfile.Profile()
                await run_ours(database, breakdown, profile)
                print_profile(profile)
        finally:
            await database.close()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="timed runs of ours and bare")
    parser.add_argument(
        "--default-runs", type=int, default=10, help="runs with ccxt's default limiter"
    )
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs first")
    parser.add_argument("--no-profile", dest="profile", action="store_false")
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="delay the fake exchange adds to every answer (a real exchange is 10-50 ms away)",
    )
    args = parser.parse_args()
    if args.runs < 1 or args.default_runs < 0 or args.warmup < 0:
        parser.error("--runs must be at least 1, the others at least 0")
    return args


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    ARGS = parse_args()
    LATENCY_S = ARGS.latency_ms / 1000
    print(f"fake exchange latency per request: {ARGS.latency_ms:g} ms")
    asyncio.run(main(ARGS))
