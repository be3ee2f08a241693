"""Reading Bybit v5 request parameters (query string and JSON body alike)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from .markets import fail

__all__ = ["Params", "dec", "flag", "integer", "limit", "linear", "page", "text"]

Params = dict[str, Any]


def text(p: Params, name: str) -> str | None:
    """A parameter as text, ``None`` when absent or empty."""
    value = p.get(name)
    return None if value is None or value == "" else str(value)


def dec(p: Params, name: str) -> Decimal | None:
    """A decimal parameter (10001 when it is not a number)."""
    raw = text(p, name)
    if raw is None:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise fail(10001, f"params error: {name} invalid") from None
    if not value.is_finite():
        raise fail(10001, f"params error: {name} invalid")
    return value


def integer(p: Params, name: str, default: int | None = None) -> int | None:
    """An integer parameter (10001 when it is not one)."""
    raw = text(p, name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise fail(10001, f"params error: {name} invalid") from None


def flag(p: Params, name: str) -> bool:
    """A boolean parameter: JSON ``true`` or the text "true"."""
    value = p.get(name)
    return value is True or str(value).lower() == "true"


def linear(p: Params) -> str:
    """The ``category``; only linear is traded here."""
    category = text(p, "category")
    if category is None:
        raise fail(10001, "params error: Category is invalid")
    if category != "linear":
        raise fail(10001, f"params error: the fake exchange serves linear only, not {category}")
    return category


def limit(p: Params, default: int, cap: int) -> int:
    """The ``limit`` of a list, within 1..``cap``."""
    return max(1, min(integer(p, "limit", default) or default, cap))


def page(rows: list[Any], **extra: Any) -> dict[str, Any]:
    """A ``result`` holding one page of a linear list."""
    return {"nextPageCursor": "", "category": "linear", "list": rows, **extra}
