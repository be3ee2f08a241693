"""Bybit v5 JSON shapes of the fake's records, for REST answers and stream pushes alike.

Numbers are strings, as Bybit prints them: order, execution and position amounts without
trailing zeros, ticker prices padded to the market's ``priceScale``; enums (positionIdx,
triggerDirection, tradeMode...) are JSON integers as in Bybit's API documentation.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from .engine import Engine
from .markets import MARKETS
from .models import ZERO, Execution, Order, Position

__all__ = [
    "envelope",
    "execution_json",
    "num",
    "order_json",
    "position_json",
    "ticker_json",
    "wallet_json",
]


def now_ms() -> int:
    return int(time.time() * 1000)


def num(value: Decimal) -> str:
    """A Decimal as Bybit prints most amounts: plain notation, no trailing zeros."""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "") else text


def _f8(value: Decimal) -> str:
    return num(value.quantize(Decimal("1e-8")))


def _px(symbol: str, value: Decimal) -> str:
    """A price padded to the market's scale, as tickers print them."""
    return f"{value.quantize(MARKETS[symbol].tick_size):f}"


def envelope(result: Any, code: int = 0, msg: str = "OK") -> dict[str, Any]:
    """Bybit's answer envelope."""
    return {"retCode": code, "retMsg": msg, "result": result, "retExtInfo": {}, "time": now_ms()}


def _stop_order_type(o: Order) -> str:
    return "Stop" if o.conditional else ""


def order_json(o: Order, *, stream: bool = False) -> dict[str, Any]:
    """An order as ``/v5/order/realtime`` lists it (``stream``: as the ``order`` topic)."""
    data: dict[str, Any] = {
        "orderId": o.order_id,
        "orderLinkId": o.link_id,
        "blockTradeId": "",
        "symbol": o.symbol,
        "price": num(o.price),
        "qty": num(o.qty),
        "side": o.side,
        "isLeverage": "",
        "positionIdx": 0,
        "orderStatus": o.status,
        "createType": "CreateByUser",
        "cancelType": o.cancel_type,
        "rejectReason": o.reject_reason,
        "avgPrice": num(o.avg_price) if o.cum_qty else ("0" if not o.is_open else ""),
        "leavesQty": num(o.leaves_qty),
        "leavesValue": num(o.leaves_qty * o.price),
        "cumExecQty": num(o.cum_qty),
        "cumExecValue": num(o.cum_value),
        "cumExecFee": num(o.cum_fee),
        "cumFeeDetail": {"USDT": num(o.cum_fee)} if o.cum_fee else {},
        "timeInForce": o.time_in_force,
        "orderType": o.order_type,
        "stopOrderType": _stop_order_type(o),
        "orderIv": "",
        "marketUnit": "",
        "triggerPrice": num(o.trigger_price) if o.trigger_price is not None else "",
        "takeProfit": "",
        "stopLoss": "",
        "tpslMode": "",
        "ocoTriggerBy": "",
        "tpLimitPrice": "",
        "slLimitPrice": "",
        "tpTriggerBy": "",
        "slTriggerBy": "",
        "triggerDirection": o.trigger_direction,
        "triggerBy": "LastPrice" if o.conditional else "",
        "lastPriceOnCreated": num(o.last_price_on_created),
        "basePrice": num(o.last_price_on_created) if o.conditional else "",
        "reduceOnly": o.reduce_only,
        "closeOnTrigger": o.close_on_trigger,
        "placeType": "",
        "smpType": "None",
        "smpGroup": 0,
        "smpOrderId": "",
        "createdTime": str(o.created),
        "updatedTime": str(o.updated),
        "slippageToleranceType": "UNKNOWN",
        "slippageTolerance": "0",
        "extraFees": "",
    }
    if stream:
        data.update(category="linear", closedPnl="0", feeCurrency="")
    return data


def execution_json(e: Execution, *, stream: bool = False) -> dict[str, Any]:
    """An execution as ``/v5/execution/list`` lists it (``stream``: the ``execution`` topic)."""
    o = e.order
    data: dict[str, Any] = {
        "symbol": e.symbol,
        "orderType": o.order_type if o is not None else "UNKNOWN",
        "underlyingPrice": "",
        "orderLinkId": o.link_id if o is not None else "",
        "orderId": e.order_id,
        "stopOrderType": "UNKNOWN" if o is None or not o.conditional else "Stop",
        "execTime": str(e.time),
        "feeCurrency": "",
        "createType": "CreateByUser" if o is not None else "",
        "feeRate": num(e.fee_rate),
        "tradeIv": "",
        "blockTradeId": "",
        "markPrice": num(e.mark_price),
        "execPrice": num(e.price),
        "markIv": "",
        "orderQty": num(o.qty) if o is not None else "0",
        "orderPrice": num(o.price) if o is not None else "0",
        "execValue": num(e.value),
        "closedSize": num(e.closed_size),
        "execType": e.exec_type,
        "seq": e.seq,
        "side": e.side,
        "indexPrice": "",
        "leavesQty": num(o.qty - o.cum_qty if o is not None and o.is_open else ZERO),
        "isMaker": e.is_maker,
        "execFee": num(e.fee),
        "execId": e.exec_id,
        "marketUnit": "",
        "execQty": num(e.qty),
        "execPnl": num(e.pnl),
        "extraFees": "",
    }
    if stream:
        data.update(category="linear", isLeverage="0")
    return data


def position_json(engine: Engine, p: Position, *, stream: bool = False) -> dict[str, Any]:
    """A position as ``/v5/position/list`` lists it (``stream``: the ``position`` topic)."""
    s, m = p.symbol, MARKETS[p.symbol]
    flat = not p.size
    avg = num(p.entry_price) if not flat else "0"
    data: dict[str, Any] = {
        "positionIdx": 0,
        "riskId": 1,
        "riskLimitValue": num(m.risk_limit),
        "symbol": s,
        "side": p.side,
        "size": num(abs(p.size)),
        "avgPrice": avg,
        "positionValue": "" if flat else num(abs(p.size) * p.entry_price),
        "tradeMode": 0,
        "autoAddMargin": 0,
        "positionStatus": "Normal",
        "leverage": num(engine.leverage[s]),
        "markPrice": num(engine.last_price[s]),
        "liqPrice": "",
        "bustPrice": "",
        "positionIM": _f8(engine.position_im(s)),
        "positionMM": _f8(engine.position_mm(s)),
        "positionBalance": _f8(engine.position_im(s)),
        "takeProfit": "",
        "stopLoss": "",
        "trailingStop": "0",
        "sessionAvgPrice": "",
        "delta": "",
        "gamma": "",
        "vega": "",
        "theta": "",
        "unrealisedPnl": "" if flat else num(engine.unrealized_pnl(s)),
        "curRealisedPnl": _f8(p.cur_realised),
        "cumRealisedPnl": _f8(p.cum_realised),
        "adlRankIndicator": 0 if flat else 2,
        "createdTime": str(p.created),
        "updatedTime": str(p.updated or p.created),
        "seq": p.seq,
        "isReduceOnly": False,
        "mmrSysUpdatedTime": "",
        "leverageSysUpdatedTime": "",
        "tpslMode": "Full",
    }
    if stream:
        data.update(category="linear", entryPrice=avg)
    return data


def wallet_json(engine: Engine) -> dict[str, Any]:
    """The UNIFIED account as ``/v5/account/wallet-balance`` (and the ``wallet`` topic) show it."""
    e = engine
    wallet, upnl = e.wallet_balance, e.total(e.unrealized_pnl)
    position_im, order_im = e.total(e.position_im), e.total(e.order_im)
    mm, equity = e.total(e.position_mm), wallet + upnl
    cum = sum((p.cum_realised for p in e.positions.values()), ZERO)
    im_rate = (position_im + order_im) / equity if equity > 0 else ZERO
    mm_rate = mm / equity if equity > 0 else ZERO
    coin = {
        "coin": "USDT",
        "equity": _f8(equity),
        "usdValue": _f8(equity),
        "walletBalance": _f8(wallet),
        "free": "",
        "locked": "0",
        "spotHedgingQty": "0",
        "borrowAmount": "0.000000000000000000",
        "availableToWithdraw": "",
        "availableToBorrow": "",
        "accruedInterest": "0",
        "totalOrderIM": _f8(order_im),
        "totalPositionIM": _f8(position_im),
        "totalPositionMM": _f8(mm),
        "unrealisedPnl": _f8(upnl),
        "cumRealisedPnl": _f8(cum),
        "bonus": "0",
        "marginCollateral": True,
        "collateralSwitch": True,
    }
    return {
        "accountType": "UNIFIED",
        "accountIMRate": f"{im_rate:.4f}",
        "accountMMRate": f"{mm_rate:.4f}",
        "accountLTV": "0",
        "totalEquity": _f8(equity),
        "totalWalletBalance": _f8(wallet),
        "totalMarginBalance": _f8(equity),
        "totalAvailableBalance": _f8(e.available_balance()),
        "totalPerpUPL": _f8(upnl),
        "totalInitialMargin": _f8(position_im + order_im),
        "totalMaintenanceMargin": _f8(mm),
        "coin": [coin],
    }


def ticker_json(engine: Engine, symbol: str) -> dict[str, Any]:
    """One entry of ``/v5/market/tickers?category=linear``."""
    e, px = engine, (lambda v: _px(symbol, v))
    trades = [x for x in e.executions if x.symbol == symbol and x.exec_type == "Trade"]
    volume = sum((x.qty for x in trades), ZERO)
    turnover = sum((x.value for x in trades), ZERO)
    last, first = e.last_price[symbol], e.open_price[symbol]
    tick = MARKETS[symbol].tick_size
    return {
        "symbol": symbol,
        "lastPrice": px(last),
        "indexPrice": px(last),
        "markPrice": px(last),
        "prevPrice24h": px(first),
        "price24hPcnt": f"{(last - first) / first:.6f}",
        "highPrice24h": px(e.high_price[symbol]),
        "lowPrice24h": px(e.low_price[symbol]),
        "prevPrice1h": px(first),
        "openInterest": num(abs(e.positions[symbol].size)),
        "openInterestValue": num(e.position_value(symbol)),
        "turnover24h": num(turnover),
        "volume24h": num(volume),
        "fundingRate": "0.0001",
        "nextFundingTime": str((now_ms() // 28_800_000 + 1) * 28_800_000),
        "predictedDeliveryPrice": "",
        "basisRate": "",
        "deliveryFeeRate": "",
        "deliveryTime": "0",
        "ask1Size": "1000",
        "bid1Price": px(last - tick),
        "ask1Price": px(last),
        "bid1Size": "1000",
        "basis": "",
        "preOpenPrice": "",
        "preQty": "",
        "curPreListingPhase": "",
    }
