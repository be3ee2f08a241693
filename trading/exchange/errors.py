"""Translating ccxt's exceptions into Greenlight's, in words a trader understands."""

from __future__ import annotations

import re

import ccxt

from trading.errors import (
    AmbiguousOrderError,
    ExchangeAuthError,
    ExchangeError,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    RateLimited,
)

__all__ = ["translate"]

_JSON_TAIL = re.compile(r"\{.*\}")


def _exchange_words(exc: Exception) -> str:
    """The exchange's own message, without ccxt's prefix and JSON wrapping."""
    text = str(exc)
    match = _JSON_TAIL.search(text)
    if match:
        inner = re.search(r'"(?:msg|retMsg|message)"\s*:\s*"([^"]+)"', match.group(0))
        if inner:
            return inner.group(1)
    return text.split(" ", 1)[1] if " " in text and text.split(" ", 1)[0].isalnum() else text


def translate(exc: Exception, name: str, *, placing: bool = False) -> ExchangeError:
    """Map a ccxt exception to a :class:`~trading.errors.ExchangeError`.

    ``placing`` marks an order placement: a timeout or network failure there is ambiguous
    (the order may exist) and must be looked up before any retry.
    """
    said = _exchange_words(exc)[:300]
    if isinstance(exc, ccxt.InsufficientFunds):
        return InsufficientFunds(f"{name} says the margin is insufficient: {said}")
    if isinstance(exc, ccxt.OrderNotFound):
        return OrderNotFound(f"{name} does not know the order: {said}")
    if isinstance(exc, ccxt.InvalidOrder | ccxt.BadSymbol | ccxt.BadRequest):
        return InvalidOrder(f"{name} refused the order: {said}")
    if isinstance(exc, ccxt.AuthenticationError | ccxt.PermissionDenied | ccxt.AccountSuspended):
        return ExchangeAuthError(f"{name} refused our API key: {said}")
    if isinstance(exc, ccxt.RateLimitExceeded | ccxt.DDoSProtection):
        return RateLimited(f"{name} asked us to slow down")
    if placing and isinstance(exc, ccxt.BadResponse | ccxt.NullResponse):
        return AmbiguousOrderError(f"{name} gave an unreadable answer to the order")
    if isinstance(exc, ccxt.NetworkError):  # timeouts, 5xx, connection failures
        if placing:
            return AmbiguousOrderError(f"{name} did not confirm the order ({type(exc).__name__})")
        return ExchangeUnavailable(f"{name} is not answering ({type(exc).__name__})")
    return ExchangeError(f"{name} error: {said}")
