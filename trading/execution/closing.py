"""How a trade ends: why it closed, or why it never got a position.

Reads the trade's orders to tell a stop loss from a breakeven stop, a take-profit or a close
by hand, and moves the trade to its final status with the event that says so.
"""

from __future__ import annotations

from collections.abc import Sequence

from trading.events import Event, TradeCancelled, TradeClosed, TradeFailed
from trading.execution.accounting import TrueUp
from trading.execution.upkeep import ProtectionKeeper
from trading.execution.working import WorkingTrade
from trading.orders import ENTRY, STOP, tp_index
from trading.states import TradeStatus

__all__ = ["close_reason", "end", "entry_ended", "fail", "finish", "withdraw"]


def close_reason(w: WorkingTrade) -> str:
    """Why the position is gone, from the order that closed the last of it."""
    trade = w.trade
    last_exit = max(
        (o for o in w.orders if o.leg != ENTRY and o.filled > 0),
        key=lambda o: o.updated_at,
        default=None,
    )
    if last_exit is not None:
        if last_exit.leg == STOP:
            return "breakeven stop" if trade.breakeven_at else "stop loss"
        if tp_index(last_exit.leg) is not None:
            return "take-profit"
    return trade.exit_reason or trade.note or "closed"


async def finish(w: WorkingTrade, keeper: ProtectionKeeper, accounts: TrueUp) -> None:
    """The position is flat: cancel what still rests, count the fees and funding as the
    exchange does, and close the trade with its result."""
    await keeper.cancel_legs(w, lambda o: o.is_protective)
    await accounts.true_up(w)
    reason = close_reason(w)
    now = w.now()
    async with w.store.begin() as tx:
        closed = await tx.move(
            w.trade.id,
            TradeStatus.CLOSED,
            now=now,
            expect=[TradeStatus.OPEN],
            closed_at=now,
            close_reason=reason[:64],
        )
        if closed is not None:
            result = TradeClosed(
                reason, closed.realized_pnl, closed.fees, closed.net_pnl, closed.r_multiple
            )
            await tx.add_event(result, now=now, trade=closed)
    if closed is None:
        await w.reload()
    else:
        w.trade = closed


async def end(
    w: WorkingTrade, status: TradeStatus, event: Event, reason: str, expect: Sequence[TradeStatus]
) -> None:
    """Move a trade that never had a position to a final status, with the reason."""
    now = w.now()
    await w.move(status, expect, event, note=reason[:500], closed_at=now)


async def fail(w: WorkingTrade, reason: str) -> None:
    """The trade could not be entered."""
    expect = [TradeStatus.APPROVED, TradeStatus.ENTERING]
    await end(w, TradeStatus.FAILED, TradeFailed(reason), reason, expect)


async def withdraw(w: WorkingTrade, reason: str) -> None:
    """Withdraw a trade that was never sent (pending or approved)."""
    expect = [TradeStatus.PENDING, TradeStatus.APPROVED]
    await end(w, TradeStatus.CANCELLED, TradeCancelled(reason), reason, expect)


async def entry_ended(w: WorkingTrade, cancelled_reason: str | None) -> None:
    """The entry order ended without any fill: cancelled on purpose, or failed."""
    if cancelled_reason is not None:
        event = TradeCancelled(cancelled_reason)
        await end(w, TradeStatus.CANCELLED, event, cancelled_reason, [TradeStatus.ENTERING])
        return
    entry = next((o for o in reversed(w.orders) if o.leg == ENTRY), None)
    await fail(w, (entry.error if entry else None) or "the entry order ended without a fill")
