"""Running Greenlight: every part in one event loop, started in order, stopped cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from typing import Any

import discord
from aiohttp import web

from bot.client import GreenlightBot
from bot.config import Settings
from bot.trade_charts import TradeChartist
from bot.wiring import access_of, desk_config, webhook_config
from charts.pool import ChartRenderer
from trading.desk import TradingDesk
from trading.errors import GreenlightError
from trading.store.database import Database
from webhook.app import make_app
from webhook.intake import AlertIntake

__all__ = ["StartupError", "run"]

_log = logging.getLogger("greenlight")


class StartupError(Exception):
    """Greenlight cannot start; ``str()`` is one line for the operator."""


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


async def _open_desk(settings: Settings, stack: AsyncExitStack) -> TradingDesk:
    """The database, the chart workers and the desk with its markets loaded."""
    database = await Database.open(settings.database_url)
    stack.push_async_callback(database.close)
    charts = ChartRenderer()
    await charts.start()
    stack.push_async_callback(charts.close)
    desk: TradingDesk | None = None

    async def candles(symbol: str, timeframe: str, limit: int) -> list[list[float]]:
        assert desk is not None
        return await desk.exchange.fetch_ohlcv(symbol, timeframe, limit)

    desk = TradingDesk.build(
        desk_config(settings), database, chartist=TradeChartist(charts, candles)
    )
    stack.push_async_callback(desk.close)
    try:
        await desk.open()
    except GreenlightError as exc:
        raise StartupError(f"cannot load {settings.exchange_id}'s markets: {exc}") from exc
    return desk


async def run(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Run until ``stop`` is set (by default on SIGINT or SIGTERM).

    Order: store, chart workers, the desk (markets loaded), Discord login (commands synced),
    reconciliation with the exchange and alerts left over from before, then the webhook.
    """
    if stop is None:
        stop = asyncio.Event()
        _stop_on_signals(stop)
    async with AsyncExitStack() as stack:
        desk = await _open_desk(settings, stack)
        bot = GreenlightBot(
            desk,
            access_of(settings),
            channel_id=settings.discord_channel_id,
            guild_id=settings.discord_guild_id,
            api_base=settings.discord_api_base_url or None,
        )
        stack.push_async_callback(bot.close)
        try:
            await bot.login(settings.discord_token.get_secret_value())
        except discord.LoginFailure as exc:
            raise StartupError("DISCORD_TOKEN: Discord refused the token") from exc

        intake = AlertIntake(
            webhook_config(settings), desk.alert_log, desk.submit, has_target=desk.has_target
        )
        await intake.load()
        await desk.start()

        runner = web.AppRunner(make_app(intake, path=settings.webhook_path), access_log=None)
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
        _log.info(
            "%s mode on %s; webhook on %s:%s%s",
            desk.mode,
            desk.exchange.name,
            settings.webhook_host,
            settings.webhook_port,
            settings.webhook_path,
        )
        await _serve(desk, bot, runner, stop)


async def _serve(
    desk: TradingDesk, bot: GreenlightBot, runner: web.AppRunner, stop: asyncio.Event
) -> None:
    """Run the desk, the Discord client and its notifier until ``stop`` or a failure."""
    trading = _task(desk.run(stop), "desk")
    tasks = [_task(bot.connect(), "discord"), _task(bot.notifier.run(stop), "notifier")]
    stopping = _task(stop.wait(), "stop")
    done, _ = await asyncio.wait([stopping, trading, *tasks], return_when=asyncio.FIRST_COMPLETED)
    failed = [t for t in done if t is not stopping and not t.cancelled() and t.exception()]
    stop.set()
    _log.info("shutting down")
    await runner.cleanup()  # no new alerts
    # the alert in hand is offered and recorded, then the desk's loops stop
    await asyncio.gather(trading, return_exceptions=True)
    for task in tasks:
        if not task.done():
            task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    if failed:
        error = failed[0].exception()
        if isinstance(error, discord.LoginFailure):
            raise StartupError("DISCORD_TOKEN: Discord refused the token") from error
        raise StartupError(f"{failed[0].get_name()} stopped: {error}") from error


def _task(coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
    return asyncio.create_task(coro, name=name)
