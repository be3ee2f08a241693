"""Webhook acknowledgement latency and throughput, next to a bare aiohttp floor.

    python benchmarks/webhook.py [--seconds 5] [--concurrency 1 50]

Each server runs in its own process on loopback: the real Greenlight intake (every accepted
alert durably stored in SQLite, ``synchronous=FULL``, before its answer) and a bare aiohttp
handler that only answers 200 (the floor). A lean keep-alive HTTP/1.1 client in this process
drives both with the same typical alert, one at a time and 50 at a time, and prints p50/p99
latency, requests/s, and our share of the floor's requests/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PASSPHRASE = "not-a-secret"  # the benchmark server's own


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve_floor(port: int, ready: multiprocessing.Event) -> None:  # type: ignore[valid-type]
    from aiohttp import web

    async def ok(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"status": "ok"})

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/webhook", ok)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


def _serve_greenlight(port: int, folder: str, ready: multiprocessing.Event) -> None:  # type: ignore[valid-type]
    from aiohttp import web

    from trading.store.alert_log import AlertLog
    from trading.store.database import Database
    from webhook.app import make_app
    from webhook.config import WebhookConfig
    from webhook.intake import AlertIntake

    async def main() -> None:
        database = await Database.open(f"sqlite+aiosqlite:///{folder}/bench.db")
        log = AlertLog(database)
        await log.start()
        queue: asyncio.Queue = asyncio.Queue()

        async def drain() -> None:  # the processor's side: take alerts off the queue
            while True:
                await queue.get()

        drainer = asyncio.create_task(drain())
        config = WebhookConfig(passphrase=PASSPHRASE, rate_limit_per_min=10**9, dedup_window_s=600)
        intake = AlertIntake(config, log, queue.put_nowait)
        await intake.load()
        runner = web.AppRunner(make_app(intake), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        ready.set()
        await asyncio.Event().wait()
        drainer.cancel()

    asyncio.run(main())


def _alert(n: int) -> bytes:
    body = {
        "passphrase": PASSPHRASE,
        "id": f"bench-{n}",
        "ticker": "BTCUSDT.P",
        "exchange": "BINANCE",
        "interval": "15",
        "action": "buy",
        "message": "entry",
        "price": 64000.5,
        "time": "2026-11-20T10:15:00Z",
        "stop_loss": 63000,
        "take_profits": [{"price": 65000, "close_pct": 50}, {"r": 2, "close_pct": 50}],
        "strategy": "MeanReversion",
    }
    return json.dumps(body).encode()


async def _client(port: int, bodies: list[bytes], counter: list[int], stop_at: float,
                  latencies: list[float]) -> None:  # fmt: skip
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < stop_at:
            n = counter[0]
            counter[0] += 1
            body = bodies[n % len(bodies)]
            head = (
                f"POST /webhook HTTP/1.1\r\nHost: bench\r\nContent-Type: text/plain\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode()
            started = time.perf_counter()
            writer.write(head + body)
            header = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in header.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            answer = await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if b" 200 " not in header[:16] or b'"error"' in answer:
                raise RuntimeError(f"unexpected answer: {header[:40]!r} {answer[:80]!r}")
    finally:
        writer.close()


async def _load(
    port: int, concurrency: int, seconds: float, offset: int
) -> tuple[float, float, float]:
    bodies = [_alert(offset + n) for n in range(200_000)]
    counter = [0]
    latencies: list[float] = []
    warm_until = time.perf_counter() + 0.5
    await asyncio.gather(
        *(_client(port, bodies, counter, warm_until, []) for _ in range(concurrency))
    )
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(
        *(_client(port, bodies, counter, stop_at, latencies) for _ in range(concurrency))
    )
    elapsed = time.perf_counter() - started
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    return p50, p99, len(latencies) / elapsed


def _start(target, *args) -> tuple[multiprocessing.Process, int]:
    port = _free_port()
    ready = multiprocessing.Event()
    process = multiprocessing.Process(target=target, args=(port, *args, ready), daemon=True)
    process.start()
    if not ready.wait(30):
        raise RuntimeError("server did not start")
    return process, port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 50])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        floor, floor_port = _start(_serve_floor)
        ours, our_port = _start(_serve_greenlight, folder)
        try:
            print(f"{'':>22} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>9}")
            for n, concurrency in enumerate(args.concurrency):
                f = asyncio.run(_load(floor_port, concurrency, args.seconds, 0))
                g = asyncio.run(_load(our_port, concurrency, args.seconds, (n + 1) * 10**6))
                print(f"floor     concurrency {concurrency:>3} {f[0]:8.2f} {f[1]:8.2f} {f[2]:9.0f}")
                print(
                    f"greenlight concurrency {concurrency:>2} {g[0]:8.2f} {g[1]:8.2f} {g[2]:9.0f}"
                )
                print(f"{'':>22} ratio of requests/s: {g[2] / f[2]:.0%}")
        finally:
            floor.terminate()
            ours.terminate()


if __name__ == "__main__":
    main()
