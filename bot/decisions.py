"""A trader's decision, whatever its source (button or reaction): decide once, then act."""

from __future__ import annotations

import logging

from bot.services import Services
from trading.approvals import DecisionResult

__all__ = ["APPROVE", "REJECT", "decide"]

_log = logging.getLogger(__name__)
APPROVE = "approve"
REJECT = "reject"


async def decide(
    services: Services, trade_id: str, action: str, actor_id: int, actor_name: str
) -> DecisionResult:
    """Approve or reject ``trade_id`` for ``actor``; an approval starts the entry at once.

    Access is checked by the caller. The desk's compare-and-set makes one decision win;
    the others get ``ok=False`` and a sentence saying who decided.
    """
    desk = services.desk
    if action == APPROVE:
        result = await desk.approve(trade_id, str(actor_id), actor_name)
        if result.ok:
            _log.info("trade %s approved by %s", trade_id, actor_name)
            services.spawn(services.executor.enter(trade_id), name=f"enter-{trade_id}")
        return result
    result = await desk.reject(trade_id, str(actor_id), actor_name)
    if result.ok:
        _log.info("trade %s rejected by %s", trade_id, actor_name)
    return result
