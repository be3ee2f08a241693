"""Everything the Discord side talks to, built once by the runtime and handed to the bot."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.access import Access
from charts.candle_cache import CandleCache
from charts.pool import ChartRenderer
from trading.alert_handler import AlertHandler
from trading.approvals import ApprovalDesk
from trading.exchange.base import Exchange
from trading.executor import Executor
from trading.monitor import Monitor
from trading.pause import PauseSwitch
from trading.store.alert_log import AlertLog
from trading.store.trades import TradeStore

__all__ = ["Services"]

_log = logging.getLogger(__name__)


@dataclass
class Services:
    """The domain services and adapters, plus a place for background tasks."""

    store: TradeStore
    alert_log: AlertLog
    exchange: Exchange
    executor: Executor
    desk: ApprovalDesk
    handler: AlertHandler
    pause: PauseSwitch
    monitor: Monitor
    charts: ChartRenderer
    candles: CandleCache
    access: Access
    channel_id: int
    guild_id: int
    clock: Callable[[], datetime]
    started: float = field(default_factory=time.monotonic)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    @property
    def mode(self) -> str:
        """``paper`` or ``live``."""
        return "paper" if self.exchange.is_paper else "live"

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run ``coro`` in the background, keeping a reference and logging its failure."""
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            _log.error("%s failed", task.get_name(), exc_info=task.exception())

    async def drain(self) -> None:
        """Wait for the background tasks (at shutdown)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
