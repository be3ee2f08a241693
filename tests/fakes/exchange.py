"""The contract every fake exchange server meets, so one test can run against each of them.

The fakes (``tests/fakes/binance``, ``tests/fakes/bybit``) speak their exchange's real protocol
to real ccxt; this module is only the *test-facing* side: how a test moves the market, injects
faults, and inspects what the exchange holds. Tests written against :class:`FakeExchange` are
parametrized over the fakes instead of copied.

Symbols here are the exchange's market ids (``"XRPUSDT"``); amounts are ``Decimal``.

Legs
----
Greenlight's client order ids are ``gl-<trade id>-<leg>-<attempt>``; ``leg`` is ``entry``,
``stop``, ``tp1`` … ``tp10`` or ``close``. A fault addressed to a leg matches the next order
*placement* whose client order id carries that leg; the pseudo-leg ``leverage`` matches the
next set-leverage request.

Fault kinds
-----------
- ``error_before``: answer a 5xx (an HTML gateway page) without doing anything;
- ``error_after``: do it (place the order), then answer a 5xx instead of the real answer;
- ``timeout_before``: hang until the client gives up, without doing anything;
- ``timeout_after``: do it, then hang until the client gives up;
- ``reject``: refuse it with the exchange's own "invalid order" error (Binance -2021 /
  Bybit 110092-style "would trigger immediately" for stops, a generic parameter error
  otherwise), doing nothing;
- ``reject_margin``: refuse it with the exchange's insufficient-margin error (Binance -2019,
  Bybit 110007), doing nothing.

The protection ledger
---------------------
After every request it serves, a fake appends a :class:`LedgerEntry` per symbol that has a
position or resting reduce-only stops: the signed position and the size covered by resting
reduce-only stop-market orders on the closing side (a close-position stop covers all of it).
:func:`unprotected_spans` turns the ledger into the stretches during which a position was
larger than its cover, with the requests served meanwhile, so a test can assert that a whole
scenario left no position unprotected beyond the placement of its first stop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

__all__ = [
    "FAULT_KINDS",
    "FakeExchange",
    "LedgerEntry",
    "RestingOrder",
    "UnprotectedSpan",
    "leg_of",
    "unprotected_spans",
]

FAULT_KINDS = (
    "error_before",
    "error_after",
    "timeout_before",
    "timeout_after",
    "reject",
    "reject_margin",
)


def leg_of(client_id: object) -> str | None:
    """The leg of a client order id ``gl-<trade>-<leg>-<attempt>`` (``None`` for other ids)."""
    parts = str(client_id or "").split("-")
    return parts[2] if len(parts) == 4 and parts[0] == "gl" else None


@dataclass(frozen=True, slots=True)
class RestingOrder:
    """An order as a test sees it, whatever the exchange calls its fields."""

    client_id: str
    side: str  # "buy" | "sell"
    kind: str  # "market" | "limit" | "stop_market" | "take_profit_market"
    amount: Decimal
    price: Decimal | None  # limit price
    trigger_price: Decimal | None
    reduce_only: bool
    status: str  # the exchange's own status word ("NEW", "Untriggered", "FILLED"...)
    filled: Decimal = Decimal(0)

    @property
    def leg(self) -> str | None:
        """The Greenlight leg named by the client id (``None`` for other orders)."""
        return leg_of(self.client_id)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One symbol's exposure right after the fake served one request."""

    at: float  # time.monotonic()
    symbol: str
    position: Decimal  # signed: long > 0
    covered: Decimal  # size closed by resting reduce-only stops (never above |position|)
    request: str  # "METHOD /path leg=<leg or ->"

    @property
    def exposed(self) -> Decimal:
        """Size that no resting stop would close."""
        return max(abs(self.position) - self.covered, Decimal(0))


@dataclass(slots=True)
class UnprotectedSpan:
    """A stretch during which part of a position had no stop resting."""

    symbol: str
    start: float
    end: float | None  # None: still unprotected at the end of the ledger
    requests: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        """How long it lasted (up to the last entry when it never ended)."""
        return 0.0 if self.end is None else self.end - self.start


def unprotected_spans(ledger: Sequence[LedgerEntry], symbol: str) -> list[UnprotectedSpan]:
    """Stretches of ``ledger`` during which ``symbol`` had exposure no stop covered."""
    spans: list[UnprotectedSpan] = []
    current: UnprotectedSpan | None = None
    for entry in ledger:
        if entry.symbol != symbol:
            continue
        if entry.exposed > 0:
            if current is None:
                current = UnprotectedSpan(symbol, entry.at, None)
                spans.append(current)
            current.requests.append(entry.request)
        elif current is not None:
            current.end = entry.at
            current = None
    return spans


class FakeExchange(Protocol):
    """What an exchange-agnostic test may ask of a fake exchange server."""

    #: the ccxt id real ccxt is built with: ``binanceusdm`` or ``bybit``
    ccxt_id: str

    def ccxt_config(self) -> dict[str, Any]:
        """Constructor config for ``getattr(ccxt.async_support, ccxt_id)(...)`` (JSON-safe)."""

    # --- the market ----------------------------------------------------------------------
    def set_price(self, symbol: str, price: Decimal | str | float) -> None:
        """Jump last and mark price; triggers crossed fill at the new price (a gap)."""

    def play_candle(self, symbol: str, open: Any, high: Any, low: Any, close: Any) -> None:
        """Trade continuously through a candle; triggers inside fill at their trigger."""

    def load_klines(self, symbol: str, rows: list[list[Any]], interval: str | None = None) -> None:
        """Serve ``[ms, o, h, l, c, v]`` candles for ``interval`` and coarser ones."""

    def fill_limit(self, symbol: str, client_id: str, qty: Decimal | None = None) -> None:
        """Fill a resting limit order (by client id) at its price: all of it, or ``qty``."""

    def move_position_by_hand(self, symbol: str, qty: Decimal) -> None:
        """A human trades ``qty`` (signed) at market on the exchange's website."""

    # --- faults --------------------------------------------------------------------------
    def fail_leg(self, leg: str, kind: str, *, times: int = 1) -> None:
        """The next ``times`` placements of ``leg`` fail as ``kind`` (see the module doc)."""

    def fail_lookups(self, times: int, *, after: int = 0) -> None:
        """After ``after`` more look-ups, the next ``times`` order look-ups (by id or client
        id, open-order lists) answer 5xx; ``times=0`` ends the fault."""

    # --- inspection ----------------------------------------------------------------------
    def position_size(self, symbol: str) -> Decimal:
        """The signed position (0 when flat)."""

    def orders(self, symbol: str | None = None) -> list[RestingOrder]:
        """Every order ever placed (conditional ones included), oldest first."""

    def resting(self, symbol: str | None = None) -> list[RestingOrder]:
        """Orders still waiting (limits, untriggered stops and take-profits)."""

    @property
    def ledger(self) -> list[LedgerEntry]:
        """The protection ledger (see the module doc)."""

    @property
    def wallet_balance(self) -> Decimal:
        """Settle-currency wallet: deposit + realised PnL − fees."""
