"""Binance USD-M JSON shapes of the fake's records, for REST answers.

Numbers are fixed-point strings as Binance prints them (prices at the symbol's price
precision, quantities at its quantity precision, money at 8 decimals).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .engine import Engine
from .markets import MARKETS
from .models import ZERO, AlgoOrder, Income, Order, Trade

__all__ = [
    "account_json",
    "algo_json",
    "asset_json",
    "balance_json",
    "f8",
    "fmt",
    "income_json",
    "order_json",
    "position_json",
    "px",
    "qty",
    "symbol_config_json",
    "trade_json",
]


def fmt(value: Decimal, places: int) -> str:
    """Fixed-point string with ``places`` decimals, the way Binance prints numbers."""
    return f"{value.quantize(Decimal(1).scaleb(-places)):f}"


def px(symbol: str, value: Decimal) -> str:
    return fmt(value, MARKETS[symbol].price_precision)


def qty(symbol: str, value: Decimal) -> str:
    return fmt(value, MARKETS[symbol].quantity_precision)


def f8(value: Decimal) -> str:
    return fmt(value, 8)


def order_json(o: Order, *, placed: bool = False) -> dict[str, Any]:
    """A regular order as GET /fapi/v1/order answers it (``placed``: as POST/DELETE do)."""
    s = o.symbol
    data: dict[str, Any] = {
        "orderId": o.order_id,
        "symbol": s,
        "status": o.status,
        "clientOrderId": o.client_order_id,
        "price": px(s, o.price) if o.price else "0",
        "avgPrice": f8(o.avg_price),
        "origQty": qty(s, o.quantity),
        "executedQty": qty(s, o.executed_qty),
        "cumQuote": f8(o.cum_quote),
        "timeInForce": o.time_in_force,
        "type": o.type,
        "reduceOnly": o.reduce_only,
        "closePosition": o.close_position,
        "side": o.side,
        "positionSide": "BOTH",
        "stopPrice": "0",
        "workingType": "CONTRACT_PRICE",
        "priceProtect": False,
        "origType": o.type,
        "priceMatch": "NONE",
        "selfTradePreventionMode": "EXPIRE_MAKER",
        "goodTillDate": 0,
        "updateTime": o.update_time,
    }
    if placed:
        data["cumQty"] = data["executedQty"]
    else:
        data["time"] = o.time
    return data


def algo_json(a: AlgoOrder, *, placed: bool = False) -> dict[str, Any]:
    """A conditional order as GET /fapi/v1/algoOrder answers it (``placed``: as POST does).

    ``activatePrice`` and ``callbackRate`` are empty strings except on trailing stops.
    """
    s = a.symbol
    activate = "" if a.activate_price is None else px(s, a.activate_price)
    data: dict[str, Any] = {
        "algoId": a.algo_id,
        "clientAlgoId": a.client_algo_id,
        "algoType": "CONDITIONAL",
        "orderType": a.order_type,
        "symbol": s,
        "side": a.side,
        "positionSide": "BOTH",
        "timeInForce": a.time_in_force,
        "quantity": qty(s, a.quantity),
        "algoStatus": a.status,
        "triggerPrice": px(s, a.trigger_price),
        "price": px(s, a.price),
        "icebergQuantity": None,
        "selfTradePreventionMode": "EXPIRE_MAKER",
        "workingType": a.working_type,
        "priceMatch": "NONE",
        "closePosition": a.close_position,
        "priceProtect": False,
        "reduceOnly": a.reduce_only,
        "activatePrice": activate if a.is_trailing else "",
        "callbackRate": str(a.callback_rate) if a.is_trailing else "",
        "createTime": a.create_time,
        "updateTime": a.update_time,
        "triggerTime": a.trigger_time,
        "goodTillDate": 0,
    }
    if not placed:
        data["actualOrderId"] = "" if a.actual_order_id is None else str(a.actual_order_id)
        data["actualPrice"] = px(s, a.actual_price)
        data.update(
            dict.fromkeys(("tpTriggerPrice", "tpPrice", "slTriggerPrice", "slPrice"), px(s, ZERO))
        )
        data["tpOrderType"] = ""
    return data


def trade_json(t: Trade) -> dict[str, Any]:
    """A fill as GET /fapi/v1/userTrades answers it."""
    return {
        "buyer": t.side == "BUY",
        "commission": f8(t.commission),
        "commissionAsset": "USDT",
        "id": t.trade_id,
        "maker": t.maker,
        "orderId": t.order_id,
        "price": px(t.symbol, t.price),
        "qty": qty(t.symbol, t.qty),
        "quoteQty": f8(t.quote_qty),
        "realizedPnl": f8(t.realized_pnl),
        "marginAsset": "USDT",
        "side": t.side,
        "positionSide": "BOTH",
        "symbol": t.symbol,
        "time": t.time,
    }


def income_json(i: Income) -> dict[str, Any]:
    """A row of GET /fapi/v1/income (``info`` repeats the income type, as Binance does)."""
    return {
        "symbol": i.symbol,
        "incomeType": i.income_type,
        "income": f8(i.income),
        "asset": "USDT",
        "info": i.income_type,
        "time": i.time,
        "tranId": i.tran_id,
        "tradeId": i.trade_id,
    }


# ------------------------------------------------------------------- account
def asset_json(e: Engine) -> dict[str, Any]:
    """The USDT entry of the account's ``assets``."""
    wallet, upnl, available = e.wallet_balance, e.total_unrealized(), e.available_balance()
    position_im = sum((e.position_margin(s) for s in MARKETS), ZERO)
    order_im = sum((e.open_order_margin(s) for s in MARKETS), ZERO)
    return {
        "asset": "USDT",
        "walletBalance": f8(wallet),
        "unrealizedProfit": f8(upnl),
        "marginBalance": f8(wallet + upnl),
        "maintMargin": f8(sum((e.maint_margin(s) for s in MARKETS), ZERO)),
        "initialMargin": f8(position_im + order_im),
        "positionInitialMargin": f8(position_im),
        "openOrderInitialMargin": f8(order_im),
        "crossWalletBalance": f8(wallet - _isolated_wallets(e)),
        "crossUnPnl": f8(upnl),
        "availableBalance": f8(available),
        "maxWithdrawAmount": f8(max(ZERO, min(wallet, available))),
        "updateTime": e.balance_update_time,
    }


def _isolated_wallets(e: Engine) -> Decimal:
    return sum((e.isolated_wallet(s) for s in MARKETS), ZERO)


def position_json(e: Engine, symbol: str, *, v3: bool) -> dict[str, Any]:
    """One entry of GET /fapi/v2 (or v3) /positionRisk."""
    pos, mark = e.positions[symbol], e.last_price[symbol]
    isolated_wallet = e.isolated_wallet(symbol)
    isolated = e.margin_type[symbol] == "isolated"
    upnl = e.unrealized_pnl(symbol)
    data: dict[str, Any] = {
        "symbol": symbol,
        "positionSide": "BOTH",
        "positionAmt": qty(symbol, pos.size),
        "entryPrice": f8(pos.entry_price),
        "breakEvenPrice": f8(pos.entry_price),
        "markPrice": f8(mark),
        "unRealizedProfit": f8(upnl),
        "liquidationPrice": f8(e.liquidation_price(symbol)),
        "isolatedMargin": f8(isolated_wallet + upnl) if isolated and pos.size else "0",
        "notional": f8(pos.size * mark),
        "isolatedWallet": f8(isolated_wallet) if isolated else "0",
        "updateTime": pos.update_time,
    }
    if v3:  # v3 dropped leverage and marginType, added the margins
        data.update(
            marginAsset="USDT",
            maintMargin=f8(e.maint_margin(symbol)),
            initialMargin=f8(e.position_margin(symbol) + e.open_order_margin(symbol)),
            positionInitialMargin=f8(e.position_margin(symbol)),
            openOrderInitialMargin=f8(e.open_order_margin(symbol)),
            adl=0,
            bidNotional="0",
            askNotional="0",
        )
    else:
        lev = e.leverage[symbol]
        data.update(
            leverage=str(lev),
            maxNotionalValue=str(MARKETS[symbol].max_notional(lev)),
            marginType=e.margin_type[symbol],
            isAutoAddMargin="false",
        )
    return data


def account_json(e: Engine, positions: list[dict[str, Any]], *, v3: bool) -> dict[str, Any]:
    """GET /fapi/v2 (or v3) /account, around the given position entries."""
    a = asset_json(e)
    keys = (
        "initialMargin",
        "maintMargin",
        "walletBalance",
        "unrealizedProfit",
        "marginBalance",
        "positionInitialMargin",
        "openOrderInitialMargin",
        "crossWalletBalance",
        "crossUnPnl",
    )
    totals: dict[str, Any] = {"total" + k[0].upper() + k[1:]: a[k] for k in keys}
    totals.update(availableBalance=a["availableBalance"], maxWithdrawAmount=a["maxWithdrawAmount"])
    if not v3:
        totals.update(feeTier=0, canTrade=True, canDeposit=True, canWithdraw=True, updateTime=0)
    return {**totals, "assets": [a], "positions": positions}


def balance_json(e: Engine) -> list[dict[str, Any]]:
    """GET /fapi/v2 (or v3) /balance."""
    a = asset_json(e)
    keys = ("crossWalletBalance", "crossUnPnl", "availableBalance", "maxWithdrawAmount")
    return [
        {
            "accountAlias": "FakeBinance",
            "asset": "USDT",
            "balance": a["walletBalance"],
            **{k: a[k] for k in keys},
            "marginAvailable": True,
            "updateTime": a["updateTime"],
        }
    ]


def symbol_config_json(e: Engine, symbol: str) -> dict[str, Any]:
    """One entry of GET /fapi/v1/symbolConfig (marginType CROSSED or ISOLATED)."""
    lev = e.leverage[symbol]
    return {
        "symbol": symbol,
        "marginType": "CROSSED" if e.margin_type[symbol] == "cross" else "ISOLATED",
        "isAutoAddMargin": False,
        "leverage": str(lev),
        "maxNotionalValue": str(MARKETS[symbol].max_notional(lev)),
    }
