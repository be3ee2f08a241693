"""One chart worker process: the body it runs, the parent's handle on it, and what they say.

The protocol, over one duplex pipe per worker:

- once started, the worker warms up (imports, font cache, one throwaway chart) and sends
  ``("ready", "", pid)``, or ``("failed", kind, text)`` and ends;
- the parent sends a job, the bytes of a pickled ``(render_fn or None, candles, spec)``, and
  the worker answers ``("ok", "", png_bytes)`` or ``("error", kind, text)``, where ``kind`` is
  the exception's class name (one of :data:`ERRORS` is raised again as itself by the parent);
- the parent sends ``None`` to stop the worker; a closed pipe stops it too.

:class:`Worker` is the parent's side: it launches the process, waits for ``ready``, sends jobs
and stops, kills and reaps the process. Its methods block; the pool runs them in daemon
threads.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import threading
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnContext
from multiprocessing.process import BaseProcess
from typing import Any

from charts.errors import ChartError, ChartTimeout, NoCandles

__all__ = ["ERRORS", "START_TIMEOUT_S", "Reply", "Worker"]

Reply = tuple[str, str, Any]
"""A worker's message to the parent: ``(status, error class name or "", payload)``."""

START_TIMEOUT_S = 60.0  # a cold start on a slow disk imports matplotlib and pandas
_STOP_TIMEOUT_S = 2.0
ERRORS: dict[str, type[ChartError]] = {
    cls.__name__: cls for cls in (ChartError, NoCandles, ChartTimeout)
}
"""The errors a worker reports by message alone, for the parent to raise again as they were."""


class Worker:
    """The parent's handle on one worker process. Blocking methods run in daemon threads."""

    def __init__(self, process: BaseProcess, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.busy = False
        pid = process.pid
        assert pid is not None
        self.pid = pid
        self._reap_lock = threading.Lock()
        self._reaped = False

    @classmethod
    def launch(cls, context: SpawnContext, size: tuple[int, int], theme: str) -> Worker:
        """Start a worker process and wait until it is warmed up and ready for jobs."""
        ours, theirs = context.Pipe(duplex=True)
        process = context.Process(
            target=_worker_main, args=(theirs, size, theme), name="chart-worker", daemon=True
        )
        process.start()
        theirs.close()  # so that a dead worker reads as EOF here
        worker = cls(process, ours)
        try:
            if not ours.poll(START_TIMEOUT_S):
                raise ChartError(f"chart worker did not start within {START_TIMEOUT_S:g} s")
            status, _, payload = ours.recv()
            if status != "ready":
                raise ChartError(f"chart worker failed to warm up: {payload}")
        except (EOFError, OSError):
            worker.kill()
            worker.reap()
            raise ChartError("chart worker died while starting") from None
        except BaseException:
            worker.kill()
            worker.reap()
            raise
        return worker

    def call(self, job: bytes) -> Reply:
        """Send one pickled job and wait for the worker's answer."""
        self.busy = True
        try:
            self.conn.send_bytes(job)
            return self.conn.recv()
        finally:
            self.busy = False

    def kill(self) -> None:
        """Kill the process at once (it may be dead already)."""
        with contextlib.suppress(OSError, ValueError, AttributeError):
            self.process.kill()

    def kill_if_busy(self) -> None:
        """Kill the process if it is in the middle of a render."""
        if self.busy:
            self.kill()

    def reap(self) -> None:
        """Wait for the process to end (killing it if it does not) and release it. Idempotent."""
        with self._reap_lock:
            if self._reaped:
                return
            self._reaped = True
            self.process.join(_STOP_TIMEOUT_S)
            if self.process.is_alive():
                self.kill()
                self.process.join(_STOP_TIMEOUT_S)
            with contextlib.suppress(OSError):
                self.conn.close()
            with contextlib.suppress(ValueError):  # still running after all that
                self.process.close()

    def stop(self) -> None:
        """Ask the process to end, then reap it."""
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(None)
        self.reap()


def _worker_main(conn: Connection, size: tuple[int, int], theme: str) -> None:
    """Body of a worker process: warm up, then render jobs until told to stop."""
    # Ctrl-C reaches the whole process group; the parent decides when workers end.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import matplotlib

        matplotlib.use("Agg")
        from charts.render import render_chart, warm_up

        warm_up(size=size, theme=theme)
    except BaseException as exc:
        conn.send(("failed", type(exc).__name__, _describe(exc)))
        return
    # Everything alive now (modules, fonts, caches) lives as long as the process: frozen, the
    # collector never walks it again, and collecting only between jobs keeps the collector
    # out of the render time altogether.
    gc.collect()
    gc.freeze()
    gc.disable()
    conn.send(("ready", "", os.getpid()))
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return  # the parent is gone
        reply: Reply
        try:
            job = pickle.loads(data)
            if job is None:
                return
            fn, candles, spec = job
            reply = ("ok", "", (fn or render_chart)(candles, spec, size=size, theme=theme))
        except Exception as exc:
            kind = type(exc).__name__
            reply = ("error", kind, str(exc) if kind in ERRORS else _describe(exc))
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return
        except Exception as exc:  # an answer that does not pickle
            conn.send(("error", type(exc).__name__, _describe(exc)))
        del data, reply
        gc.collect()


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if len(text) > 160:
        text = text[:157] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
