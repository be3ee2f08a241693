"""``python -m bot`` as a user runs it: a bad setting, then a real start and a clean stop."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import aiohttp

from tests.fakes.binance import FakeBinanceFutures
from tests.fakes.discord import FakeDiscord

ROOT = Path(__file__).parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "WEBHOOK_"))}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


async def test_a_bad_setting_stops_start_up_with_one_line(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot",
        cwd=tmp_path,
        env=_env(DISCORD_TOKEN="secret-token-value", DISCORD_GUILD_ID="1",
                 DISCORD_CHANNEL_ID="two", WEBHOOK_PASSPHRASE="12345678", APPROVER_USER_IDS="5"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("configuration error: DISCORD_CHANNEL_ID")
    assert "secret-token-value" not in err.decode() + out.decode()


def _product_env(
    discord: FakeDiscord, exchange: FakeBinanceFutures, **extra: str
) -> dict[str, str]:
    return _env(
        DISCORD_TOKEN=discord.token,
        DISCORD_GUILD_ID=str(discord.guild_id),
        DISCORD_CHANNEL_ID=str(discord.channel_id),
        DISCORD_API_BASE_URL=discord.api_base,
        APPROVER_USER_IDS="5",
        WEBHOOK_PASSPHRASE="12345678",
        WEBHOOK_HOST="127.0.0.1",
        TRADING_MODE="paper",
        EXCHANGE_OPTIONS=json.dumps(exchange.ccxt_config()),
        **extra,
    )


async def _wait_healthy(http: aiohttp.ClientSession, base: str, process: Any) -> None:
    for _ in range(600):
        if process.returncode is not None:
            raise AssertionError(f"the bot exited with {process.returncode}")
        try:
            async with http.get(f"{base}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.05)
    raise AssertionError("the webhook never answered")


async def test_it_serves_alerts_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    async with FakeDiscord() as discord, FakeBinanceFutures() as exchange:
        exchange.set_price("XRPUSDT", "1.0")
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot",
            cwd=tmp_path,
            env=_product_env(discord, exchange, WEBHOOK_PORT=str(port)),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            async with aiohttp.ClientSession() as http:
                await _wait_healthy(http, base, process)
                await discord.wait_ready(timeout=30)
                assert [c["name"] for c in discord.registered_commands]  # synced to the guild
                body = {"passphrase": "12345678", "ticker": "XRPUSDT", "action": "buy",
                        "message": "entry", "stop_loss": 0.98, "interval": "15"}  # fmt: skip
                async with http.post(f"{base}/webhook", json=body) as response:
                    assert response.status == 200
                    assert (await response.json())["status"] == "accepted"
                await discord.wait_for(
                    lambda: any(m.buttons for m in discord.messages(discord.channel_id)),
                    timeout=30,
                    message="the approval message",
                )
        finally:
            process.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    assert (tmp_path / "data" / "greenlight.db").exists()
    logs = err.decode() + out.decode()
    assert "12345678" not in logs and discord.token not in logs


async def test_a_refused_discord_token_is_one_line(tmp_path: Path) -> None:
    async with FakeDiscord(token="the-right-token") as discord, FakeBinanceFutures() as exchange:
        env = _product_env(discord, exchange, WEBHOOK_PORT=str(_free_port()))
        env["DISCORD_TOKEN"] = "a-wrong-token-value"
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot",
            cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1
    last = err.decode().strip().splitlines()[-1]
    assert last == "greenlight cannot run: DISCORD_TOKEN: Discord refused the token"
    assert "a-wrong-token-value" not in err.decode() + out.decode()
