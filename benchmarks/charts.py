"""How fast a trade chart renders: charts.render_chart against a plain mplfinance call.

Run from the repository root::

    python benchmarks/charts.py [--runs 60] [--profile]

The picture: the last 120 bars of the real XRP/USDT 5m candles with volume and five levels
(entry, stop, three take-profits) at 1200x675. "naive" is one
``mplfinance.plot(df, type="candle", volume=True, hlines=..., savefig=buf)`` call of the same
picture; the two are timed alternately in the same process after a warm-up. It prints its
figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import logging
import os
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# This file is called charts.py: keep its folder from shadowing the charts package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
sys.path.insert(0, str(ROOT))

import matplotlib  # noqa: E402

matplotlib.use("Agg")
# The naive call's "nightclouds" style asks for a semibold DejaVu Sans: keep the note quiet.
logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)

import mplfinance as mpf  # noqa: E402
import pandas as pd  # noqa: E402

from charts import render  # noqa: E402
from charts.frame import candles_from_csv  # noqa: E402
from charts.layout import Layout  # noqa: E402
from charts.png import encode_png  # noqa: E402
from charts.pool import ChartRenderer, default_workers  # noqa: E402
from charts.render import render_chart  # noqa: E402
from charts.spec import ChartSpec, TakeProfitLine  # noqa: E402

CSV = ROOT / "tests" / "data" / "XRPUSDT-PERP-5m.csv"
BARS = 120
SIZE = (1200, 675)


def _inputs() -> tuple[pd.DataFrame, ChartSpec]:
    candles = candles_from_csv(CSV).loc[:"2021-11-16 12:00"].iloc[-BARS:]
    spec = ChartSpec(
        symbol="XRP/USDT:USDT",
        timeframe="5m",
        side="buy",
        entry=Decimal("1.0950"),
        stop=Decimal("1.0880"),
        take_profits=(
            TakeProfitLine(Decimal("1.1000"), Decimal("0.7"), Decimal("40")),
            TakeProfitLine(Decimal("1.1050"), Decimal("1.4"), Decimal("30")),
            TakeProfitLine(Decimal("1.1150"), Decimal("2.9"), Decimal("30")),
        ),
        price_tick=Decimal("0.0001"),
        strategy="EMA cross",
        alert_time=datetime(2021, 11, 16, 11, 45, tzinfo=UTC),
        mode="PAPER",
    )
    return candles, spec


def _naive(candles: pd.DataFrame, spec: ChartSpec) -> bytes:
    levels = [spec.entry, spec.stop, *(tp.price for tp in spec.take_profits)]
    buffer = io.BytesIO()
    mpf.plot(
        candles,
        type="candle",
        volume=True,
        style="nightclouds",
        title=f"{spec.symbol} {spec.timeframe} LONG",
        hlines={
            "hlines": [float(p) for p in levels],
            "colors": ["#5b9cf6", "#f23645", "#22c55e", "#22c55e", "#22c55e"],
            "linewidths": 1.2,
        },
        figsize=(SIZE[0] / 100, SIZE[1] / 100),
        savefig={"fname": buffer, "dpi": 100},
    )
    return buffer.getvalue()


def _ours(candles: pd.DataFrame, spec: ChartSpec) -> bytes:
    return render_chart(candles, spec, size=SIZE)


def _stats(samples: list[float]) -> str:
    p95 = statistics.quantiles(samples, n=20)[18]
    return (
        f"median {statistics.median(samples):6.1f} ms   p95 {p95:6.1f} ms   "
        f"min {min(samples):6.1f} ms   max {max(samples):6.1f} ms"
    )


def _time_one(fn: Callable[[], bytes]) -> tuple[float, bytes]:
    began = time.perf_counter()
    png = fn()
    return (time.perf_counter() - began) * 1000, png


def _side_by_side(candles: pd.DataFrame, spec: ChartSpec, runs: int) -> None:
    for _ in range(3):  # imports, font cache, first-figure costs
        _naive(candles, spec)
        _ours(candles, spec)
    naive: list[float] = []
    ours: list[float] = []
    naive_png = ours_png = b""
    for _ in range(runs):  # alternate, so both see the same machine
        ms, naive_png = _time_one(lambda: _naive(candles, spec))
        naive.append(ms)
        ms, ours_png = _time_one(lambda: _ours(candles, spec))
        ours.append(ms)
    print(f"\nsingle chart, in this process, default gc ({runs} runs each, alternating)")
    print(f"  naive mplfinance.plot   {_stats(naive)}   PNG {len(naive_png) / 1024:5.1f} KB")
    print(f"  charts.render_chart     {_stats(ours)}   PNG {len(ours_png) / 1024:5.1f} KB")
    speedup = statistics.median(naive) / statistics.median(ours)
    print(f"  speed-up (medians)      {speedup:.2f}x")

    # As the pool's workers run it: gc frozen after warm-up, collected between charts.
    gc.collect()
    gc.freeze()
    gc.disable()
    worker_like: list[float] = []
    try:
        for _ in range(runs):
            ms, _png = _time_one(lambda: _ours(candles, spec))
            worker_like.append(ms)
            gc.collect()
    finally:
        gc.enable()
        gc.unfreeze()
    print(f"  render_chart, worker gc {_stats(worker_like)}")


_COLD = """
import time
began = time.perf_counter()
from charts.render import warm_up
imported = time.perf_counter()
warm_up()
first = time.perf_counter()
warm_up()
second = time.perf_counter()
print(imported - began, first - imported, second - first)
"""


def _cold_start() -> None:
    """The first chart of a fresh process: what warming the pool's workers saves."""
    out = subprocess.run(
        [sys.executable, "-c", _COLD], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    imports, first, second = (float(x) * 1000 for x in out.split())
    print("\nfresh process (what each pool worker pays once, in start())")
    print(
        f"  import charts.render {imports:6.0f} ms   first chart {first:6.0f} ms   "
        f"second chart {second:4.0f} ms"
    )


def _phases(candles: pd.DataFrame, spec: ChartSpec, runs: int) -> None:
    """Where render_chart's time goes: building the figure, drawing it, encoding the PNG."""
    build: list[float] = []
    draw: list[float] = []
    encode: list[float] = []
    for _ in range(runs):
        with render._render_settings():
            t0 = time.perf_counter()
            layout = Layout.for_chart(candles, spec, *SIZE)
            figure = render._draw(candles, spec, layout, render.THEMES["dark"])
            t1 = time.perf_counter()
            figure.canvas.draw()
            t2 = time.perf_counter()
            encode_png(figure.canvas)
            t3 = time.perf_counter()
        del figure
        gc.collect()
        build.append((t1 - t0) * 1000)
        draw.append((t2 - t1) * 1000)
        encode.append((t3 - t2) * 1000)
    print("\nrender_chart phases (medians; gc collected between charts, outside the timing)")
    print(
        f"  build figure {statistics.median(build):5.1f} ms   "
        f"draw (Agg) {statistics.median(draw):5.1f} ms   "
        f"PNG (palette + zlib) {statistics.median(encode):5.1f} ms"
    )


async def _pool(candles: pd.DataFrame, spec: ChartSpec, runs: int) -> None:
    for workers in sorted({default_workers(), os.cpu_count() or 1}):
        began = time.perf_counter()
        async with ChartRenderer(workers=workers, size=SIZE) as renderer:
            started = time.perf_counter() - began
            latency: list[float] = []
            for _ in range(runs):
                t0 = time.perf_counter()
                await renderer.render(candles, spec)
                latency.append((time.perf_counter() - t0) * 1000)
            burst = max(40, 20 * workers)
            t0 = time.perf_counter()
            await asyncio.gather(*(renderer.render(candles, spec) for _ in range(burst)))
            rate = burst / (time.perf_counter() - t0)
            rss = _rss_mb(renderer.pids)
        print(f"\nChartRenderer, {workers} worker(s) (default {default_workers()} here)")
        print(f"  start (spawn + warm-up) {started:.2f} s")
        print(f"  one at a time           {_stats(latency)}")
        print(f"  burst of {burst:<3}            {rate:6.1f} charts/s")
        if rss:
            print(f"  worker memory (RSS)     {rss}")


def _rss_mb(pids: list[int]) -> str:
    sizes = []
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return ""
        rss = [line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")]
        kb = int(rss[0]) if rss else 0
        sizes.append(f"{kb / 1024:.0f} MB")
    return ", ".join(sizes)


def _profile(candles: pd.DataFrame, spec: ChartSpec) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(30):
        _ours(candles, spec)
    profiler.disable()
    print("\nprofile of 30 render_chart calls (cumulative, top 25)")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60, help="timed charts per variant")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile")
    args = parser.parse_args()
    candles, spec = _inputs()
    print(
        f"{BARS} bars of {CSV.name}, 5 levels, {SIZE[0]}x{SIZE[1]}; "
        f"Python {sys.version.split()[0]}, matplotlib {matplotlib.__version__}, "
        f"mplfinance {mpf.__version__}, {os.cpu_count()} CPU(s)"
    )
    _cold_start()
    _side_by_side(candles, spec, args.runs)
    _phases(candles, spec, args.runs)
    asyncio.run(_pool(candles, spec, args.runs))
    if args.profile:
        _profile(candles, spec)


if __name__ == "__main__":
    main()
