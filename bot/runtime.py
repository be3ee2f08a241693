"""Wiring: the one place that builds every part and runs them together in one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from contextlib import AsyncExitStack
from datetime import UTC, datetime

from aiohttp import web

from bot.config import Settings
from trading.alert_parser import AlertRules
from trading.alerts import AcceptedAlert
from trading.store.alert_log import AlertLog
from trading.store.database import Database
from webhook.app import make_app
from webhook.config import WebhookConfig
from webhook.intake import AlertIntake

__all__ = ["run", "webhook_config"]

_log = logging.getLogger("greenlight")


def webhook_config(settings: Settings) -> WebhookConfig:
    """The webhook's part of the settings."""
    return WebhookConfig(
        passphrase=settings.webhook_passphrase.get_secret_value(),
        path=settings.webhook_path,
        allowed_ips=settings.webhook_allowed_ips,
        trusted_proxies=settings.webhook_trusted_proxies,
        rate_limit_per_min=settings.webhook_rate_limit,
        dedup_window_s=settings.dedup_window_s,
        alert_rules=AlertRules(default_stop_pct=settings.default_stop_pct),
    )


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


async def _process(queue: asyncio.Queue[AcceptedAlert], alert_log: AlertLog) -> None:
    while True:
        accepted = await queue.get()
        alert = accepted.alert
        _log.info(
            "alert %s: %s %s %s", accepted.alert_id, alert.kind.value, alert.ticker, alert.side
        )
        await alert_log.mark_processed(accepted.alert_id, "logged", datetime.now(UTC))


async def run(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Run until ``stop`` is set (by default on SIGINT or SIGTERM)."""
    if stop is None:
        stop = asyncio.Event()
        _stop_on_signals(stop)
    async with AsyncExitStack() as stack:
        database = await Database.open(settings.database_url)
        stack.push_async_callback(database.close)
        alert_log = AlertLog(database)
        await alert_log.start()
        stack.push_async_callback(alert_log.close)
        queue: asyncio.Queue[AcceptedAlert] = asyncio.Queue()
        intake = AlertIntake(webhook_config(settings), alert_log, queue)
        await intake.load()
        await intake.requeue_unprocessed()
        runner = web.AppRunner(make_app(intake, path=settings.webhook_path), access_log=None)
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
        await site.start()
        _log.info(
            "webhook listening on %s:%s%s",
            settings.webhook_host,
            settings.webhook_port,
            settings.webhook_path,
        )
        processor = asyncio.create_task(_process(queue, alert_log), name="alert-processor")
        await stop.wait()
        _log.info("shutting down")
        processor.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await processor
