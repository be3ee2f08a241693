"""A running webhook on loopback with a real store, and a real HTTP client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from trading.alerts import AcceptedAlert
from trading.store.alert_log import AlertLog
from trading.store.database import Database
from webhook.app import make_app
from webhook.config import WebhookConfig
from webhook.intake import AlertIntake

PASSPHRASE = "correct horse battery staple"


class FakeClock:
    """Wall-clock time that only moves when a test says so."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 20, 10, 15, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Webhook:
    """Handles on a running intake."""

    url: str
    base: str
    http: aiohttp.ClientSession
    log: AlertLog
    queue: asyncio.Queue[AcceptedAlert]
    intake: AlertIntake
    clock: FakeClock
    database: Database

    async def post(self, body: Any, **kwargs: Any) -> tuple[int, dict[str, Any], Any]:
        """POST ``body`` (a dict as JSON, bytes or str as is); return status, json, headers."""
        if isinstance(body, dict | list):
            kwargs["json"] = body
        else:
            kwargs["data"] = body
        async with self.http.post(self.url, **kwargs) as response:
            return response.status, await response.json(), response.headers


def alert(**fields: Any) -> dict[str, Any]:
    """A canonical entry alert, with ``fields`` changed."""
    body: dict[str, Any] = {
        "passphrase": PASSPHRASE,
        "id": "a-1",
        "ticker": "XRPUSDT.P",
        "exchange": "BINANCE",
        "interval": "5",
        "action": "buy",
        "message": "entry",
        "price": 1.0812,
        "time": "2021-11-16T12:00:00Z",
        "stop_loss": 1.06,
        "take_profits": [{"price": 1.1, "close_pct": 50}, {"r": 2, "close_pct": 50}],
        "strategy": "MeanReversion",
    }
    body.update(fields)
    return {key: value for key, value in body.items() if value is not ...}


WebhookFactory = Callable[..., Awaitable[Webhook]]


@pytest.fixture
async def make_webhook(database: Database) -> AsyncIterator[WebhookFactory]:
    """Start webhooks on ``database`` with config overrides; all are closed at the end."""
    started: list[tuple[TestServer, aiohttp.ClientSession, AlertLog]] = []

    async def start(**overrides: Any) -> Webhook:
        config = replace(
            WebhookConfig(passphrase=PASSPHRASE, rate_limit_per_min=10_000), **overrides
        )
        clock = FakeClock()
        log = AlertLog(database)
        await log.start()
        queue: asyncio.Queue[AcceptedAlert] = asyncio.Queue()
        intake = AlertIntake(config, log, queue.put_nowait, clock=clock)
        await intake.load()
        server = TestServer(make_app(intake, path=config.path), host="127.0.0.1")
        await server.start_server()
        http = aiohttp.ClientSession()
        started.append((server, http, log))
        base = str(server.make_url("")).rstrip("/")
        return Webhook(base + config.path, base, http, log, queue, intake, clock, database)

    yield start
    for server, http, log in reversed(started):
        await http.close()
        await server.close()
        await log.close()


@pytest.fixture
async def webhook(make_webhook: WebhookFactory) -> Webhook:
    """A webhook with the default settings."""
    return await make_webhook()
