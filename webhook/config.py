"""What the webhook needs to know, as plain values (built from the bot's settings)."""

from __future__ import annotations

from dataclasses import dataclass, field

from trading.alert_parser import AlertRules

__all__ = ["MAX_BODY_BYTES", "WebhookConfig"]

#: TradingView alert messages are far smaller; anything larger is refused with 413.
MAX_BODY_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """Settings of the alert endpoint. ``passphrase`` never shows in ``repr``."""

    passphrase: str = field(repr=False)
    path: str = "/webhook"
    allowed_ips: tuple[str, ...] = ()
    trusted_proxies: tuple[str, ...] = ()
    rate_limit_per_min: int = 120
    dedup_window_s: float = 600.0
    alert_rules: AlertRules = field(default_factory=AlertRules)
    max_body_bytes: int = MAX_BODY_BYTES
