"""Building the parts from the settings: exchange, domain services, chart pool."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.access import Access
from bot.config import ExpiryAction, Settings, TradingMode
from bot.services import Services
from charts.candle_cache import CandleCache
from charts.pool import ChartRenderer
from trading.alert_handler import AlertHandler
from trading.alert_parser import AlertRules
from trading.approvals import ApprovalDesk, ApprovalRules
from trading.exchange.base import Exchange
from trading.exchange.ccxt_exchange import CcxtExchange, ccxt_config
from trading.exchange.paper import PaperExchange
from trading.executor import ExecutionRules, Executor
from trading.monitor import Monitor
from trading.pause import PauseSwitch
from trading.plan import PlanRules
from trading.store.alert_log import AlertLog
from trading.store.trades import TradeStore
from webhook.config import WebhookConfig

__all__ = ["build_services", "open_exchange", "utc_now", "webhook_config"]


def utc_now() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


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


def open_exchange(settings: Settings, store: TradeStore) -> Exchange:
    """The live ccxt exchange, or the paper account fed by the exchange's public data."""
    options = settings.exchange_options
    if settings.trading_mode is TradingMode.LIVE:
        config = ccxt_config(
            settings.exchange_id,
            api_key=settings.exchange_api_key.get_secret_value(),
            secret=settings.exchange_api_secret.get_secret_value(),
            password=settings.exchange_password.get_secret_value(),
            options=options,
        )
        return CcxtExchange(settings.exchange_id, config, sandbox=settings.exchange_sandbox)
    public = CcxtExchange(
        settings.exchange_id,
        ccxt_config(settings.exchange_id, options=options),
        sandbox=settings.exchange_sandbox,
    )
    return PaperExchange(
        public,
        store,
        name=settings.exchange_id,
        balance=settings.paper_balance,
        slippage_pct=settings.paper_slippage_pct,
    )


def build_services(
    settings: Settings,
    *,
    store: TradeStore,
    alert_log: AlertLog,
    exchange: Exchange,
    charts: ChartRenderer,
) -> Services:
    """Every domain service, wired to one exchange and one store."""
    clock = utc_now
    pause = PauseSwitch(store, clock=clock)
    executor = Executor(
        store,
        exchange,
        ExecutionRules(
            breakeven_after_tp=settings.breakeven_after_tp,
            breakeven_offset_pct=settings.breakeven_offset_pct,
        ),
        clock=clock,
    )
    desk = ApprovalDesk(
        store,
        exchange,
        pause,
        ApprovalRules(
            max_price_drift_pct=settings.max_price_drift_pct,
            expiry_approves=settings.approval_expiry_action is ExpiryAction.APPROVE,
        ),
        clock=clock,
    )
    handler = AlertHandler(
        store,
        exchange,
        executor,
        pause,
        PlanRules(
            risk_per_trade_pct=settings.risk_per_trade_pct,
            max_risk_pct=settings.max_risk_per_trade_pct,
            default_stop_pct=settings.default_stop_pct,
            default_leverage=settings.default_leverage,
        ),
        approval_timeout=timedelta(seconds=settings.approval_timeout_s),
        clock=clock,
    )
    monitor = Monitor(
        store,
        exchange,
        executor,
        clock=clock,
        interval_s=settings.monitor_interval_s,
        max_price_drift_pct=settings.max_price_drift_pct,
    )
    return Services(
        store=store,
        alert_log=alert_log,
        exchange=exchange,
        executor=executor,
        desk=desk,
        handler=handler,
        pause=pause,
        monitor=monitor,
        charts=charts,
        candles=CandleCache(
            lambda symbol, timeframe, limit: exchange.fetch_ohlcv(symbol, timeframe, limit)
        ),
        access=Access(
            approver_roles=frozenset(settings.approver_role_ids),
            approver_users=frozenset(settings.approver_user_ids),
            viewer_roles=frozenset(settings.viewer_role_ids),
        ),
        channel_id=settings.discord_channel_id,
        guild_id=settings.discord_guild_id,
        clock=clock,
    )
