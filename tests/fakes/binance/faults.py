"""Scripted failures of the fake Binance's REST side.

Three sources, looked up in this order for each request:

- :class:`Fault` rules by method and path (``fail_next`` / ``reject_next``);
- leg faults (``fail_leg``): the next placement whose client order id carries a leg
  (``gl-<trade>-<leg>-<attempt>``), or the pseudo-leg ``leverage`` (POST /fapi/v1/leverage);
- look-up faults (``fail_lookups``): order and open-order queries answer a gateway page.

Whatever the source, :meth:`FaultBook.take` answers one :class:`Fault` the server applies.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..exchange import leg_of as client_id_leg
from ..shared.rest_faults import LegFault, use_up
from .errors import fail
from .markets import MARKETS

__all__ = ["FAULT_KINDS", "PAGES", "Fault", "FaultBook", "leg_of"]

FAULT_KINDS = ("http_500", "http_503", "timeout_before", "timeout_after", "lost_response")
PAGES = {  # fault kind -> the gateway page answered
    "http_500": (500, "Internal Server Error"),
    "http_503": (503, "Service Unavailable"),
    "timeout_before": (504, "Gateway Timeout"),
    "lost_response": (502, "Bad Gateway"),
}
_PLACEMENTS = {("POST", "/fapi/v1/order"), ("POST", "/fapi/v1/algoOrder")}
_LEVERAGE = ("POST", "/fapi/v1/leverage")
_LOOKUPS = {
    "/fapi/v1/order",
    "/fapi/v1/openOrder",
    "/fapi/v1/algoOrder",
    "/fapi/v1/openOrders",
    "/fapi/v1/openAlgoOrders",
    "/fapi/v1/allOrders",
    "/fapi/v1/allAlgoOrders",
}
_CLIENT_ID_KEYS = ("newClientOrderId", "clientAlgoId", "origClientOrderId")


def leg_of(method: str, path: str, params: dict[str, str]) -> str | None:
    """The Greenlight leg a request addresses: from its client order id, or ``leverage``."""
    if (method, path) == _LEVERAGE:
        return "leverage"
    for key in _CLIENT_ID_KEYS:
        leg = client_id_leg(params.get(key))
        if leg is not None:
            return leg
    return None


@dataclass
class Fault:
    """A scripted failure for the next ``times`` requests matching method and path."""

    method: str
    path: str
    kind: str
    times: int
    code: int = 0
    msg: str = ""
    status: int = 400

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and self.path in ("*", path)


class FaultBook:
    """Every scripted failure still to happen."""

    def __init__(self) -> None:
        self.rules: list[Fault] = []
        self.legs: list[LegFault] = []
        self.lookups = 0
        self.lookups_after = 0  # look-ups let through before ``lookups`` start failing

    def take(self, method: str, path: str, params: dict[str, str]) -> Fault | None:
        """The failure this request meets (consuming one of its ``times``), else None."""
        rule = use_up(self.rules, lambda f: f.matches(method, path))
        if rule is not None:
            return rule
        if (method, path) in _PLACEMENTS or (method, path) == _LEVERAGE:
            leg = leg_of(method, path, params)
            found = use_up(self.legs, lambda f: f.leg == leg)
            if found is not None:
                return _leg_fault(found.kind, path, params)
        if method == "GET" and path in _LOOKUPS and self.lookups > 0:
            if self.lookups_after > 0:
                self.lookups_after -= 1
                return None
            self.lookups -= 1
            return Fault(method, path, "http_503", 1)
        return None


def _leg_fault(kind: str, path: str, p: dict[str, str]) -> Fault:
    """The server fault a leg fault kind stands for, with Binance's own rejection."""
    plain = {"error_before": "http_503", "error_after": "lost_response"}
    if kind in plain or kind.startswith("timeout"):
        return Fault("*", path, plain.get(kind, kind), 1)
    if path == "/fapi/v1/leverage":
        error = fail(-2028) if kind == "reject_margin" else fail(-4028, p.get("leverage", ""))
    elif kind == "reject_margin":
        error = fail(-2019)
    elif path == "/fapi/v1/algoOrder":  # every conditional order: "would immediately trigger"
        error = fail(-2021)
    elif p.get("reduceOnly", "").lower() == "true":
        error = fail(-2022)
    else:
        market = MARKETS.get(p.get("symbol", ""))
        error = fail(-4164, market.min_notional if market else 5)
    return Fault("*", path, "reject", 1, error.code, error.msg, error.status)
