"""What every fake exchange does alike, checked on each of them through real ccxt."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from pathlib import Path

import ccxt
import pytest

from tests.fakes.binance import FakeBinanceFutures
from tests.fakes.bybit import FakeBybit
from tests.fakes.shared.front import LoopbackExchange

XRP, ETH, BTC = "XRP/USDT:USDT", "ETH/USDT:USDT", "BTC/USDT:USDT"
DATA = Path(__file__).resolve().parents[1] / "data"
KLINES_BY_DEFAULT = {"binanceusdm": 500, "bybit": 200}  # ccxt's default limit per exchange


@pytest.fixture(params=[FakeBinanceFutures, FakeBybit], ids=["binance", "bybit"])
async def fake(request: pytest.FixtureRequest) -> AsyncIterator[LoopbackExchange]:
    async with request.param() as server:
        yield server


async def test_time_tickers_and_balance(fake, ex) -> None:
    assert abs(await ex.fetch_time() - ex.milliseconds()) < 5000
    fake.set_price("XRPUSDT", "0.5123")
    ticker = await ex.fetch_ticker(XRP)
    last_open_high_low = (ticker["last"], ticker["open"], ticker["high"], ticker["low"])
    assert last_open_high_low == (0.5123, 0.5, 0.5123, 0.5)
    assert set(await ex.fetch_tickers()) == {BTC, ETH, XRP}
    assert (await ex.fetch_tickers([XRP]))[XRP]["last"] == 0.5123
    usdt = (await ex.fetch_balance())["USDT"]
    assert (usdt["free"], usdt["used"], usdt["total"]) == (10000.0, 0.0, 10000.0)


async def test_klines_from_csv(fake, ex) -> None:
    with (DATA / "XRPUSDT-PERP-5m.csv").open(newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    fake.load_klines("XRPUSDT", rows)
    since = int(rows[10][0])
    candles = await ex.fetch_ohlcv(XRP, "5m", since, 20)
    assert len(candles) == 20 and candles[0][0] == since
    assert candles[0][1:] == [float(x) for x in rows[10][1:6]]
    latest = await ex.fetch_ohlcv(XRP, "5m")
    assert len(latest) == KLINES_BY_DEFAULT[fake.ccxt_id] and latest[-1][0] == int(rows[-1][0])
    until = await ex.fetch_ohlcv(XRP, "5m", None, 3, {"until": int(rows[100][0])})
    assert [c[0] for c in until] == [int(r[0]) for r in rows[98:101]]
    hourly = await ex.fetch_ohlcv(XRP, "1h", since, 3)
    hour = [r for r in rows if int(r[0]) // 3_600_000 * 3_600_000 == hourly[1][0]]
    assert len(hour) == 12
    assert hourly[1][1:5] == [
        float(hour[0][1]),
        max(float(r[2]) for r in hour),
        min(float(r[3]) for r in hour),
        float(hour[-1][4]),
    ]
    assert await ex.fetch_ohlcv(ETH, "5m") == []


async def test_look_up_faults_may_start_later_and_end(fake, ex) -> None:
    """``fail_lookups(times, after=n)`` lets n look-ups through; ``times=0`` ends the fault."""
    fake.fail_lookups(1, after=1)
    await ex.fetch_open_orders("XRP/USDT:USDT")  # let through
    with pytest.raises(ccxt.ExchangeNotAvailable):
        await ex.fetch_open_orders("XRP/USDT:USDT")
    await ex.fetch_open_orders("XRP/USDT:USDT")  # the fault is used up

    fake.fail_lookups(5)
    fake.fail_lookups(0)
    await ex.fetch_open_orders("XRP/USDT:USDT")
