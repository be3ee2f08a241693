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

from bot.alert_flow import AlertProcessor
from bot.client import GreenlightBot
from bot.config import Settings
from bot.expiry import ExpiryWatch
from bot.wiring import build_services, open_exchange, webhook_config
from charts.pool import ChartRenderer
from trading.alerts import AcceptedAlert
from trading.errors import GreenlightError
from trading.store.alert_log import AlertLog
from trading.store.database import Database
from trading.store.trades import TradeStore
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


async def run(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Run until ``stop`` is set (by default on SIGINT or SIGTERM).

    Order: store, exchange, chart workers, Discord login (commands synced), reconciliation
    with the exchange, alerts left over from before, then the webhook opens.
    """
    if stop is None:
        stop = asyncio.Event()
        _stop_on_signals(stop)
    async with AsyncExitStack() as stack:
        database = await Database.open(settings.database_url)
        stack.push_async_callback(database.close)
        store = TradeStore(database)
        alert_log = AlertLog(database)
        await alert_log.start()
        stack.push_async_callback(alert_log.close)

        exchange = open_exchange(settings, store)
        stack.push_async_callback(exchange.close)
        try:
            await exchange.load_markets()
        except GreenlightError as exc:
            raise StartupError(f"cannot load {settings.exchange_id}'s markets: {exc}") from exc

        charts = ChartRenderer()
        await charts.start()
        stack.push_async_callback(charts.close)

        services = build_services(
            settings, store=store, alert_log=alert_log, exchange=exchange, charts=charts
        )
        stack.push_async_callback(services.drain)
        bot = GreenlightBot(services, api_base=settings.discord_api_base_url or None)
        stack.push_async_callback(bot.close)
        try:
            await bot.login(settings.discord_token.get_secret_value())
        except discord.LoginFailure as exc:
            raise StartupError("DISCORD_TOKEN: Discord refused the token") from exc

        queue: asyncio.Queue[AcceptedAlert] = asyncio.Queue()
        intake = AlertIntake(
            webhook_config(settings), alert_log, queue, has_target=services.handler.has_target
        )
        await intake.load()
        await services.monitor.reconcile()
        await intake.requeue_unprocessed()

        runner = web.AppRunner(make_app(intake, path=settings.webhook_path), access_log=None)
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
        _log.info(
            "%s mode on %s; webhook on %s:%s%s",
            services.mode,
            exchange.name,
            settings.webhook_host,
            settings.webhook_port,
            settings.webhook_path,
        )

        processor = AlertProcessor(services, bot.notifier)
        tasks = [
            _task(bot.connect(), "discord"),
            _task(processor.run(queue), "alerts"),
            _task(services.monitor.run(stop), "monitor"),
            _task(bot.notifier.run(stop), "notifier"),
            _task(ExpiryWatch(services, processor.offered).run(stop), "expiry"),
        ]
        stopping = _task(stop.wait(), "stop")
        done, _ = await asyncio.wait([stopping, *tasks], return_when=asyncio.FIRST_COMPLETED)
        failed = [t for t in done if t is not stopping and not t.cancelled() and t.exception()]
        stop.set()
        _log.info("shutting down")
        await runner.cleanup()  # no new alerts
        await processor.finish_current()  # the alert in hand is posted and recorded
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
