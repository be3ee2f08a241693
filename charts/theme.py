"""Colours of the dark and light chart themes, and their mplfinance candle styles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mplfinance as mpf

__all__ = ["MARKET_STYLES", "THEMES", "Theme"]


@dataclass(frozen=True, slots=True)
class Theme:
    """Colours of one chart theme."""

    name: str
    background: str
    grid: str
    text: str
    muted: str
    up: str
    down: str
    volume_alpha: float
    entry: str
    stop: str
    take_profit: str
    marker: str
    tag_text: str
    risk_alpha: float
    reward_alpha: float
    long_badge: str
    short_badge: str
    paper_badge: str
    live_badge: str


THEMES: dict[str, Theme] = {
    # Darker than Discord's dark chat background (#313338) so the chart reads as a panel.
    "dark": Theme(
        name="dark",
        background="#1e1f22",
        grid="#2b2d31",
        text="#dbdee1",
        muted="#949ba4",
        up="#26a69a",
        down="#ef5350",
        volume_alpha=0.45,
        entry="#5b9cf6",
        stop="#f23645",
        take_profit="#22c55e",
        marker="#f0b90b",
        tag_text="#0b0c0e",
        risk_alpha=0.14,
        reward_alpha=0.12,
        long_badge="#16a34a",
        short_badge="#dc2626",
        paper_badge="#b7791f",
        live_badge="#dc2626",
    ),
    "light": Theme(
        name="light",
        background="#ffffff",
        grid="#eceef2",
        text="#1f2328",
        muted="#656d76",
        up="#089981",
        down="#f23645",
        volume_alpha=0.4,
        entry="#2962ff",
        stop="#e0202f",
        take_profit="#0a9d58",
        marker="#e8a200",
        tag_text="#ffffff",
        risk_alpha=0.10,
        reward_alpha=0.10,
        long_badge="#0a9d58",
        short_badge="#e0202f",
        paper_badge="#b7791f",
        live_badge="#e0202f",
    ),
}


def _market_style(theme: Theme) -> dict[str, Any]:
    colors = mpf.make_marketcolors(
        up=theme.up, down=theme.down, edge="inherit", wick="inherit", volume="inherit"
    )
    return mpf.make_mpf_style(marketcolors=colors, y_on_right=False)


# Built once per process: mplfinance validates a style on every make_mpf_style call.
MARKET_STYLES: dict[str, dict[str, Any]] = {
    name: _market_style(theme) for name, theme in THEMES.items()
}
"""The mplfinance candle style of each theme, by theme name."""
