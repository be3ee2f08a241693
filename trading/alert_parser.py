"""Turn a TradingView alert payload (canonical or legacy form) into an :class:`Alert`.

Every problem raises :class:`~trading.errors.AlertError` naming the field at fault. A value
that TradingView rendered as ``NaN`` (an unset ``{{plot(...)}}``) counts as absent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from trading.alerts import Alert, AlertKind, OrderType, Side, TakeProfitSpec
from trading.errors import AlertError

__all__ = ["AlertRules", "parse_alert"]

MAX_TAKE_PROFITS = 10
MAX_TEXT = 128
_TP_MESSAGE = re.compile(r"^tp\s*(\d{1,2})$")
_LEGACY_MULT = re.compile(r"^tp\s*(\d{1,2})\s+mult$", re.IGNORECASE)
_SIDES = {"buy": Side.BUY, "long": Side.BUY, "sell": Side.SELL, "short": Side.SELL}
_ABSENT_WORDS = {"", "nan", "null", "none", "na", "n/a"}
_INF = float("inf")
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class AlertRules:
    """Settings that decide whether an alert is complete enough to accept."""

    default_stop_pct: Decimal | None = None
    max_leverage: int = 125


def parse_alert(payload: Any, rules: AlertRules | None = None) -> Alert:
    """Validate ``payload`` (the decoded JSON body) and build an :class:`Alert`.

    Raises
    ------
    AlertError
        With the offending field and a sentence a trader understands.
    """
    rules = rules or AlertRules()
    if not isinstance(payload, Mapping):
        raise AlertError("body", "the alert must be a JSON object")
    kind, tp_index, message = _kind(payload)
    ticker = _text(payload, "ticker", required=True)
    assert ticker is not None
    if kind is not AlertKind.ENTRY:
        return _acting_alert(payload, kind, tp_index, message, ticker.strip())
    side = _side(payload, required=True)
    order_type = _order_type(payload)
    price = _positive(payload, "price")
    if order_type is OrderType.LIMIT and price is None:
        raise AlertError("price", "a limit entry needs a price")
    stop = _positive(payload, "stop_loss")
    take_profits = _take_profits(payload)
    if _is_legacy(payload):
        stop, take_profits = _legacy_levels(payload, side, stop, take_profits)
    _check_shares(take_profits)
    if stop is None and rules.default_stop_pct is None:
        raise AlertError("stop_loss", "an entry needs a stop_loss (no DEFAULT_STOP_PCT is set)")
    qty, notional, risk_pct = _sizing(payload)
    return Alert(
        kind=kind,
        ticker=ticker.strip(),
        side=side,
        exchange=_text(payload, "exchange"),
        interval=_text(payload, "interval"),
        price=price,
        time=_time(payload),
        stop_loss=stop,
        take_profits=take_profits,
        order_type=order_type,
        qty=qty,
        notional=notional,
        risk_pct=risk_pct,
        leverage=_leverage(payload, rules.max_leverage),
        strategy=_text(payload, "strategy"),
        idempotency_key=_text(payload, "id"),
        subaccount=_text(payload, "subaccount"),
        message=message,
    )


def _acting_alert(
    payload: Mapping[str, Any], kind: AlertKind, tp_index: int | None, message: str, ticker: str
) -> Alert:
    """An exit / tpN / breakeven / cancel: it reduces risk, so it is refused only for what it
    uses (which trade: ticker and strategy; a breakeven's own level). The levels of the entry
    that public Pine scripts send along (often ``0``) are not read."""
    breakeven = None
    if kind is AlertKind.BREAKEVEN:
        side = _side(payload, required=False)
        keys = [f"{p} Breakeven" for p in ("long", "short")]
        if side is not None:
            keys = [f"{'long' if side.is_long else 'short'} Breakeven"]
        for key in [*keys, "breakeven_price"]:
            breakeven = breakeven or _positive_or_zero(payload, key)
    return Alert(
        kind=kind,
        ticker=ticker,
        side=_lenient(lambda: _side(payload, required=False)),
        exchange=_lenient(lambda: _text(payload, "exchange")),
        interval=_lenient(lambda: _text(payload, "interval")),
        time=_lenient(lambda: _time(payload)),
        strategy=_text(payload, "strategy"),
        tp_index=tp_index,
        idempotency_key=_text(payload, "id"),
        subaccount=_lenient(lambda: _text(payload, "subaccount")),
        message=message,
        breakeven_price=breakeven,
    )


def _lenient(read: Callable[[], _T]) -> _T | None:
    """A field an acting alert shows but does not need: a bad value counts as absent."""
    try:
        return read()
    except AlertError:
        return None


def _kind(payload: Mapping[str, Any]) -> tuple[AlertKind, int | None, str]:
    raw = payload.get("message")
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return AlertKind.ENTRY, None, "entry"
    if not isinstance(raw, str):
        raise AlertError("message", "message must be text such as entry, exit, tp1 or breakeven")
    message = raw.strip().lower()
    if message == "entry":
        return AlertKind.ENTRY, None, message
    if message == "exit":
        return AlertKind.EXIT, None, message
    if message == "cancel":
        return AlertKind.CANCEL, None, message
    if message.endswith("breakeven"):
        return AlertKind.BREAKEVEN, None, message
    match = _TP_MESSAGE.match(message)
    if match and int(match.group(1)) >= 1:
        return AlertKind.TAKE_PROFIT, int(match.group(1)), message
    raise AlertError(
        "message",
        f"unknown message {raw[:40]!r}: expected entry, exit, tpN, …breakeven or cancel",
    )


def _side(payload: Mapping[str, Any], *, required: bool) -> Side | None:
    raw = payload.get("action")
    if _absent(raw):
        if required:
            raise AlertError("action", "an entry needs action buy or sell")
        return None
    side = _SIDES.get(raw.strip().lower()) if isinstance(raw, str) else None
    if side is None:
        if required:
            raise AlertError("action", "action must be buy or sell")
        return None
    return side


def _order_type(payload: Mapping[str, Any]) -> OrderType:
    raw = payload.get("order_type", payload.get("type"))
    if _absent(raw):
        return OrderType.MARKET
    try:
        return OrderType(str(raw).strip().lower())
    except ValueError:
        raise AlertError("order_type", "order_type must be market or limit") from None


def _absent(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in _ABSENT_WORDS


def _number(payload: Mapping[str, Any], field: str, value: Any = None) -> Decimal | None:
    value = payload.get(field) if value is None else value
    if value is None:
        return None
    if type(value) is float:  # the common case, fast
        if value != value:  # NaN: an unset {{plot()}}
            return None
        if value in (_INF, -_INF):
            raise AlertError(field, f"{field} must be a finite number")
        return Decimal(repr(value))
    if _absent(value):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise AlertError(field, f"{field} must be a number")
    try:
        number = (
            Decimal(value.strip())
            if isinstance(value, str)
            else (Decimal(value) if isinstance(value, int) else Decimal(repr(value)))
        )
    except InvalidOperation:
        raise AlertError(field, f"{field} must be a number, not {str(value)[:30]!r}") from None
    if not number.is_finite():
        raise AlertError(field, f"{field} must be a finite number")
    return number


def _positive(payload: Mapping[str, Any], field: str, value: Any = None) -> Decimal | None:
    number = _number(payload, field, value)
    if number is not None and number <= 0:
        raise AlertError(field, f"{field} must be above zero")
    return number


def _positive_or_zero(payload: Mapping[str, Any], field: str, value: Any = None) -> Decimal | None:
    """A legacy level: public Pine scripts render an unused one as ``0``, which is absent."""
    number = _number(payload, field, value)
    if number is None or number == 0:
        return None
    if number < 0:
        raise AlertError(field, f"{field} must be above zero")
    return number


def _text(payload: Mapping[str, Any], field: str, *, required: bool = False) -> str | None:
    value = payload.get(field)
    if isinstance(value, int | float) and not isinstance(value, bool) and field == "id":
        value = str(value)
    if value is None or (isinstance(value, str) and value.strip() == ""):
        if required:
            raise AlertError(field, f"{field} is required")
        return None
    if not isinstance(value, str):
        raise AlertError(field, f"{field} must be text")
    if len(value) > MAX_TEXT:
        raise AlertError(field, f"{field} is longer than {MAX_TEXT} characters")
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise AlertError(field, f"{field} must not contain control characters")
    return value.strip()


def _time(payload: Mapping[str, Any]) -> datetime | None:
    value = payload.get("time")
    if _absent(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 10**11 else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise AlertError("time", "time is out of range") from None
    if not isinstance(value, str):
        raise AlertError("time", "time must be an ISO 8601 date such as 2026-11-20T10:15:00Z")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise AlertError(
            "time", "time must be an ISO 8601 date such as 2026-11-20T10:15:00Z"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _take_profits(payload: Mapping[str, Any]) -> tuple[TakeProfitSpec, ...]:
    raw = payload.get("take_profits")
    if _absent(raw):
        return ()
    if not isinstance(raw, list):
        raise AlertError("take_profits", "take_profits must be a list")
    if len(raw) > MAX_TAKE_PROFITS:
        raise AlertError("take_profits", f"at most {MAX_TAKE_PROFITS} take-profits")
    rungs: list[TakeProfitSpec] = []
    for index, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            raise AlertError("take_profits", f"take-profit {index} must be an object")
        price = _positive(item, "price")
        r = _positive(item, "r")
        close_pct = _positive(item, "close_pct")
        if price is not None and r is not None:
            raise AlertError("take_profits", f"take-profit {index}: give price or r, not both")
        if price is None and r is None:
            continue  # an unset plot: this rung is absent
        rungs.append(TakeProfitSpec(price=price, r=r, close_pct=close_pct))
    return tuple(rungs)


def _check_shares(take_profits: tuple[TakeProfitSpec, ...]) -> None:
    total = sum((tp.close_pct or Decimal(0) for tp in take_profits), Decimal(0))
    if total > 100:
        raise AlertError(
            "take_profits", f"close_pct of the take-profits adds up to {total} %, at most 100"
        )


def _sizing(payload: Mapping[str, Any]) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    qty = _positive(payload, "qty")
    notional = _positive(payload, "notional")
    risk_pct = _positive(payload, "risk_pct")
    sizes = (("qty", qty), ("notional", notional), ("risk_pct", risk_pct))
    given = [name for name, value in sizes if value is not None]
    if len(given) > 1:
        raise AlertError(given[1], f"give only one of qty, notional and risk_pct (got {given})")
    if risk_pct is not None and risk_pct > 100:
        raise AlertError("risk_pct", "risk_pct is a percentage of equity, at most 100")
    return qty, notional, risk_pct


def _leverage(payload: Mapping[str, Any], maximum: int) -> int | None:
    number = _positive(payload, "leverage")
    if number is None:
        return None
    if number != number.to_integral_value() or number > maximum:
        raise AlertError("leverage", f"leverage must be a whole number from 1 to {maximum}")
    return int(number)


# --- the legacy form used by many public Pine scripts --------------------------------------

_LEGACY_KEYS = ("long SL", "long TP", "short SL", "short TP", "tp Close")


def _is_legacy(payload: Mapping[str, Any]) -> bool:
    return any(key in payload for key in _LEGACY_KEYS) or any(
        isinstance(key, str) and "ult" in key and _LEGACY_MULT.match(key) for key in payload
    )


def _legacy_levels(
    payload: Mapping[str, Any],
    side: Side | None,
    stop: Decimal | None,
    take_profits: tuple[TakeProfitSpec, ...],
) -> tuple[Decimal | None, tuple[TakeProfitSpec, ...]]:
    """Map ``long SL``/``short TP``/``tp Close``/``tpN Mult`` onto stop and TP ladder.

    Intermediate TPs are r multiples (``tpN Mult``), each closing ``tp Close`` percent; the
    final TP is the side's absolute ``… TP`` price and takes what remains. Canonical fields,
    when present too, win.
    """
    prefix = "long" if side is None or side.is_long else "short"
    if stop is None:
        stop = _positive_or_zero(payload, f"{prefix} SL")
    if take_profits:
        return stop, take_profits
    close_pct = _positive_or_zero(payload, "tp Close")
    multiples: list[tuple[int, Decimal]] = []
    for key, value in payload.items():
        match = _LEGACY_MULT.match(key) if isinstance(key, str) else None
        if match:
            r = _positive_or_zero(payload, key, value)
            if r is not None:
                multiples.append((int(match.group(1)), r))
    rungs = [TakeProfitSpec(r=r, close_pct=close_pct) for _, r in sorted(multiples)]
    final = _positive_or_zero(payload, f"{prefix} TP")
    if final is not None:
        rungs.append(TakeProfitSpec(price=final))
    elif rungs:
        rungs[-1] = TakeProfitSpec(r=rungs[-1].r)
    if len(rungs) > MAX_TAKE_PROFITS:
        raise AlertError("tp Close", f"at most {MAX_TAKE_PROFITS} take-profits")
    return stop, tuple(rungs)
