"""Processing accepted alerts in arrival order: offer entries, act on the rest, tell Discord."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.embeds import notice_line
from bot.notifier import Notifier
from bot.services import Services
from bot.trade_charts import chart_spec, render_trade_chart
from trading.alert_handler import AlertOutcome, Outcome
from trading.alerts import AcceptedAlert

__all__ = ["AlertProcessor"]

_log = logging.getLogger(__name__)


class AlertProcessor:
    """Takes alerts off the intake's queue one at a time, so they are posted in order."""

    def __init__(self, services: Services, notifier: Notifier, *, retries: int = 5) -> None:
        self._services = services
        self._notifier = notifier
        self._retries = retries
        self.offered = asyncio.Event()  # set after each new offer (wakes the expiry timer)
        self._busy = asyncio.Lock()

    async def run(self, queue: asyncio.Queue[AcceptedAlert]) -> None:
        """Process alerts forever (cancel to stop; see :meth:`finish_current`)."""
        while True:
            accepted = await queue.get()
            async with self._busy:
                await self._process_with_retries(accepted)
            # an alert that kept failing stays unprocessed in the store: the next start retries it

    async def finish_current(self, timeout: float = 15.0) -> None:  # noqa: ASYNC109
        """Wait (up to ``timeout``) for the alert being processed, so a stop never cuts it."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout), self._busy:
                pass

    async def _process_with_retries(self, accepted: AcceptedAlert) -> None:
        delay = 1.0
        for attempt in range(1, self._retries + 1):
            try:
                await self.process(accepted)
                return
            except Exception:
                _log.exception(
                    "alert %s failed (attempt %d of %d)", accepted.alert_id, attempt, self._retries
                )
                await asyncio.sleep(delay)
                delay *= 2

    async def process(self, accepted: AcceptedAlert) -> AlertOutcome:
        """Handle one alert, tell Discord, and record what became of it."""
        services = self._services
        outcome = await services.handler.handle(accepted)
        alert = accepted.alert
        if outcome.outcome is Outcome.OFFERED and outcome.trade is not None:
            trade = outcome.trade
            if trade.message_id is None and outcome.reason:  # offered before a crash
                trade = await self._notifier.adopt_posted_offer(trade)
            if trade.message_id is None:  # not posted yet
                market = services.exchange.markets.get(trade.symbol)
                spec = chart_spec(
                    trade.plan,
                    market,
                    mode=services.mode,
                    alert_time=alert.time or accepted.received_at,
                )
                png, note = await render_trade_chart(services, spec)
                await self._notifier.post_offer(trade, png, note)
                self.offered.set()
        elif outcome.outcome is Outcome.REFUSED:
            side = alert.side.value if alert.side else None
            await self._notifier.post_notice(notice_line(alert.ticker, side, outcome.reason))
        elif outcome.outcome is Outcome.PAUSED:
            side = alert.side.value if alert.side else None
            await self._notifier.post_notice(
                notice_line(alert.ticker, side, outcome.reason, paused=True)
            )
        elif outcome.outcome is Outcome.ACTED and outcome.trade is not None:
            if "failed" in outcome.reason:
                await self._notifier.say(outcome.trade, f"⚠️ {outcome.reason}")
            else:
                await self._notifier.say(outcome.trade, f"📨 {outcome.reason} received.")
            services.monitor.wakeup.set()
        await services.alert_log.mark_processed(
            accepted.alert_id, outcome.summary, services.clock()
        )
        return outcome
