"""Deciding offers: approve, reject, expire or withdraw, once, and whether the price allows it.

Decisions are compare-and-set moves of the offer in the store, with its trades moved in the
same transaction: however many clicks and reactions arrive at the same moment, one decision
wins and the others are refused with :attr:`Refusal.ALREADY_DECIDED`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from trading.alerts import OrderType
from trading.errors import ExchangeError
from trading.events import OfferApproved, OfferExpired, OfferRejected, TradeCancelled, TradeFailed
from trading.exchange.base import Exchange
from trading.offer import Actor, Offer
from trading.pause import PauseSwitch
from trading.plan import TradePlan
from trading.precision import format_decimal
from trading.states import OfferStatus, TradeStatus
from trading.store.trades import TradeStore, TradeTx
from trading.trade import Trade

__all__ = ["ApprovalRules", "Decision", "OfferDecisions", "Refusal", "drift_refusal"]

_HUNDRED = Decimal(100)


class Refusal(StrEnum):
    """Why a decision or command did not go through: one word per reason, for every interface."""

    NOT_FOUND = "not_found"
    ALREADY_DECIDED = "already_decided"
    PAUSED = "paused"
    EXPIRED = "expired"
    PRICE_MOVED = "price_moved"
    PRICE_UNKNOWN = "price_unknown"
    NOT_OPEN = "not_open"
    ALREADY_AT_BREAKEVEN = "already_at_breakeven"
    EXCHANGE = "exchange"


@dataclass(frozen=True, slots=True)
class ApprovalRules:
    """How far the price may move, and what expiry does."""

    max_price_drift_pct: Decimal = Decimal(1)
    expiry_approves: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one click: ``ok`` when this click decided.

    ``message`` is a sentence for whoever clicked; ``refusal`` says why in one word.
    """

    ok: bool
    offer: Offer | None
    message: str
    refusal: Refusal | None = None
    trades: tuple[Trade, ...] = ()

    @property
    def still_pending(self) -> bool:
        """The offer still waits for a decision (this one was refused, e.g. for the price)."""
        return self.offer is not None and not self.offer.status.is_decided

    @property
    def approved(self) -> tuple[Trade, ...]:
        """The trades this decision approved (to be entered)."""
        return tuple(t for t in self.trades if t.status is TradeStatus.APPROVED)


def drift_refusal(plan: TradePlan, price: Decimal, max_drift_pct: Decimal) -> str | None:
    """Why ``price`` forbids entering ``plan`` now, or ``None`` when it is fine."""
    stop = plan.stop_price
    if (plan.side.is_long and price <= stop) or (not plan.side.is_long and price >= stop):
        return f"the price {format_decimal(price)} is already past the stop {format_decimal(stop)}"
    if plan.order_type is OrderType.LIMIT:
        return None  # a limit entry waits for its price; only the stop matters
    drift = abs(price - plan.entry_price) / plan.entry_price * _HUNDRED
    if drift > max_drift_pct:
        return (
            f"the price moved {drift:.2f} % since the alert ({format_decimal(plan.entry_price)}"
            f" → {format_decimal(price)}); the limit is {format_decimal(max_drift_pct)} %"
        )
    return None


def already(offer: Offer) -> str:
    """The sentence for a click on an offer someone already decided."""
    who = f" by {offer.decided_by_name}" if offer.decided_by_name else ""
    return f"this alert is already {offer.status.value}{who}"


class OfferDecisions:
    """Approve, reject, expire and withdraw offers and the trades they hold."""

    def __init__(
        self,
        store: TradeStore,
        exchanges: Mapping[str, Exchange],
        pause: PauseSwitch,
        rules: ApprovalRules,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._exchanges = exchanges  # by account
        self._pause = pause
        self._rules = rules
        self._clock = clock

    async def _load(self, offer_id: str) -> tuple[Offer | None, list[Trade]]:
        async with self._store.read() as tx:
            offer = await tx.offer(offer_id)
            trades = await tx.trades_of(offer_id) if offer is not None else []
        return offer, trades

    async def _undecided(self, offer_id: str) -> tuple[Offer | None, list[Trade], Decision | None]:
        """The offer and its trades, or the refusal when it is unknown or already decided."""
        offer, trades = await self._load(offer_id)
        if offer is None:
            return None, [], Decision(False, None, "there is no such alert", Refusal.NOT_FOUND)
        if offer.status.is_decided:
            refusal = Decision(False, offer, already(offer), Refusal.ALREADY_DECIDED, tuple(trades))
            return offer, trades, refusal
        return offer, trades, None

    async def approve(self, offer_id: str, actor: Actor) -> Decision:
        """Approve if still pending, not paused, not expired and the price allows it."""
        offer, trades, refused = await self._undecided(offer_id)
        if refused is not None:
            return refused
        assert offer is not None
        if await self._pause.is_paused():
            return Decision(False, offer, "trading is paused: /resume first", Refusal.PAUSED)
        if offer.expires_at is not None and self._clock() >= offer.expires_at:
            expired = await self.expire(offer_id)
            return Decision(False, expired.offer, "this alert has expired", Refusal.EXPIRED)
        checked = await self._price_checks(trades)
        good = {t.id: p for t, (p, why) in checked.items() if why is None}
        if not good:
            refusal, why = self._worst(checked)
            return Decision(False, offer, why, refusal, tuple(trades))
        refused = {t.id: why for t, (_, why) in checked.items() if why is not None}
        single_price = next(iter(good.values())) if len(trades) == 1 else None
        event = OfferApproved(actor.name, actor.id, actor.via.value, single_price)
        return await self._decide(offer, OfferStatus.APPROVED, event, actor, refused)

    async def _price_checks(
        self, trades: list[Trade]
    ) -> dict[Trade, tuple[Decimal | None, str | None]]:
        """Each trade's current price and why it may not be entered (``None``: it may)."""
        checks: dict[Trade, tuple[Decimal | None, str | None]] = {}
        for trade in trades:
            try:
                price = await self._exchanges[trade.account].fetch_price(trade.symbol)
            except ExchangeError as exc:
                checks[trade] = (None, f"could not check the price: {exc}")
                continue
            refusal = drift_refusal(trade.plan, price, self._rules.max_price_drift_pct)
            checks[trade] = (price, None if refusal is None else f"not approved: {refusal}")
        return checks

    @staticmethod
    def _worst(checks: dict[Trade, tuple[Decimal | None, str | None]]) -> tuple[Refusal, str]:
        price, why = next(iter(checks.values()))
        assert why is not None
        return (Refusal.PRICE_UNKNOWN if price is None else Refusal.PRICE_MOVED), why

    async def reject(self, offer_id: str, actor: Actor) -> Decision:
        """Reject if still pending."""
        offer, _, refused = await self._undecided(offer_id)
        if refused is not None:
            return refused
        assert offer is not None
        event = OfferRejected(actor.name, actor.id, actor.via.value)
        return await self._decide(offer, OfferStatus.REJECTED, event, actor)

    async def expire(self, offer_id: str) -> Decision:
        """Nobody decided in time: reject (the default) or approve, as configured."""
        offer, trades, refused = await self._undecided(offer_id)
        if refused is not None:
            return refused
        assert offer is not None
        actor = Actor.greenlight("expiry")
        if self._rules.expiry_approves and not await self._pause.is_paused():
            checked = await self._price_checks(trades)
            if all(why is None for _, why in checked.values()):
                price = next(iter(checked.values()))[0] if len(trades) == 1 else None
                event = OfferApproved(actor.name, actor.id, actor.via.value, price)
                return await self._decide(offer, OfferStatus.APPROVED, event, actor)
        return await self._decide(offer, OfferStatus.EXPIRED, OfferExpired(), actor)

    async def withdraw(self, offer_id: str, reason: str) -> Decision:
        """A cancel or exit alert withdrew the offer before anyone decided."""
        offer, trades = await self._load(offer_id)
        if offer is None or offer.status.is_decided:
            return Decision(False, offer, "nothing to withdraw", Refusal.ALREADY_DECIDED)
        now = self._clock()
        async with self._store.begin() as tx:
            moved = await tx.move_offer(offer.id, OfferStatus.CANCELLED, now=now, note=reason)
            if moved is None:
                return Decision(False, offer, "nothing to withdraw", Refusal.ALREADY_DECIDED)
            done = await self._move_trades(tx, trades, TradeStatus.CANCELLED, now, reason=reason)
        return Decision(True, moved, f"withdrawn: {reason}", None, done)

    async def pending(self) -> list[Offer]:
        """Offers waiting for a decision, oldest first (with their expiry times)."""
        async with self._store.read() as tx:
            return await tx.offers_with_status([OfferStatus.PENDING])

    async def _decide(
        self,
        offer: Offer,
        status: OfferStatus,
        event: OfferApproved | OfferRejected | OfferExpired,
        actor: Actor,
        refused: Mapping[str, str] | None = None,
    ) -> Decision:
        now = self._clock()
        trade_status = {
            OfferStatus.APPROVED: TradeStatus.APPROVED,
            OfferStatus.REJECTED: TradeStatus.REJECTED,
            OfferStatus.EXPIRED: TradeStatus.EXPIRED,
        }[status]
        async with self._store.begin() as tx:
            moved = await tx.move_offer(
                offer.id,
                status,
                now=now,
                decided_by=actor.id[:64],
                decided_by_name=actor.name[:100],
                decided_via=actor.via.value,
                decided_at=now,
            )
            if moved is not None:
                await tx.add_event(event, now=now, offer_id=offer.id)
                trades = await tx.trades_of(offer.id)
                done = await self._move_trades(tx, trades, trade_status, now, refused=refused)
        if moved is None:
            current, trades = await self._load(offer.id)
            assert current is not None
            return Decision(False, current, already(current), Refusal.ALREADY_DECIDED)
        return Decision(True, moved, f"{status.value} by {actor.name}", None, done)

    async def _move_trades(
        self,
        tx: TradeTx,
        trades: list[Trade],
        status: TradeStatus,
        now: datetime,
        *,
        reason: str | None = None,
        refused: Mapping[str, str] | None = None,
    ) -> tuple[Trade, ...]:
        """Move the offer's pending trades along with it (a refused account's trade fails)."""
        done: list[Trade] = []
        final = None if status is TradeStatus.APPROVED else now
        for trade in trades:
            why = (refused or {}).get(trade.id)
            target = TradeStatus.APPROVED if why else status
            moved = await tx.move(
                trade.id, target, now=now, expect=[TradeStatus.PENDING], closed_at=final,
                note=reason,
            )  # fmt: skip
            if moved is None:
                continue
            if why is not None:  # approved with the others, but this account's price said no
                moved = await tx.move(
                    trade.id, TradeStatus.FAILED, now=now, expect=[TradeStatus.APPROVED],
                    closed_at=now, note=why,
                )  # fmt: skip
                assert moved is not None
                await tx.add_event(TradeFailed(why), now=now, trade=moved)
            elif status is TradeStatus.CANCELLED:
                await tx.add_event(TradeCancelled(reason or "withdrawn"), now=now, trade=moved)
            done.append(moved)
        return tuple(done)
