"""Opening the exchange the settings ask for: live ccxt, or the paper account on its prices."""

from __future__ import annotations

from trading.config import DeskConfig
from trading.exchange.base import Exchange
from trading.exchange.ccxt_exchange import CcxtExchange, ccxt_config
from trading.exchange.paper import PaperExchange
from trading.store.trades import TradeStore

__all__ = ["open_exchange"]


def open_exchange(config: DeskConfig, store: TradeStore) -> Exchange:
    """The live ccxt exchange, or the paper account fed by the exchange's public data."""
    if not config.is_paper:
        settings = ccxt_config(
            config.exchange_id,
            api_key=config.api_key,
            secret=config.api_secret,
            password=config.api_password,
            options=config.exchange_options,
        )
        return CcxtExchange(config.exchange_id, settings, sandbox=config.sandbox)
    public = CcxtExchange(
        config.exchange_id,
        ccxt_config(config.exchange_id, options=config.exchange_options),
        sandbox=config.sandbox,
    )
    return PaperExchange(
        public,
        store,
        name=config.exchange_id,
        balance=config.paper_balance,
        slippage_pct=config.paper_slippage_pct,
    )
