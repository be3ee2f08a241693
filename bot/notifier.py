"""Telling Discord: approval messages, notices, and each event in the offer's thread.

Events are read from the desk's feed (they were stored before anything was acted on) and
marked delivered only once Discord has them: after a restart or a Discord outage, the
undelivered ones are posted, in order. An :class:`~trading.events.OfferMade` becomes the
approval message with its chart, buttons and reactions.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from typing import TYPE_CHECKING

import discord

from bot.embeds import CHART_FILE, approval_embed
from bot.event_lines import event_line, notice_of
from bot.views import approval_view
from trading.desk import TradingDesk
from trading.events import (
    CloseFailed,
    OfferApproved,
    OfferExpired,
    OfferMade,
    OfferRejected,
    ProtectionFailed,
    StoredEvent,
    TradeCancelled,
    TradeClosed,
    TradeFailed,
)
from trading.offer import Offer
from trading.views import OfferView

if TYPE_CHECKING:
    from discord.abc import Messageable

__all__ = ["APPROVE_EMOJI", "REJECT_EMOJI", "Notifier"]

_log = logging.getLogger(__name__)
APPROVE_EMOJI = "✅"
REJECT_EMOJI = "❌"
_NO_MENTIONS = discord.AllowedMentions.none()
#: events that change what the approval message itself shows
_OUTCOMES = (OfferApproved, OfferRejected, OfferExpired, TradeCancelled, TradeFailed, TradeClosed)
#: decisions shown on the message only (no thread for a trade that never started)
_MESSAGE_ONLY = (OfferRejected, OfferExpired)


class Notifier:
    """Posts to the alerts channel and to offer threads for one bot."""

    def __init__(self, client: discord.Client, desk: TradingDesk, channel_id: int) -> None:
        self._client = client
        self._desk = desk
        self._channel_id = channel_id
        self._lock = asyncio.Lock()
        self._charts: dict[str, bool] = {}  # approval message id -> has a chart attached
        self._recovering = True  # the first batch may hold offers posted before a crash

    async def channel(self) -> Messageable:
        """The alerts channel."""
        channel = self._client.get_channel(self._channel_id)
        if channel is None:
            channel = await self._client.fetch_channel(self._channel_id)
        assert isinstance(channel, discord.TextChannel | discord.Thread)
        return channel

    # --- the alerts channel ----------------------------------------------------------

    async def post_offer(self, offer_id: str) -> None:
        """The approval message with its chart, buttons and reactions (once)."""
        view = await self._desk.book.offer(offer_id)
        if view is None or view.offer.message_id is not None:
            return  # posted before a crash, its id stored
        if self._recovering and await self._adopt(view.offer):
            return
        chart = await self._desk.offer_chart(offer_id)
        png = chart.png if chart else None
        note = None if png else (chart.note if chart else "No chart")
        market = self._desk.exchange.markets.get(view.offer.symbol)
        embed = approval_embed(view, market, mode=self._desk.mode, chart_note=note)
        files = [discord.File(io.BytesIO(png), filename=CHART_FILE)] if png else []
        pending = view.decidable
        channel = await self.channel()
        message = await channel.send(
            embed=embed,
            files=files,
            view=approval_view(offer_id, disabled=not pending),
            allowed_mentions=_NO_MENTIONS,
        )
        self._charts[str(message.id)] = png is not None
        await self._desk.feed.link_message(offer_id, str(message.channel.id), str(message.id))
        if pending:  # reactions have their own rate limit: aside, so the next alert is not held
            self._desk.spawn(self._add_reactions(message), f"reactions-{offer_id}")

    @staticmethod
    async def _add_reactions(message: discord.Message) -> None:
        for emoji in (APPROVE_EMOJI, REJECT_EMOJI):
            with contextlib.suppress(discord.HTTPException):
                await message.add_reaction(emoji)

    async def _adopt(self, offer: Offer, *, look_back: int = 50) -> bool:
        """Find an approval message posted before a crash (its id never stored) and keep it."""
        channel = await self.channel()
        footers = {f"offer {offer.id}", f"trade {offer.id}"}
        async for message in channel.history(limit=look_back):  # type: ignore[attr-defined]
            if self._client.user is None or message.author.id != self._client.user.id:
                continue
            if any(embed.footer.text in footers for embed in message.embeds):
                channel_id = str(message.channel.id)
                await self._desk.feed.link_message(offer.id, channel_id, str(message.id))
                return True
        return False

    async def post_notice(self, text: str) -> None:
        """A one-line notice (an alert not offered, a pause, a warning)."""
        channel = await self.channel()
        await channel.send(text[:2000], allowed_mentions=_NO_MENTIONS)

    async def refresh_offer(self, view: OfferView) -> None:
        """Re-draw the approval message from the offer's current state."""
        offer = view.offer
        if offer.message_id is None:
            return
        channel = await self.channel()
        message = channel.get_partial_message(int(offer.message_id))  # type: ignore[attr-defined]
        has_chart = self._charts.get(offer.message_id)
        if has_chart is None:  # not posted by this process: look at the message once
            has_chart = bool((await message.fetch()).attachments)
            self._charts[offer.message_id] = has_chart
        market = self._desk.exchange.markets.get(offer.symbol)
        note = None if has_chart else "no chart"
        embed = approval_embed(view, market, mode=self._desk.mode, chart_note=note)
        await message.edit(embed=embed, view=approval_view(offer.id, disabled=not view.decidable))

    # --- threads ------------------------------------------------------------------------

    async def thread(self, offer: Offer) -> discord.Thread | None:
        """The offer's thread, created on its approval message the first time."""
        if offer.thread_id is not None:
            existing = self._client.get_channel(int(offer.thread_id))
            if isinstance(existing, discord.Thread):
                return existing
            with contextlib.suppress(discord.NotFound):
                fetched = await self._client.fetch_channel(int(offer.thread_id))
                if isinstance(fetched, discord.Thread):
                    return fetched
        if offer.message_id is None:
            return None
        channel = await self.channel()
        message = channel.get_partial_message(int(offer.message_id))  # type: ignore[attr-defined]
        name = f"{offer.side.label} {offer.symbol} · {offer.id[-6:]}"
        thread = await message.create_thread(name=name[:100], auto_archive_duration=10080)
        await self._desk.feed.link_thread(offer.id, str(thread.id))
        return thread

    async def say(self, offer: Offer | None, text: str) -> None:
        """Post ``text`` in the offer's thread (or the channel if it has no message)."""
        thread = await self.thread(offer) if offer is not None else None
        target: Messageable = thread if thread is not None else await self.channel()
        await target.send(text[:2000], allowed_mentions=_NO_MENTIONS)

    # --- the event feed -----------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver stored events as they come, until ``stop``; retry while Discord fails."""
        added = self._desk.feed.added
        delay = 1.0
        while not stop.is_set():
            added.clear()
            try:
                await self.deliver_pending()
                delay = 1.0
            except discord.HTTPException as exc:
                _log.warning("Discord refused a post (%s %s); retrying", exc.status, exc.text)
                delay = min(delay * 2, 60.0)
            except Exception:
                _log.exception("delivering events failed; retrying")
                delay = min(delay * 2, 60.0)
            waiters = {asyncio.ensure_future(added.wait()), asyncio.ensure_future(stop.wait())}
            _, pending = await asyncio.wait(
                waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED
            )
            for waiter in pending:
                waiter.cancel()

    async def deliver_pending(self) -> int:
        """Post every undelivered event, oldest first; how many were posted."""
        async with self._lock:
            events = await self._desk.feed.undelivered()
            for stored in events:
                await self._deliver(stored)
                await self._desk.feed.mark_delivered(stored.id)
            self._recovering = False
            return len(events)

    async def _deliver(self, stored: StoredEvent) -> None:
        event = stored.event
        if isinstance(event, OfferMade):
            if stored.offer_id is not None:
                await self.post_offer(stored.offer_id)
            return
        notice = notice_of(event)
        if notice is not None:
            await self.post_notice(notice)
            return
        offer, trade = await self._desk.feed.context(stored)
        if offer is not None and isinstance(event, _OUTCOMES):
            view = await self._desk.book.offer(offer.id)
            if view is not None:
                await self.refresh_offer(view)
        if isinstance(event, _MESSAGE_ONLY):
            return
        market = self._desk.exchange.markets.get(trade.symbol) if trade else None
        line = event_line(event, trade, market)
        if line:
            await self.say(offer, line)
        if isinstance(event, ProtectionFailed | CloseFailed) and trade is not None:  # loud
            await self.post_notice(f"🚨 {trade.side.label} {trade.symbol}: {event.message}")
