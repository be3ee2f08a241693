"""``python -m bot`` as a user runs it: a bad setting, then a real start and a clean stop."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

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


async def test_it_serves_alerts_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot",
        cwd=tmp_path,
        env=_env(DISCORD_TOKEN="secret-token-value", DISCORD_GUILD_ID="1",
                 DISCORD_CHANNEL_ID="2", WEBHOOK_PASSPHRASE="12345678", APPROVER_USER_IDS="5",
                 WEBHOOK_HOST="127.0.0.1", WEBHOOK_PORT=str(port)),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                try:
                    async with http.get(f"{base}/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            body = {"passphrase": "12345678", "ticker": "XRPUSDT", "message": "exit"}
            async with http.post(f"{base}/webhook", json=body) as response:
                assert response.status == 200
                assert (await response.json())["status"] == "accepted"
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    assert (tmp_path / "data" / "greenlight.db").exists()
    assert "12345678" not in err.decode() + out.decode()
