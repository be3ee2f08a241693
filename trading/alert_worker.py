"""Processing accepted alerts in arrival order, once each, surviving restarts.

The webhook stores an alert, answers, then hands it to :meth:`AlertWorker.submit`. The worker
handles one alert at a time (so offers are made in order) and records what became of it in
the alert log; an alert that keeps failing stays unprocessed, and the next start handles it.
Alerts queued but not handled when Greenlight stops are handled at the next start too.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from trading.alert_handler import AlertOutcome
from trading.alert_parser import AlertRules, parse_alert
from trading.alerts import AcceptedAlert
from trading.errors import AlertError
from trading.store.alert_log import AlertLog

__all__ = ["AlertWorker"]

_log = logging.getLogger(__name__)

Handle = Callable[[AcceptedAlert], Awaitable[AlertOutcome]]


class AlertWorker:
    """Takes alerts off a queue one at a time and records their outcome."""

    def __init__(
        self,
        handle: Handle,
        alert_log: AlertLog,
        *,
        clock: Callable[[], datetime],
        retries: int = 5,
        retry_delay_s: float = 1.0,
    ) -> None:
        self._handle = handle
        self._log = alert_log
        self._clock = clock
        self._retries = retries
        self._delay = retry_delay_s
        self._queue: asyncio.Queue[AcceptedAlert] = asyncio.Queue()

    def submit(self, accepted: AcceptedAlert) -> None:
        """Queue an alert that was stored and acknowledged."""
        self._queue.put_nowait(accepted)

    async def requeue_unprocessed(self, rules: AlertRules) -> int:
        """Queue again the alerts accepted before a restart but never processed; how many."""
        count = 0
        for stored in await self._log.unprocessed():
            try:
                alert = parse_alert(json.loads(stored.raw_body), rules)
            except (AlertError, ValueError) as exc:
                reason = exc.message if isinstance(exc, AlertError) else "unreadable body"
                await self._log.mark_processed(stored.id, f"failed: {reason}", self._clock())
                continue
            self.submit(AcceptedAlert(stored.id, alert, stored.received_at))
            count += 1
        if count:
            _log.info("re-queued %d alert(s) accepted before the restart", count)
        return count

    async def run(self, stop: asyncio.Event) -> None:
        """Process alerts until ``stop`` is set; the alert in hand is always finished."""
        while not stop.is_set():
            getter = asyncio.ensure_future(self._queue.get())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait({getter, stopper}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            if not getter.done():
                getter.cancel()
                return
            await self._with_retries(getter.result())

    async def process(self, accepted: AcceptedAlert) -> AlertOutcome:
        """Handle one alert and record what became of it."""
        outcome = await self._handle(accepted)
        await self._log.mark_processed(accepted.alert_id, outcome.summary, self._clock())
        return outcome

    async def _with_retries(self, accepted: AcceptedAlert) -> None:
        delay = self._delay
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
