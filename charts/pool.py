"""Render charts in warmed worker processes, off the event loop.

A chart takes tens of milliseconds of pure CPU in matplotlib, which holds the GIL: drawn in
the bot's process it would stall the Discord gateway and the webhook for that long, and a
stuck render would stall them for good. :class:`ChartRenderer` keeps a few worker processes,
each started once and warmed (imports, font cache, one throwaway chart) so that the first
real chart is as fast as the hundredth, and sends each render to an idle one.

Failure handling, per render:

- the render raises (no candles, a bad spec...): the worker answers with the error and stays;
  the caller gets :class:`~charts.errors.ChartError`;
- the render runs past ``timeout_s``: the caller gets :class:`~charts.errors.ChartTimeout`, that
  worker is killed and a fresh one is started in the background; other workers and later
  renders are not affected;
- the worker dies (killed, out of memory): like a timeout, with ``chart worker died``.

The workers are started with the ``spawn`` method: forking a process that runs threads (the
event loop's executors, discord.py) is unsafe, and spawn works the same on every OS. As with
any ``multiprocessing`` user, the program's main module must guard its entry point with
``if __name__ == "__main__":`` (spawned workers import it).

Waiting for a worker's answer is a blocking pipe read, done in a daemon thread per render so
the event loop never blocks and a hung worker can never hold up interpreter exit. One worker
process, what it runs and what it says to the pool are in :mod:`charts.worker`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import pickle
import threading
import time
from collections.abc import Callable
from multiprocessing.context import SpawnContext
from multiprocessing.reduction import ForkingPickler
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

from charts.errors import ChartError, ChartTimeout, NoCandles
from charts.spec import ChartSpec
from charts.worker import ERRORS, START_TIMEOUT_S, Worker

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ChartError", "ChartRenderer", "ChartTimeout", "NoCandles", "default_workers"]

log = logging.getLogger(__name__)

RenderFn = Callable[..., bytes]
"""``fn(candles, spec, *, size, theme) -> bytes``, a module-level function (it is pickled)."""

_T = TypeVar("_T")


def default_workers() -> int:
    """How many render processes suit this machine: ``max(1, min(4, cpus - 1))``.

    One CPU stays with the bot's own process, so a burst of charts never delays the Discord
    gateway or the webhook. One worker already draws about 20 charts a second, far above any
    alert rate; more workers only help bursts, and each costs about 110 MB of memory
    (matplotlib, pandas, a figure), hence the cap of 4.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(4, cpus - 1))


class ChartRenderer:
    """A pool of chart-rendering processes for the asyncio side of the bot.

    ``size`` and ``theme`` apply to every chart. ``timeout_s`` bounds one render in its
    worker; a render also waits at most ``wait_s`` for a free worker (all busy, or the only
    one being replaced after a timeout). ``render_fn`` replaces
    :func:`charts.render.render_chart`; it must be a module-level function (workers import
    it by name) and exists for tests and for other pictures drawn the same way.

    Use ``async with ChartRenderer() as renderer:`` or call :meth:`start` and :meth:`close`.
    :meth:`render` starts the pool on first use if :meth:`start` was not awaited.
    """

    def __init__(
        self,
        *,
        workers: int | None = None,
        timeout_s: float = 10.0,
        size: tuple[int, int] = (1200, 675),
        theme: str = "dark",
        wait_s: float = 30.0,
        render_fn: RenderFn | None = None,
    ) -> None:
        if workers is not None and workers < 1:
            raise ValueError("workers must be at least 1")
        if timeout_s <= 0 or wait_s <= 0:
            raise ValueError("timeout_s and wait_s must be above zero")
        self.workers = workers if workers is not None else default_workers()
        self.timeout_s = timeout_s
        self.wait_s = wait_s
        self.size = (int(size[0]), int(size[1]))
        self.theme = theme
        self._render_fn = render_fn
        self._context: SpawnContext = multiprocessing.get_context("spawn")
        self._idle: asyncio.Queue[Worker] = asyncio.Queue()
        self._live: set[Worker] = set()
        self._spawning = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._start_lock = asyncio.Lock()
        self._started = False
        self._closed = False

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def pids(self) -> list[int]:
        """Process ids of the live workers (for logs and tests)."""
        return sorted(w.pid for w in self._live)

    async def start(self) -> None:
        """Start and warm every worker; returns when all are ready. Idempotent.

        Raises
        ------
        ChartError
            When no worker could start (the first error is in the message), or after
            :meth:`close`.
        """
        async with self._start_lock:
            if self._closed:
                raise ChartError("chart renderer is closed")
            if self._started:
                return
            began = time.perf_counter()
            results = await asyncio.gather(
                *(self._spawn() for _ in range(self.workers)), return_exceptions=True
            )
            failures = [r for r in results if isinstance(r, BaseException)]
            if len(failures) == len(results):
                await self._shutdown()
                first = failures[0]
                if isinstance(first, ChartError):
                    raise first
                raise ChartError(f"chart workers failed to start: {first}") from first
            for failure in failures:
                log.warning("a chart worker failed to start: %s", failure)
            self._started = True
            log.info(
                "chart renderer ready: %d worker(s) in %.1f s",
                len(self._live),
                time.perf_counter() - began,
            )

    async def render(self, candles: pd.DataFrame, spec: ChartSpec) -> bytes:
        """Draw ``candles`` with ``spec`` in a worker and return the PNG bytes.

        Raises
        ------
        ChartError
            The render failed (the message says why), timed out (:class:`ChartTimeout`), its
            worker died, no worker was free within ``wait_s``, or the renderer is closed.
        """
        if len(candles) == 0:
            raise NoCandles(f"no candles for {spec.symbol} {spec.timeframe}")
        try:
            job = bytes(ForkingPickler.dumps((self._render_fn, candles, spec)))
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            raise ChartError(f"chart job cannot be sent to a worker: {exc}") from exc
        if not self._started:
            await self.start()
        worker = await self._acquire()
        task = asyncio.get_running_loop().create_task(self._run(worker, job))
        self._keep(task)
        # Shielded: if the caller gives up, the render still ends (or times out) and the
        # worker goes back to the pool in a known state.
        return await asyncio.shield(task)

    async def close(self) -> None:
        """Stop every worker (a render in progress ends with ChartError). Idempotent."""
        async with self._start_lock:
            if self._closed:
                return
            self._closed = True
            await self._shutdown()

    # -- internals ---------------------------------------------------------------------------

    async def _spawn(self) -> None:
        self._spawning += 1
        try:
            worker = await _in_thread(Worker.launch, self._context, self.size, self.theme)
        finally:
            self._spawning -= 1
        if self._closed:
            await _in_thread(worker.stop)
            raise ChartError("chart renderer is closed")
        self._live.add(worker)
        self._idle.put_nowait(worker)

    def _respawn(self) -> None:
        if self._closed or len(self._live) + self._spawning >= self.workers:
            return
        self._keep(asyncio.get_running_loop().create_task(self._spawn()))

    async def _acquire(self) -> Worker:
        if self._closed:
            raise ChartError("chart renderer is closed")
        if self._idle.empty():
            self._respawn()  # heals a pool whose replacement failed to start earlier
        try:
            async with asyncio.timeout(self.wait_s):
                while True:
                    worker = await self._idle.get()
                    if worker in self._live:
                        return worker
        except TimeoutError:
            raise ChartError(f"no chart worker free within {self.wait_s:g} s") from None

    async def _run(self, worker: Worker, job: bytes) -> bytes:
        try:
            async with asyncio.timeout(self.timeout_s):
                status, kind, payload = await _in_thread(worker.call, job)
        except TimeoutError:
            self._retire(worker)
            raise ChartTimeout(f"chart timed out after {self.timeout_s:g} s") from None
        except (EOFError, OSError) as exc:
            self._retire(worker)
            if self._closed:
                raise ChartError("chart renderer is closed") from None
            raise ChartError("chart worker died") from exc
        if not self._closed:
            self._idle.put_nowait(worker)
        if status == "ok" and isinstance(payload, bytes):
            return payload
        error = ERRORS.get(kind)
        if error is not None:
            raise error(payload)
        raise ChartError(f"chart failed: {payload}")

    def _retire(self, worker: Worker) -> None:
        """Kill ``worker`` (hung or dead), reap it off the loop, start its replacement."""
        self._live.discard(worker)
        worker.kill()
        threading.Thread(target=worker.reap, name="chart-reap", daemon=True).start()
        self._respawn()

    def _keep(self, task: asyncio.Task[Any]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Read here so that an abandoned render does not log "exception never retrieved".
            log.debug("chart task ended with %r", task.exception())

    async def _shutdown(self) -> None:
        workers = list(self._live)
        self._live.clear()
        for worker in workers:
            worker.kill_if_busy()
        await asyncio.gather(*(_in_thread(w.stop) for w in workers), return_exceptions=True)
        pending = [t for t in self._tasks if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=START_TIMEOUT_S)
        while not self._idle.empty():
            self._idle.get_nowait()
        self._started = False


def _in_thread(fn: Callable[..., _T], *args: Any) -> asyncio.Future[_T]:
    """Run blocking ``fn`` in a daemon thread; the future is the loop's to await or cancel."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[_T] = loop.create_future()

    def settle(result: Any, error: BaseException | None) -> None:
        if future.done():  # the awaiting side timed out or was cancelled
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def run() -> None:
        try:
            result, error = fn(*args), None
        except BaseException as exc:
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name="chart-pool", daemon=True).start()
    return future
