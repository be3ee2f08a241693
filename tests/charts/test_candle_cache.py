from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from charts.candle_cache import CandleCache
from charts.errors import ChartError, NoCandles

T0 = 1_637_020_800_000  # 2021-11-16 00:00 UTC, ms
STEP = 300_000  # 5m


def rows(count: int, close: float = 1.1) -> list[list[float]]:
    return [
        [T0 + i * STEP, close, close + 0.01, close - 0.01, close, 1000.0 + i] for i in range(count)
    ]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeExchange:
    """fetch_ohlcv stand-in: records calls, can be held open or made to fail."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int]] = []
        self.gate: asyncio.Event | None = None
        self.fail: Exception | None = None
        self.answer: list[list[float]] | None = None

    async def fetch(self, symbol: str, timeframe: str, limit: int) -> Sequence[Sequence[float]]:
        self.calls.append((symbol, timeframe, limit))
        if self.gate is not None:
            await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        return self.answer if self.answer is not None else rows(limit)


@pytest.fixture
def exchange() -> FakeExchange:
    return FakeExchange()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cache(exchange: FakeExchange, clock: FakeClock) -> CandleCache:
    return CandleCache(exchange.fetch, ttl_s=30.0, clock=clock)


async def test_answers_are_reused_within_the_ttl(cache, exchange, clock):
    first = await cache.get("XRP/USDT:USDT", "5m", 120)
    clock.now += 29.9
    second = await cache.get("XRP/USDT:USDT", "5m", 120)
    assert exchange.calls == [("XRP/USDT:USDT", "5m", 120)]
    assert len(first) == len(second) == 120
    assert second.equals(first)


async def test_answers_expire_after_the_ttl(cache, exchange, clock):
    await cache.get("XRP/USDT:USDT", "5m")
    clock.now += 30.0
    await cache.get("XRP/USDT:USDT", "5m")
    assert len(exchange.calls) == 2


async def test_keys_are_symbol_and_timeframe(cache, exchange):
    await cache.get("XRP/USDT:USDT", "5m")
    await cache.get("XRP/USDT:USDT", "1h")
    await cache.get("BTC/USDT:USDT", "5m")
    await cache.get("XRP/USDT:USDT", "5m")
    assert len(exchange.calls) == 3


async def test_a_smaller_limit_is_served_from_a_larger_answer(cache, exchange):
    await cache.get("XRP/USDT:USDT", "5m", 120)
    tail = await cache.get("XRP/USDT:USDT", "5m", 50)
    assert len(exchange.calls) == 1
    assert len(tail) == 50
    assert tail.index[-1].value // 10**6 == T0 + 119 * STEP  # the newest bars


async def test_a_larger_limit_fetches_again(cache, exchange):
    await cache.get("XRP/USDT:USDT", "5m", 50)
    frame = await cache.get("XRP/USDT:USDT", "5m", 120)
    assert [c[2] for c in exchange.calls] == [50, 120]
    assert len(frame) == 120


async def test_concurrent_callers_share_one_fetch(cache, exchange):
    exchange.gate = asyncio.Event()
    waiters = [asyncio.create_task(cache.get("XRP/USDT:USDT", "5m")) for _ in range(5)]
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert len(exchange.calls) == 1
    exchange.gate.set()
    frames = await asyncio.gather(*waiters)
    assert len(exchange.calls) == 1
    assert all(f.equals(frames[0]) for f in frames)


async def test_a_caller_giving_up_does_not_cancel_the_shared_fetch(cache, exchange):
    exchange.gate = asyncio.Event()
    quitter = asyncio.create_task(cache.get("XRP/USDT:USDT", "5m"))
    stayer = asyncio.create_task(cache.get("XRP/USDT:USDT", "5m"))
    await asyncio.sleep(0)
    quitter.cancel()
    exchange.gate.set()
    assert len(await stayer) == 120
    with pytest.raises(asyncio.CancelledError):
        await quitter
    assert len(exchange.calls) == 1


async def test_failures_are_not_cached(cache, exchange):
    exchange.fail = TimeoutError("binance read timeout")
    with pytest.raises(ChartError, match="could not fetch candles for XRP/USDT:USDT 5m") as error:
        await cache.get("XRP/USDT:USDT", "5m")
    assert isinstance(error.value.__cause__, TimeoutError)
    exchange.fail = None
    frame = await cache.get("XRP/USDT:USDT", "5m")  # no clock change: a fresh attempt
    assert len(frame) == 120
    assert len(exchange.calls) == 2


async def test_concurrent_callers_share_a_failure_then_retry(cache, exchange):
    exchange.gate = asyncio.Event()
    exchange.fail = ConnectionError("reset")
    waiters = [asyncio.create_task(cache.get("XRP/USDT:USDT", "5m")) for _ in range(3)]
    await asyncio.sleep(0)
    exchange.gate.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert all(isinstance(r, ChartError) for r in results)
    assert len(exchange.calls) == 1
    exchange.fail = None
    await cache.get("XRP/USDT:USDT", "5m")
    assert len(exchange.calls) == 2


async def test_no_candles_is_an_error_and_not_cached(cache, exchange):
    exchange.answer = []
    with pytest.raises(NoCandles, match="no candles for XRP/USDT:USDT 5m"):
        await cache.get("XRP/USDT:USDT", "5m")
    exchange.answer = None
    assert len(await cache.get("XRP/USDT:USDT", "5m")) == 120


async def test_callers_cannot_change_the_cached_frame(cache):
    frame = await cache.get("XRP/USDT:USDT", "5m")
    frame.loc[frame.index[-1], "Close"] = -1.0
    again = await cache.get("XRP/USDT:USDT", "5m")
    assert again["Close"].iloc[-1] == 1.1


async def test_limit_must_be_positive(cache):
    with pytest.raises(ValueError, match="limit"):
        await cache.get("XRP/USDT:USDT", "5m", 0)
