"""Fault plumbing both fakes' REST sides share: leg faults, gateway pages, hanging requests.

Which requests a fault addresses and what a refusal says stay with each exchange; this is
only how a scripted fault is used up and how a failure looks on the wire.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from aiohttp import web

__all__ = ["LegFault", "gateway_page", "hang", "use_up"]


class _Counted(Protocol):
    times: int


CountedT = TypeVar("CountedT", bound=_Counted)


@dataclass
class LegFault:
    """``fail_leg``: the next ``times`` placements of ``leg`` (or set-leverage for the
    pseudo-leg ``leverage``) fail as ``kind`` (see :mod:`tests.fakes.exchange`).
    """

    leg: str
    kind: str
    times: int


def use_up(faults: list[CountedT], matches: Callable[[CountedT], bool]) -> CountedT | None:
    """The first of ``faults`` that ``matches``, with one of its ``times`` used (a fault used
    up leaves the list), or ``None``.
    """
    found = next((f for f in faults if matches(f)), None)
    if found is not None:
        found.times -= 1
        if found.times <= 0:
            faults.remove(found)
    return found


def gateway_page(status: int = 502, reason: str = "Bad Gateway") -> web.Response:
    """The HTML page a gateway sends: no JSON, so ccxt decides by the HTTP status alone."""
    body = (
        f"<html><head><title>{status} {reason}</title></head><body><h1>{reason}</h1></body></html>"
    )
    return web.Response(status=status, text=body, content_type="text/html")


async def hang(request: web.Request, closing: asyncio.Event, max_seconds: float) -> None:
    """Wait until the client drops the connection, the fake closes, or ``max_seconds`` pass."""
    deadline = time.monotonic() + max_seconds
    while not closing.is_set() and time.monotonic() < deadline:
        transport = request.transport
        if transport is None or transport.is_closing():
            return
        await asyncio.sleep(0.005)
