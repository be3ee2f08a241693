"""Reading Binance request parameters (query string and form body, merged)."""

from __future__ import annotations

import time
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import fail

__all__ = ["Params", "boolean", "dec", "integer", "now_ms", "required", "window"]

Params = dict[str, str]


def now_ms() -> int:
    """Wall-clock milliseconds, as Binance stamps its answers."""
    return int(time.time() * 1000)


def dec(p: Params, name: str) -> Decimal | None:
    """A decimal parameter, ``None`` when absent or empty (-1100 when not a number)."""
    if not p.get(name):
        return None
    try:
        value = Decimal(p[name])
    except InvalidOperation:
        raise fail(-1100, name) from None
    if not value.is_finite():
        raise fail(-1100, name)
    return value


def integer(p: Params, name: str) -> int | None:
    """An integer parameter, ``None`` when absent or empty (-1100 when not one)."""
    if not p.get(name):
        return None
    try:
        return int(p[name])
    except ValueError:
        raise fail(-1100, name) from None


def boolean(p: Params, name: str) -> bool | None:
    """``true``/``false`` (any case), ``None`` when absent (-1130 otherwise)."""
    if name not in p:
        return None
    if p[name].lower() not in ("true", "false"):
        raise fail(-1130, name)
    return p[name].lower() == "true"


def required(p: Params, name: str) -> str:
    """A parameter that must be there and not empty (-1102 otherwise)."""
    if not p.get(name):
        raise fail(-1102, name)
    return p[name]


def window(
    rows: list[Any], p: Params, id_param: str, id_of: str, time_of: str, limits: tuple[int, int]
) -> list[Any]:
    """Binance history paging: from an id or start time forward, else the latest ``limit``."""
    from_id, start, end = integer(p, id_param), integer(p, "startTime"), integer(p, "endTime")
    rows = [
        r
        for r in rows
        if (from_id is None or getattr(r, id_of) >= from_id)
        and (start is None or getattr(r, time_of) >= start)
        and (end is None or getattr(r, time_of) <= end)
    ]
    limit = min(integer(p, "limit") or limits[0], limits[1])
    return rows[:limit] if from_id is not None or start is not None else rows[-limit:]
