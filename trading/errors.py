"""Greenlight's exceptions, grouped by what the caller must do about them.

Every error a trader may read carries a message written for a trader.

- :class:`AlertError` — the alert itself is wrong; answer 4xx and record why.
- :class:`PlanError` — the alert is well formed but cannot be traded as asked.
- :class:`ExchangeError` and subclasses — the exchange said no, or did not answer.
  :class:`TemporaryExchangeError` may be retried; the others may not.
"""

from __future__ import annotations

__all__ = [
    "AlertError",
    "AmbiguousOrderError",
    "ConflictError",
    "ExchangeAuthError",
    "ExchangeError",
    "ExchangeUnavailable",
    "GreenlightError",
    "InsufficientFunds",
    "InvalidOrder",
    "OrderNotFound",
    "PlanError",
    "RateLimited",
    "TemporaryExchangeError",
    "UnknownSymbol",
]


class GreenlightError(Exception):
    """Root of every error Greenlight raises on purpose."""


class AlertError(GreenlightError):
    """An alert field is missing or wrong.

    Parameters
    ----------
    field:
        The payload key at fault, as the sender wrote it (``stop_loss``, ``take_profits``).
    message:
        What is wrong, in words a trader understands.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class PlanError(GreenlightError):
    """The alert cannot become a trade: stop on the wrong side, size under the minimum..."""


class UnknownSymbol(PlanError):
    """The ticker does not map to any market of the exchange."""


class ConflictError(GreenlightError):
    """The state changed under us: someone else already decided, or the trade moved on."""


class ExchangeError(GreenlightError):
    """The exchange refused or failed a request."""


class InsufficientFunds(ExchangeError):
    """Not enough margin or balance for the order."""


class InvalidOrder(ExchangeError):
    """The exchange rejected the order's parameters (size, price, reduce-only...)."""


class OrderNotFound(ExchangeError):
    """The exchange does not know the order."""


class ExchangeAuthError(ExchangeError):
    """The API key is wrong, expired or lacks the permission."""


class TemporaryExchangeError(ExchangeError):
    """A failure worth retrying after a pause."""


class RateLimited(TemporaryExchangeError):
    """The exchange asked us to slow down."""


class ExchangeUnavailable(TemporaryExchangeError):
    """The exchange could not be reached or answered with a server error."""


class AmbiguousOrderError(TemporaryExchangeError):
    """An order request may or may not have reached the exchange (timeout, lost answer).

    Never retry such an order blindly: look it up by its client order id first.
    """
