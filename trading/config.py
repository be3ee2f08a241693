"""The trading settings the desk is built from: plain values, whoever read them.

``bot/config.py`` reads them from the environment; benchmarks, tests and replays build a
:class:`DeskConfig` directly. :meth:`trading.desk.TradingDesk.build` is the one place that
turns it into the wired parts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = ["DeskConfig"]


@dataclass(frozen=True, slots=True)
class DeskConfig:
    """Every trading setting (the keys of ``.env.example``, in their own types)."""

    trading_mode: str = "paper"  # paper | live
    exchange_id: str = "binanceusdm"
    exchange_options: Mapping[str, Any] = field(default_factory=dict, repr=False)
    api_key: str = field(default="", repr=False)
    api_secret: str = field(default="", repr=False)
    api_password: str = field(default="", repr=False)
    sandbox: bool = False
    paper_balance: Decimal = Decimal(10000)
    paper_slippage_pct: Decimal = Decimal("0.02")
    margin_mode: str = "cross"  # cross | isolated: what the account's symbols must be set to

    risk_per_trade_pct: Decimal = Decimal(1)
    max_risk_per_trade_pct: Decimal = Decimal(5)
    default_stop_pct: Decimal | None = None
    default_leverage: int = 1

    approval_timeout_s: float = 900.0
    expiry_approves: bool = False
    max_price_drift_pct: Decimal = Decimal(1)
    breakeven_after_tp: int = 1
    breakeven_offset_pct: Decimal = Decimal("0.1")
    monitor_interval_s: float = 5.0
    protection_timeout_s: float = 10.0

    @property
    def is_paper(self) -> bool:
        """Orders go to the simulated account."""
        return self.trading_mode == "paper"
