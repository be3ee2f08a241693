"""The whole product as one process: the real runtime, real discord.py and real ccxt, with
the fake Discord and the fake Binance on loopback, and real HTTP to the webhook."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.config import Settings, load_settings
from bot.runtime import run
from tests.conftest import DATA
from tests.fakes.binance import FakeBinanceFutures
from tests.fakes.discord import FakeDiscord, FakeMessage
from trading.exchange.replay import read_candles_csv

APPROVER_ROLE = 1400000000000000010
VIEWER_ROLE = 1400000000000000011
TRADER = 1400000000000000100  # an approver, by role
VIEWER = 1400000000000000101
STRANGER = 1400000000000000102
PASSPHRASE = "e2e passphrase 1234"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(
        roles={APPROVER_ROLE: "approver", VIEWER_ROLE: "viewer"},
        members={TRADER: [APPROVER_ROLE], VIEWER: [VIEWER_ROLE], STRANGER: []},
    ) as fake:
        with fake.patch_discord():
            yield fake
        assert not fake.internal_errors, fake.internal_errors


@pytest.fixture
async def exchange_fake() -> AsyncIterator[FakeBinanceFutures]:
    async with FakeBinanceFutures() as fake:
        fake.load_klines("XRPUSDT", read_candles_csv(DATA / "XRPUSDT-PERP-5m.csv"), "5m")
        fake.set_price("XRPUSDT", "1.0000")
        yield fake


@pytest.fixture(autouse=True)
def no_logged_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """discord.py and our background tasks log errors rather than raise them: fail on any."""
    yield
    errors = [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.get_records("call")
        if r.levelno >= logging.ERROR
    ]
    assert not errors, errors


def make_settings(
    tmp_path: Path, discord: FakeDiscord, exchange: FakeBinanceFutures, **extra: Any
) -> Settings:
    values: dict[str, Any] = {
        "discord_token": discord.token,
        "discord_guild_id": str(discord.guild_id),
        "discord_channel_id": str(discord.channel_id),
        "approver_role_ids": str(APPROVER_ROLE),
        "viewer_role_ids": str(VIEWER_ROLE),
        "discord_api_base_url": discord.api_base,
        "webhook_host": "127.0.0.1",
        "webhook_port": str(free_port()),
        "webhook_passphrase": PASSPHRASE,
        "trading_mode": "live",
        "exchange_api_key": "test-key",
        "exchange_api_secret": "test-secret",
        "exchange_options": json.dumps({**exchange.ccxt_config(), "timeout": 2000}),
        "database_url": f"sqlite+aiosqlite:///{tmp_path}/greenlight.db",
        "monitor_interval_s": "0.2",
        "default_leverage": "2",
    }
    values.update({key: str(value) for key, value in extra.items()})
    return load_settings(None, **values)


@dataclass
class Greenlight:
    """A running ``bot.runtime.run`` and handles to talk to it like users do."""

    settings: Settings
    discord: FakeDiscord
    exchange: FakeBinanceFutures
    http: aiohttp.ClientSession
    task: asyncio.Task[None] | None = None
    stop_event: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.webhook_port}"

    async def start(self) -> None:
        identified = self.discord.identifies
        self.stop_event = asyncio.Event()
        self.task = asyncio.create_task(run(self.settings, stop=self.stop_event))
        for _ in range(600):
            if self.task.done():
                self.task.result()  # raise what stopped it
            with contextlib.suppress(aiohttp.ClientConnectionError):
                async with self.http.get(self.url + "/healthz") as response:
                    if response.status == 200:
                        break
            await asyncio.sleep(0.05)
        await self.discord.wait_for(
            lambda: self.discord.identifies > identified and self.discord.connected,
            timeout=20,
            message="the bot connected to the gateway",
        )
        await self.discord.wait_ready(timeout=20)

    async def stop(self) -> None:
        if self.task is not None:
            self.stop_event.set()
            await asyncio.wait_for(self.task, 30)
            self.task = None

    async def post(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        async with self.http.post(self.url + "/webhook", json=body) as response:
            return response.status, await response.json()

    def channel_messages(self) -> list[FakeMessage]:
        return self.discord.messages(self.discord.channel_id)

    async def wait_for_message(self, predicate: Any, within: float = 20) -> FakeMessage:
        found: list[FakeMessage] = []

        def check() -> bool:
            found[:] = [m for m in self.channel_messages() if predicate(m)]
            return bool(found)

        await self.discord.wait_for(check, timeout=within)
        return found[-1]

    async def wait_for_thread_text(self, message_id: int, text: str, within: float = 20) -> str:
        def check() -> bool:
            return any(text in m.text for m in self.discord.thread_messages(message_id))

        await self.discord.wait_for(check, timeout=within, message=f"thread line {text!r}")
        return "\n".join(m.text for m in self.discord.thread_messages(message_id))


def entry_alert(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "passphrase": PASSPHRASE,
        "ticker": "XRPUSDT.P",
        "exchange": "BINANCE",
        "interval": "5",
        "action": "buy",
        "message": "entry",
        "price": 1.0,
        "time": "2021-11-17T10:00:00Z",
        "stop_loss": 0.98,
        "take_profits": [
            {"price": 1.02, "close_pct": 30},
            {"price": 1.04, "close_pct": 30},
            {"price": 1.06},
        ],
        "strategy": "E2E",
    }
    body.update(fields)
    return {key: value for key, value in body.items() if value is not ...}


@pytest.fixture
async def greenlight(
    tmp_path: Path, discord_fake: FakeDiscord, exchange_fake: FakeBinanceFutures
) -> AsyncIterator[Greenlight]:
    async with aiohttp.ClientSession() as http:
        app = Greenlight(make_settings(tmp_path, discord_fake, exchange_fake), discord_fake,
                         exchange_fake, http)  # fmt: skip
        await app.start()
        try:
            yield app
        finally:
            await app.stop()
