"""Telling Discord: approval messages, notices, and each trade event in the trade's thread.

Trade events are read from the store (they were written before anything was acted on) and
marked delivered only once Discord has them: after a restart or a Discord outage, the
undelivered ones are posted, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from typing import TYPE_CHECKING

import discord

from bot.embeds import CHART_FILE, approval_embed, event_line
from bot.services import Services
from bot.views import approval_view
from trading.events import EventKind
from trading.markets import Market
from trading.states import TradeStatus
from trading.store.trades import StoredEvent
from trading.trade import Trade

if TYPE_CHECKING:
    from discord.abc import Messageable

__all__ = ["APPROVE_EMOJI", "REJECT_EMOJI", "Notifier"]

_log = logging.getLogger(__name__)
APPROVE_EMOJI = "✅"
REJECT_EMOJI = "❌"
_NO_MENTIONS = discord.AllowedMentions.none()
#: events that change what the approval message itself shows
_OUTCOMES = {
    EventKind.APPROVED,
    EventKind.REJECTED,
    EventKind.EXPIRED,
    EventKind.CANCELLED,
    EventKind.FAILED,
    EventKind.CLOSED,
}
#: decisions shown on the message only (no thread for a trade that never started)
_MESSAGE_ONLY = {EventKind.REJECTED, EventKind.EXPIRED}


class Notifier:
    """Posts to the alerts channel and to trade threads for one bot."""

    def __init__(self, client: discord.Client, services: Services) -> None:
        self._client = client
        self._services = services
        self._lock = asyncio.Lock()
        self._charts: dict[str, bool] = {}  # approval message id -> has a chart attached

    async def channel(self) -> Messageable:
        """The alerts channel."""
        channel_id = self._services.channel_id
        channel = self._client.get_channel(channel_id)
        if channel is None:
            channel = await self._client.fetch_channel(channel_id)
        assert isinstance(channel, discord.TextChannel | discord.Thread)
        return channel

    def _market(self, trade: Trade) -> Market | None:
        return self._services.exchange.markets.get(trade.symbol)

    # --- the alerts channel ----------------------------------------------------------

    async def post_offer(self, trade: Trade, png: bytes | None, chart_note: str | None) -> Trade:
        """The approval message with its chart, buttons and reactions; its id is stored."""
        channel = await self.channel()
        embed = approval_embed(
            trade, self._market(trade), mode=self._services.mode, chart_note=chart_note
        )
        files = [discord.File(io.BytesIO(png), filename=CHART_FILE)] if png else []
        message = await channel.send(
            embed=embed, files=files, view=approval_view(trade.id), allowed_mentions=_NO_MENTIONS
        )
        self._charts[str(message.id)] = png is not None
        async with self._services.store.begin() as tx:
            trade = await tx.update_trade(
                trade.id,
                now=self._services.clock(),
                channel_id=str(message.channel.id),
                message_id=str(message.id),
            )
        # reactions have their own rate limit: add them aside, so the next alert is not held up
        self._services.spawn(self._add_reactions(message), name=f"reactions-{trade.id}")
        return trade

    @staticmethod
    async def _add_reactions(message: discord.Message) -> None:
        for emoji in (APPROVE_EMOJI, REJECT_EMOJI):
            with contextlib.suppress(discord.HTTPException):
                await message.add_reaction(emoji)

    async def adopt_posted_offer(self, trade: Trade, *, look_back: int = 50) -> Trade:
        """Find an approval message posted before a crash (its id never stored) and keep it."""
        channel = await self.channel()
        footer = f"trade {trade.id}"
        async for message in channel.history(limit=look_back):  # type: ignore[attr-defined]
            if self._client.user is None or message.author.id != self._client.user.id:
                continue
            if any(embed.footer.text == footer for embed in message.embeds):
                async with self._services.store.begin() as tx:
                    return await tx.update_trade(
                        trade.id,
                        now=self._services.clock(),
                        channel_id=str(message.channel.id),
                        message_id=str(message.id),
                    )
        return trade

    async def post_notice(self, text: str) -> None:
        """A one-line notice (an alert not offered, a warning)."""
        channel = await self.channel()
        await channel.send(text[:2000], allowed_mentions=_NO_MENTIONS)

    async def refresh_offer(self, trade: Trade) -> None:
        """Re-draw the approval message from the trade's current state."""
        if trade.message_id is None:
            return
        channel = await self.channel()
        message = channel.get_partial_message(int(trade.message_id))  # type: ignore[attr-defined]
        has_chart = self._charts.get(trade.message_id)
        if has_chart is None:  # not posted by this process: look at the message once
            has_chart = bool((await message.fetch()).attachments)
            self._charts[trade.message_id] = has_chart
        embed = approval_embed(
            trade,
            self._market(trade),
            mode=self._services.mode,
            chart_note=None if has_chart else "no chart",
        )
        pending = trade.status is TradeStatus.PENDING
        await message.edit(embed=embed, view=approval_view(trade.id, disabled=not pending))

    # --- threads ------------------------------------------------------------------------

    async def thread(self, trade: Trade) -> discord.Thread | None:
        """The trade's thread, created on its approval message the first time."""
        if trade.thread_id is not None:
            existing = self._client.get_channel(int(trade.thread_id))
            if isinstance(existing, discord.Thread):
                return existing
            with contextlib.suppress(discord.NotFound):
                fetched = await self._client.fetch_channel(int(trade.thread_id))
                if isinstance(fetched, discord.Thread):
                    return fetched
        if trade.message_id is None:
            return None
        channel = await self.channel()
        message = channel.get_partial_message(int(trade.message_id))  # type: ignore[attr-defined]
        name = f"{trade.side.label} {trade.symbol} · {trade.id[-6:]}"
        thread = await message.create_thread(name=name[:100], auto_archive_duration=10080)
        async with self._services.store.begin() as tx:
            await tx.update_trade(trade.id, now=self._services.clock(), thread_id=str(thread.id))
        return thread

    async def say(self, trade: Trade, text: str) -> None:
        """Post ``text`` in the trade's thread (or the channel if it has no message)."""
        thread = await self.thread(trade)
        target: Messageable = thread if thread is not None else await self.channel()
        await target.send(text[:2000], allowed_mentions=_NO_MENTIONS)

    # --- the event feed -----------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver stored events as they come, until ``stop``; retry while Discord fails."""
        events_added = self._services.store.events_added
        delay = 1.0
        while not stop.is_set():
            events_added.clear()
            try:
                await self.deliver_pending()
                delay = 1.0
            except discord.HTTPException as exc:
                _log.warning(
                    "Discord refused an event post (%s %s); retrying", exc.status, exc.text
                )
                delay = min(delay * 2, 60.0)
            except Exception:
                _log.exception("delivering trade events failed; retrying")
                delay = min(delay * 2, 60.0)
            waiters = {
                asyncio.ensure_future(events_added.wait()),
                asyncio.ensure_future(stop.wait()),
            }
            _, pending = await asyncio.wait(
                waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED
            )
            for waiter in pending:
                waiter.cancel()

    async def deliver_pending(self) -> int:
        """Post every undelivered event, oldest first; how many were posted."""
        async with self._lock:
            async with self._services.store.read() as tx:
                events = await tx.undelivered()
            for event in events:
                await self._deliver(event)
                async with self._services.store.begin() as tx:
                    await tx.mark_delivered(event.id, now=self._services.clock())
            return len(events)

    async def _deliver(self, event: StoredEvent) -> None:
        if event.trade_id is None:
            if event.data.get("message"):
                await self.post_notice(str(event.data["message"]))
            return
        async with self._services.store.read() as tx:
            trade = await tx.get(event.trade_id)
        if trade is None:
            return
        if event.kind in _OUTCOMES:
            await self.refresh_offer(trade)
        if event.kind in _MESSAGE_ONLY:
            return
        line = event_line(event, trade, self._market(trade))
        if line:
            await self.say(trade, line)
        if event.kind is EventKind.UNPROTECTED:  # loud: the channel too, not only the thread
            await self.post_notice(
                f"🚨 {trade.side.label} {trade.symbol}: {event.data.get('message')}"
            )
