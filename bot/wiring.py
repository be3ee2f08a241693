"""From the settings to the parts' own configurations (the desk builds itself from them)."""

from __future__ import annotations

from bot.access import Access
from bot.config import ExpiryAction, Settings, TradingMode
from trading.alert_parser import AlertRules
from trading.config import DeskConfig
from webhook.config import WebhookConfig

__all__ = ["access_of", "desk_config", "webhook_config"]


def desk_config(settings: Settings) -> DeskConfig:
    """The trading settings, for :meth:`trading.desk.TradingDesk.build`."""
    return DeskConfig(
        trading_mode="live" if settings.trading_mode is TradingMode.LIVE else "paper",
        exchange_id=settings.exchange_id,
        exchange_options=settings.exchange_options,
        api_key=settings.exchange_api_key.get_secret_value(),
        api_secret=settings.exchange_api_secret.get_secret_value(),
        api_password=settings.exchange_password.get_secret_value(),
        sandbox=settings.exchange_sandbox,
        paper_balance=settings.paper_balance,
        paper_slippage_pct=settings.paper_slippage_pct,
        margin_mode=settings.margin_mode.value,
        risk_per_trade_pct=settings.risk_per_trade_pct,
        max_risk_per_trade_pct=settings.max_risk_per_trade_pct,
        default_stop_pct=settings.default_stop_pct,
        default_leverage=settings.default_leverage,
        approval_timeout_s=settings.approval_timeout_s,
        expiry_approves=settings.approval_expiry_action is ExpiryAction.APPROVE,
        max_price_drift_pct=settings.max_price_drift_pct,
        breakeven_after_tp=settings.breakeven_after_tp,
        breakeven_offset_pct=settings.breakeven_offset_pct,
        monitor_interval_s=settings.monitor_interval_s,
        protection_timeout_s=settings.protection_timeout_s,
    )


def webhook_config(settings: Settings) -> WebhookConfig:
    """The webhook's part of the settings."""
    return WebhookConfig(
        passphrase=settings.webhook_passphrase.get_secret_value(),
        path=settings.webhook_path,
        allowed_ips=settings.webhook_allowed_ips,
        trusted_proxies=settings.webhook_trusted_proxies,
        rate_limit_per_min=settings.webhook_rate_limit,
        dedup_window_s=settings.dedup_window_s,
        alert_rules=AlertRules(default_stop_pct=settings.default_stop_pct),
    )


def access_of(settings: Settings) -> Access:
    """Who may decide and look in Discord."""
    return Access(
        approver_roles=frozenset(settings.approver_role_ids),
        approver_users=frozenset(settings.approver_user_ids),
        viewer_roles=frozenset(settings.viewer_role_ids),
    )
