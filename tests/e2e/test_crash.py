"""A real ``python -m bot`` killed (SIGKILL) at each step of approve → entry → bracket, then
started again on the same database: the trade ends with one entry, one stop and its take-
profits on the exchange, never two of anything.

Each step is caught by a fault that holds the request at that step until the process dies:
the leverage request (the trade is marked entering, nothing sent), the entry executed but its
answer not yet back, the stop executed but unanswered, the stop not yet arrived.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.bot.test_entrypoint import _env, _free_port, _wait_healthy
from tests.fakes.binance import FakeBinanceFutures
from tests.fakes.discord import FakeDiscord

XRP = "XRPUSDT"
APPROVER = 1400000000000000005
ALERT = {
    "passphrase": "crash test passphrase", "ticker": "XRPUSDT", "action": "buy",
    "message": "entry", "interval": "5", "stop_loss": 0.98, "leverage": 5,
    "take_profits": [{"price": 1.02, "close_pct": 30}, {"price": 1.04, "close_pct": 30},
                     {"price": 1.06}],
}  # fmt: skip


class Bot:
    """``python -m bot`` as a process, live on the fake Binance, approvals from fake Discord."""

    def __init__(self, folder: Path, discord: FakeDiscord, exchange: FakeBinanceFutures) -> None:
        self.folder, self.discord, self.exchange = folder, discord, exchange
        self.port = _free_port()
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, http: aiohttp.ClientSession) -> None:
        options = {**self.exchange.ccxt_config(), "timeout": 3000}
        env = _env(
            DISCORD_TOKEN=self.discord.token, DISCORD_GUILD_ID=str(self.discord.guild_id),
            DISCORD_CHANNEL_ID=str(self.discord.channel_id),
            DISCORD_API_BASE_URL=self.discord.api_base, APPROVER_USER_IDS=str(APPROVER),
            WEBHOOK_PASSPHRASE=ALERT["passphrase"], WEBHOOK_HOST="127.0.0.1",
            WEBHOOK_PORT=str(self.port), TRADING_MODE="live", EXCHANGE_API_KEY="test-key",
            EXCHANGE_API_SECRET="test-secret", EXCHANGE_OPTIONS=json.dumps(options),
            MONITOR_INTERVAL_S="0.3",
        )  # fmt: skip
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=self.folder, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        await _wait_healthy(http, f"http://127.0.0.1:{self.port}", self.process)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> str:
        if self.process is None or self.process.returncode is not None:
            return ""
        self.process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(self.process.communicate(), 30)
        return err.decode()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[Bot, aiohttp.ClientSession]]:
    async with (
        FakeDiscord(members={APPROVER: []}) as discord,
        FakeBinanceFutures() as exchange,
        aiohttp.ClientSession() as http,
    ):
        exchange.set_price(XRP, "1.0000")
        bot = Bot(tmp_path, discord, exchange)
        try:
            yield bot, http
        finally:
            await bot.stop()


async def until(check: Callable[[], Any], what: str, within: float = 30) -> None:
    for _ in range(int(within / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not within {within:g} s: {what}")


def arrived(exchange: FakeBinanceFutures, path: str, leg: str = "") -> bool:
    return any(
        m == "POST" and p == path and leg in json.dumps(params)
        for m, p, params in exchange.requests
    )


STEPS: dict[str, tuple[str, str, Callable[[FakeBinanceFutures], bool]]] = {
    # the step: (leg, fault, the sign that the request is held at that step)
    "before the entry": ("leverage", "timeout_before",
                         lambda x: arrived(x, "/fapi/v1/leverage")),
    "entry executed, unanswered": ("entry", "timeout_after",
                                   lambda x: x.position_size(XRP) != 0),
    "stop executed, unanswered": ("stop", "timeout_after",
                                  lambda x: any(o.leg == "stop" for o in x.resting(XRP))),
    "stop not arrived": ("stop", "timeout_before",
                         lambda x: arrived(x, "/fapi/v1/algoOrder", "-stop-")),
}  # fmt: skip


@pytest.mark.parametrize("step", list(STEPS))
async def test_a_crash_at_any_step_of_the_entry_ends_in_one_protected_position(
    world: tuple[Bot, aiohttp.ClientSession], step: str
) -> None:
    bot, http = world
    exchange, discord = bot.exchange, bot.discord
    leg, fault, held = STEPS[step]
    await bot.start(http)
    async with http.post(f"http://127.0.0.1:{bot.port}/webhook", json=ALERT) as response:
        assert (await response.json())["status"] == "accepted"
    await discord.wait_for(
        lambda: any(m.buttons for m in discord.messages(discord.channel_id)), timeout=30
    )
    [offer] = [m for m in discord.messages(discord.channel_id) if m.buttons]

    exchange.fail_leg(leg, fault)
    await discord.click(offer.id, offer.buttons[0]["custom_id"], user_id=APPROVER)
    await until(lambda: held(exchange), f"the request held at {step!r}")
    bot.kill()
    await bot.process.wait()  # type: ignore[union-attr]

    await bot.start(http)  # same folder, same database: the restart reconciles
    await until(
        lambda: sorted((o.kind, o.amount) for o in exchange.resting(XRP))
        == [("stop_market", Decimal("5000")), ("take_profit_market", Decimal("1500")),
            ("take_profit_market", Decimal("1500")), ("take_profit_market", Decimal("2000"))],
        "the bracket after the restart",
    )  # fmt: skip
    await asyncio.sleep(1)  # a few monitor passes: nothing more may appear
    assert exchange.position_size(XRP) == Decimal("5000")
    executed = [o for o in exchange.orders(XRP) if o.status not in ("REJECTED",)]
    for each in ("entry", "stop", "tp1", "tp2", "tp3"):
        assert len([o for o in executed if o.leg == each]) == 1, (step, each, executed)
    assert "Traceback" not in await bot.stop()
