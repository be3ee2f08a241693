from __future__ import annotations

import asyncio
import os
from dataclasses import replace

import numpy as np
import pytest

from charts.errors import ChartError, ChartTimeout, NoCandles
from charts.pool import ChartRenderer, default_workers

from .helpers import by_symbol
from .test_render import png_size

# Generous: a render takes well under a second even on a slow CI machine; only the
# deliberately hanging render ever reaches it.
TIMEOUT_S = 3.0


@pytest.fixture
async def renderer():
    async with ChartRenderer(workers=1, timeout_s=TIMEOUT_S, render_fn=by_symbol) as pool:
        yield pool


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_renders_in_a_worker(renderer, candles, long_spec, short_spec):
    long_png, short_png = await asyncio.gather(
        renderer.render(candles, long_spec), renderer.render(candles, short_spec)
    )
    assert png_size(long_png) == png_size(short_png) == (1200, 675)
    assert long_png != short_png
    assert all(pid != os.getpid() for pid in renderer.pids)


async def test_renders_a_chart_without_levels_in_a_worker(renderer, candles, long_spec):
    bare = replace(long_spec, entry=None, stop=None, take_profits=())
    assert png_size(await renderer.render(candles, bare)) == (1200, 675)


async def test_the_real_renderer_by_default(candles, long_spec):
    async with ChartRenderer(workers=1, size=(800, 450), theme="light") as pool:
        assert png_size(await pool.render(candles, long_spec)) == (800, 450)


async def test_a_render_that_raises_is_a_chart_error_and_the_worker_stays(
    renderer, candles, long_spec
):
    pids = renderer.pids
    with pytest.raises(ChartError, match=r"^chart failed: ValueError: boom for BOOM$"):
        await renderer.render(candles, replace(long_spec, symbol="BOOM"))
    with pytest.raises(NoCandles, match="no candles for XRP/USDT:USDT 5m"):
        await renderer.render(candles.assign(Close=np.nan), long_spec)  # raised in the worker
    assert png_size(await renderer.render(candles, long_spec)) == (1200, 675)
    assert renderer.pids == pids


async def test_empty_candles_fail_fast(renderer, candles, long_spec):
    with pytest.raises(NoCandles, match="no candles for XRP/USDT:USDT 5m"):
        await renderer.render(candles.iloc[:0], long_spec)


async def test_a_hung_render_times_out_and_the_next_one_works(renderer, candles, long_spec):
    [hung_pid] = renderer.pids
    with pytest.raises(ChartTimeout, match=rf"^chart timed out after {TIMEOUT_S:g} s$"):
        await renderer.render(candles, replace(long_spec, symbol="HANG"))
    # The only worker was replaced: the next render waits for the new one, then draws.
    assert png_size(await renderer.render(candles, long_spec)) == (1200, 675)
    assert renderer.pids != [hung_pid]
    assert not alive(hung_pid)


async def test_a_timeout_is_a_chart_error(renderer, candles, long_spec):
    with pytest.raises(ChartError):
        await renderer.render(candles, replace(long_spec, symbol="HANG"))


async def test_a_dead_worker_is_replaced(renderer, candles, long_spec):
    with pytest.raises(ChartError, match=r"^chart worker died$"):
        await renderer.render(candles, replace(long_spec, symbol="DIE"))
    assert png_size(await renderer.render(candles, long_spec)) == (1200, 675)


async def test_other_workers_keep_drawing_during_a_hang(candles, long_spec):
    async with ChartRenderer(workers=2, timeout_s=TIMEOUT_S, render_fn=by_symbol) as pool:
        hung = asyncio.create_task(pool.render(candles, replace(long_spec, symbol="HANG")))
        await asyncio.sleep(0)
        pngs = await asyncio.gather(*(pool.render(candles, long_spec) for _ in range(4)))
        assert not hung.done()  # they were drawn while the hung one was still running
        assert all(png_size(png) == (1200, 675) for png in pngs)
        with pytest.raises(ChartTimeout):
            await hung


async def test_a_caller_giving_up_leaves_the_pool_usable(renderer, candles, long_spec):
    task = asyncio.create_task(renderer.render(candles, long_spec))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert png_size(await renderer.render(candles, long_spec)) == (1200, 675)


async def test_render_starts_the_pool_on_first_use(candles, long_spec):
    pool = ChartRenderer(workers=1)
    try:
        assert pool.pids == []
        assert png_size(await pool.render(candles, long_spec)) == (1200, 675)
        await pool.start()  # idempotent
        assert len(pool.pids) == 1
    finally:
        await pool.close()


async def test_close_stops_the_workers_and_refuses_more(candles, long_spec):
    pool = ChartRenderer(workers=2)
    await pool.start()
    pids = pool.pids
    assert len(pids) == 2 and all(alive(pid) for pid in pids)
    await pool.close()
    await pool.close()  # idempotent
    assert not any(alive(pid) for pid in pids)
    with pytest.raises(ChartError, match="closed"):
        await pool.render(candles, long_spec)
    with pytest.raises(ChartError, match="closed"):
        await pool.start()


async def test_close_during_a_render_ends_it_with_a_chart_error(candles, long_spec):
    pool = ChartRenderer(workers=1, timeout_s=TIMEOUT_S, render_fn=by_symbol)
    await pool.start()
    hung = asyncio.create_task(pool.render(candles, replace(long_spec, symbol="HANG")))
    await asyncio.sleep(0.1)
    await pool.close()
    with pytest.raises(ChartError, match="closed"):
        await hung


def test_default_workers_leave_a_cpu_for_the_bot():
    workers = default_workers()
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert 1 <= workers <= 4
    assert workers == max(1, min(4, (cpus or 1) - 1))


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="workers"):
        ChartRenderer(workers=0)
    with pytest.raises(ValueError, match="timeout_s"):
        ChartRenderer(timeout_s=0)


async def test_a_job_that_cannot_be_sent_is_a_chart_error(candles, long_spec):
    pool = ChartRenderer(workers=1, render_fn=lambda candles, spec, **_: b"")
    try:
        with pytest.raises(ChartError, match="cannot be sent to a worker"):
            await pool.render(candles, long_spec)
        assert pool.pids == []  # refused before any worker was started
    finally:
        await pool.close()
