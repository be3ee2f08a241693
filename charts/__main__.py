"""Draw a trade chart from a CSV of candles, for people: ``python -m charts render --help``.

Example::

    python -m charts render --csv tests/data/XRPUSDT-PERP-5m.csv --side buy \\
        --entry 1.20 --stop 1.18 --tp 1.22 --tp 1.24:2R --symbol XRP/USDT:USDT \\
        --timeframe 5m --end 2021-11-16T12:00 --tick 0.0001 --out chart.png

A take-profit is ``PRICE``, optionally followed by ``:<R>R`` and ``:<share>%`` in any order
(``1.24:2R:50%``); without them the chart computes R from the entry and the stop, and the
share as the trading plan does (the take-profits without one split what the others leave).
Leave out ``--entry``, ``--stop`` and ``--tp`` (and then, if you like, ``--side``) to draw
the candles alone, without a plan. Bad input ends with a one-line message and exit code 2.
An ``--end`` after the last candle of the file is drawn anyway, up to that candle, with a
warning on stderr and on the chart.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NoReturn

import numpy as np
import pandas as pd

from charts.errors import ChartError
from charts.frame import candles_from_csv
from charts.ladder import tp_shares
from charts.render import THEMES, render_chart
from charts.spec import ChartSpec, TakeProfitLine
from charts.timeaxis import bar_seconds

__all__ = ["main"]

_SIDES = {"buy": "buy", "long": "buy", "sell": "sell", "short": "sell"}
_MAX_TPS = 10


class _UsageError(Exception):
    """Bad input: reported in one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m charts", description="Draw Greenlight trade charts.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    render = commands.add_parser(
        "render",
        help="draw a chart from a CSV of candles",
        description="Draw one trade chart (PNG) from a CSV of candles "
        "(timestamp,open,high,low,close,volume; timestamps in ms or ISO). "
        "Without --entry, --stop and --tp it draws the candles alone.",
    )
    render.add_argument("--csv", required=True, type=Path, help="candles file")
    render.add_argument(
        "--side", help="buy/long or sell/short (needed with --entry and --stop only)"
    )
    render.add_argument("--entry", help="entry price (leave out with --stop and --tp: no plan)")
    render.add_argument("--stop", help="stop-loss price (given with --entry)")
    render.add_argument(
        "--tp",
        action="append",
        default=[],
        metavar="PRICE[:R][:SHARE%]",
        help="take-profit, repeatable: 1.24, 1.24:2R, 1.24:2R:50%%",
    )
    render.add_argument("--symbol", help="title symbol (default: the CSV file name)")
    render.add_argument("--timeframe", help="title timeframe (default: from the bar spacing)")
    render.add_argument("--bars", type=int, default=120, help="bars to draw (default 120)")
    render.add_argument("--end", help="last bar time, ISO, UTC unless an offset is given")
    render.add_argument("--alert-time", help="bar to mark, ISO (default: the last bar)")
    render.add_argument("--tick", help="price tick, e.g. 0.0001 (default: from the candles)")
    render.add_argument("--strategy", help="strategy name for the title")
    render.add_argument("--mode", help="badge: PAPER or LIVE")
    render.add_argument("--theme", default="dark", help="dark (default) or light")
    render.add_argument("--size", default="1200x675", help="WIDTHxHEIGHT (default 1200x675)")
    render.add_argument("--out", required=True, type=Path, help="PNG file to write")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0, or 2 for bad input)."""
    args = _parser().parse_args(argv)
    try:
        message = _render(args)
    except _UsageError as exc:
        print(f"python -m charts: error: {exc}", file=sys.stderr)
        return 2
    print(message)
    return 0


def _render(args: argparse.Namespace) -> str:
    side, entry, stop, take_profits = _plan(args)
    if not 2 <= args.bars <= 2000:
        raise _UsageError(f"--bars must be between 2 and 2000, not {args.bars}")
    if args.theme not in THEMES:
        raise _UsageError(f"--theme must be {' or '.join(THEMES)}, not {args.theme!r}")
    size = _size(args.size)
    end = _time("--end", args.end)
    alert_time = _time("--alert-time", args.alert_time)
    candles, last_in_file = _candles(args, end)

    timeframe = args.timeframe or _infer_timeframe(candles.index)
    note = _end_note(end, candles.index, timeframe, last_in_file)
    if note:
        print(f"python -m charts: warning: {note}", file=sys.stderr)
    tick = _price("--tick", args.tick) if args.tick else _infer_tick(candles)
    spec = ChartSpec(
        symbol=args.symbol or args.csv.stem,
        timeframe=timeframe,
        side=side,
        entry=entry,
        stop=stop,
        take_profits=take_profits,
        price_tick=tick,
        strategy=args.strategy,
        alert_time=alert_time,
        mode=args.mode.upper() if args.mode else None,
        note=note,
    )
    png = _write_chart(candles, spec, size, args.theme, args.out)
    last = candles.index[-1].strftime("%Y-%m-%d %H:%M")
    return (
        f"wrote {args.out} ({size[0]}x{size[1]}, {len(png) / 1024:.0f} KB, "
        f"{len(candles)} bars to {last} UTC)"
    )


def _plan(
    args: argparse.Namespace,
) -> tuple[str, Decimal | None, Decimal | None, tuple[TakeProfitLine, ...]]:
    """The side, entry, stop and take-profits asked for, checked; no levels without a plan."""
    has_plan = args.entry is not None or args.stop is not None or bool(args.tp)
    if has_plan and (args.entry is None or args.stop is None):
        raise _UsageError(
            "--entry and --stop go together (leave out --entry, --stop and --tp for no plan)"
        )
    if has_plan and args.side is None:
        raise _UsageError("--side is needed with --entry and --stop")
    side = _SIDES.get(args.side.strip().lower()) if args.side is not None else "buy"
    if side is None:
        raise _UsageError(f"--side must be buy, sell, long or short, not {args.side!r}")
    entry: Decimal | None = None
    stop: Decimal | None = None
    take_profits: tuple[TakeProfitLine, ...] = ()
    if has_plan:
        entry = _price("--entry", args.entry)
        stop = _price("--stop", args.stop)
        take_profits = tuple(_take_profit(text) for text in args.tp)
        _check_plan(side, entry, stop, take_profits)
    if len(take_profits) > _MAX_TPS:
        raise _UsageError(f"at most {_MAX_TPS} --tp")
    return side, entry, stop, take_profits


def _candles(
    args: argparse.Namespace, end: datetime | None
) -> tuple[pd.DataFrame, pd.Timestamp | None]:
    """The ``--bars`` candles of ``--csv`` up to ``end``, and the file's last candle's time."""
    try:
        candles = candles_from_csv(args.csv)
    except FileNotFoundError:
        raise _UsageError(f"no such file: {args.csv}") from None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise _UsageError(f"cannot read {args.csv}: {_one_line(exc)}") from None
    last_in_file = candles.index[-1] if len(candles) else None
    if end is not None:
        candles = candles.loc[:end]
    candles = candles.iloc[-args.bars :]
    if candles.empty:
        where = f" at or before {args.end}" if end is not None else ""
        raise _UsageError(f"no candles{where} in {args.csv}")
    return candles, last_in_file


def _end_note(
    end: datetime | None,
    index: pd.DatetimeIndex,
    timeframe: str,
    last_in_file: pd.Timestamp | None,
) -> str | None:
    """The warning for an ``--end`` after the candles drawn (see :func:`end_warning`)."""
    if end is None:
        return None
    return end_warning(end, index, bar_seconds(index, timeframe), last_in_file)


def _write_chart(
    candles: pd.DataFrame, spec: ChartSpec, size: tuple[int, int], theme: str, out: Path
) -> bytes:
    """Draw the chart and write it to ``out``; returns the PNG."""
    try:
        png = render_chart(candles, spec, size=size, theme=theme)
    except ChartError as exc:
        raise _UsageError(str(exc)) from None
    try:
        out.write_bytes(png)
    except OSError as exc:
        raise _UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    return png


def end_warning(
    end: datetime, index: pd.DatetimeIndex, bar_s: float, last_in_file: pd.Timestamp | None
) -> str | None:
    """What to say when ``--end`` is after the last candle drawn (``index``'s) has closed.

    None when ``end`` falls within that candle. Otherwise the data ends before ``end`` (or,
    when ``last_in_file`` is later, has a gap there), and the chart would silently show
    older candles than asked for.
    """
    last = index[-1]
    if (pd.Timestamp(end) - last).total_seconds() < max(bar_s, 1.0):
        return None
    when, ends = _stamp(end), _stamp(last)
    if last_in_file is not None and last_in_file > last:
        return f"--end {when} falls in a gap in the data: the last candle before it is {ends}"
    return f"--end {when} is past the data: the last candle is {ends}"


def _stamp(when: datetime) -> str:
    return f"{pd.Timestamp(when).tz_convert(UTC):%Y-%m-%d %H:%M} UTC"


def _price(option: str, text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise _UsageError(f"{option} must be a number, not {text!r}") from None
    if not value.is_finite() or value <= 0:
        raise _UsageError(f"{option} must be a price above zero, not {text!r}")
    return value


def _take_profit(text: str) -> TakeProfitLine:
    price_text, *extras = text.split(":")
    price = _price("--tp", price_text)
    r: Decimal | None = None
    share: Decimal | None = None
    for extra in extras:
        item = extra.strip().upper()
        try:
            if item.endswith("R") and r is None:
                r = Decimal(item[:-1])
            elif item.endswith("%") and share is None:
                share = Decimal(item[:-1])
            else:
                raise InvalidOperation
        except InvalidOperation:
            raise _UsageError(
                f"--tp {text!r}: expected PRICE[:<R>R][:<share>%], e.g. 1.24:2R:50%"
            ) from None
        if not (r is None or r.is_finite()) or not (
            share is None or (share.is_finite() and 0 < share <= 100)
        ):
            raise _UsageError(f"--tp {text!r}: R must be a number and the share 0-100%")
    return TakeProfitLine(price, r, share)


def _check_plan(
    side: str, entry: Decimal, stop: Decimal, take_profits: tuple[TakeProfitLine, ...]
) -> None:
    long = side == "buy"
    if (stop >= entry) if long else (stop <= entry):
        where = "below" if long else "above"
        raise _UsageError(f"the stop of a {'long' if long else 'short'} must be {where} the entry")
    for number, tp in enumerate(take_profits, start=1):
        if (tp.price <= entry) if long else (tp.price >= entry):
            where = "above" if long else "below"
            raise _UsageError(
                f"TP{number} {tp.price} of a {'long' if long else 'short'} must be {where} "
                f"the entry {entry}"
            )
    shares = tp_shares([tp.share_pct for tp in take_profits])
    for number, share in enumerate(shares, start=1):
        if share <= 0:
            raise _UsageError(
                f"TP{number} would close nothing: the shares given already add up to 100%"
            )


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise _UsageError(f"--size must be WIDTHxHEIGHT, e.g. 1200x675, not {text!r}") from None
    if not (320 <= width <= 4000 and 180 <= height <= 4000):
        raise _UsageError(f"--size {text} is out of range (320x180 to 4000x4000)")
    return width, height


def _time(option: str, text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise _UsageError(f"{option} must be an ISO time such as 2021-11-16T12:00") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _infer_tick(candles: pd.DataFrame) -> Decimal:
    """The tick the candles' prices are written in: the fewest decimals that fit them all."""
    prices = candles[["Open", "High", "Low", "Close"]].to_numpy(dtype="float64").ravel()
    prices = prices[np.isfinite(prices)]
    for decimals in range(11):
        scaled = prices * 10**decimals
        if np.all(np.abs(scaled - np.round(scaled)) < 1e-3):  # far above float noise
            return Decimal(1).scaleb(-decimals)
    return Decimal("1e-10")


def _infer_timeframe(index: pd.DatetimeIndex) -> str:
    if len(index) < 2:
        return "?"
    seconds = int(np.median(np.diff(index.as_unit("s").asi8)))
    for unit, length in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % length == 0:
            return f"{seconds // length}{unit}"
    return f"{seconds}s"


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:160] or type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
