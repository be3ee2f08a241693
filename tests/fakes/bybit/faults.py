"""Faults of the fake Bybit's REST side: failing legs, failing look-ups, scripted refusals.

A leg is read from the orderLinkId ``gl-<trade>-<leg>-<attempt>`` of a placement (POST
/v5/order/create); the pseudo-leg ``leverage`` is POST /v5/position/set-leverage. Look-ups
are GET /v5/order/realtime and /v5/order/history.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from decimal import Decimal

from aiohttp import web

from ..exchange import leg_of
from ..shared.rest_faults import LegFault, hang, use_up
from .markets import MARKETS, BybitError, fail, scaled
from .params import Params, dec, integer, text

__all__ = ["LEVERAGE", "PLACE", "Faults", "LegFault", "Rejection", "leg_of"]

PLACE, LEVERAGE = ("POST", "/v5/order/create"), ("POST", "/v5/position/set-leverage")
_LOOKUPS = (("GET", "/v5/order/realtime"), ("GET", "/v5/order/history"))


@dataclass
class Rejection:
    """The next ``times`` requests to ``method`` ``path`` are refused with ``code``."""

    method: str
    path: str
    code: int
    msg: str
    times: int


@dataclass
class Faults:
    """The faults waiting for their request."""

    legs: list[LegFault] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    lookups: int = 0  # the next look-ups that answer a gateway page
    lookups_after: int = 0  # look-ups let through before ``lookups`` start failing
    max_hang_seconds: float = 30.0  # a hang normally ends when the client gives up

    def take(self, key: tuple[str, str], leg: str | None) -> str | None:
        """The fault kind this request meets (used up), or ``None``."""
        if key in _LOOKUPS and self.lookups > 0 and self.lookups_after > 0:
            self.lookups_after -= 1
        elif key in _LOOKUPS and self.lookups > 0:
            self.lookups -= 1
            return "error_before"
        if key not in (PLACE, LEVERAGE) or leg is None:
            return None
        fault = use_up(self.legs, lambda f: f.leg == leg)
        return fault.kind if fault is not None else None

    def take_rejection(self, method: str, path: str) -> Rejection | None:
        """The scripted refusal this request meets (used up), or ``None``."""
        return use_up(
            self.rejections, lambda r: r.method in ("*", method) and r.path in ("*", path)
        )

    @staticmethod
    def refusal(kind: str, p: Params, last_price: dict[str, Decimal]) -> BybitError:
        """What a ``reject``/``reject_margin`` fault answers: 110007 for margin; 110092/110093
        ("would trigger at once") for a conditional order; 10001 (params error) otherwise.
        """
        if kind == "reject_margin":
            return fail(110007)
        trigger, direction, symbol = (
            dec(p, "triggerPrice"),
            integer(p, "triggerDirection"),
            text(p, "symbol"),
        )
        if trigger is not None and direction in (1, 2) and symbol in MARKETS:
            last = scaled(last_price[symbol])
            return fail(110092 if direction == 1 else 110093, scaled(trigger), last)
        return fail(10001, "params error: the request was refused (fake fault)")

    async def hang(self, request: web.Request, closing: asyncio.Event) -> None:
        """Wait until the client drops the connection, the fake closes, or the cap passes."""
        await hang(request, closing, self.max_hang_seconds)
