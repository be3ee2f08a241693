"""The trade plan: from an alert, a market and the account to exact orders.

:func:`build_plan` is pure: no I/O, ``Decimal`` throughout. Every refusal is a
:class:`~trading.errors.PlanError` whose message a trader understands.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from trading.alerts import Alert, OrderType, Side, TakeProfitSpec
from trading.errors import PlanError
from trading.markets import Market
from trading.precision import (
    format_decimal,
    round_amount,
    round_limit_entry,
    round_stop,
    round_take_profit,
)

__all__ = ["PlanRules", "PlannedTakeProfit", "TradePlan", "build_plan", "ladder_amounts"]

HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class PlanRules:
    """The account-wide settings a plan obeys."""

    risk_per_trade_pct: Decimal = Decimal(1)
    max_risk_pct: Decimal = Decimal(5)
    default_stop_pct: Decimal | None = None
    default_leverage: int = 1


@dataclass(frozen=True, slots=True)
class PlannedTakeProfit:
    """One rung of the ladder: where, how far in R, and how much it closes."""

    index: int
    price: Decimal
    r: Decimal
    share_pct: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class TradePlan:
    """Everything needed to place and manage a trade, rounded to the market."""

    symbol: str
    side: Side
    order_type: OrderType
    entry_price: Decimal
    stop_price: Decimal
    take_profits: tuple[PlannedTakeProfit, ...]
    amount: Decimal
    contract_size: Decimal
    leverage: int
    equity: Decimal
    settle: str
    timeframe: str | None = None
    strategy: str | None = None

    @property
    def base_amount(self) -> Decimal:
        """Size in base currency."""
        return self.amount * self.contract_size

    @property
    def notional(self) -> Decimal:
        """Position value at the entry price."""
        return self.base_amount * self.entry_price

    @property
    def risk_amount(self) -> Decimal:
        """Money lost if the stop fills at its price (fees not counted)."""
        return self.base_amount * abs(self.entry_price - self.stop_price)

    @property
    def risk_pct(self) -> Decimal:
        """``risk_amount`` as a percentage of equity."""
        return self.risk_amount / self.equity * HUNDRED if self.equity else Decimal(0)

    @property
    def stop_distance_pct(self) -> Decimal:
        """Distance from entry to stop, in percent of the entry."""
        return abs(self.entry_price - self.stop_price) / self.entry_price * HUNDRED

    @property
    def shares(self) -> tuple[Decimal, ...]:
        """Each TP's share of the position, in percent (they add up to 100)."""
        return tuple(tp.share_pct for tp in self.take_profits)

    def to_json(self) -> str:
        """Serialise exactly (decimals as strings)."""
        data = asdict(self)
        return json.dumps(data, default=_encode, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> TradePlan:
        """Read back what :meth:`to_json` wrote."""
        data: dict[str, Any] = json.loads(text)
        tps = tuple(
            PlannedTakeProfit(
                index=int(tp["index"]),
                price=Decimal(tp["price"]),
                r=Decimal(tp["r"]),
                share_pct=Decimal(tp["share_pct"]),
                amount=Decimal(tp["amount"]),
            )
            for tp in data["take_profits"]
        )
        return cls(
            symbol=data["symbol"],
            side=Side(data["side"]),
            order_type=OrderType(data["order_type"]),
            entry_price=Decimal(data["entry_price"]),
            stop_price=Decimal(data["stop_price"]),
            take_profits=tps,
            amount=Decimal(data["amount"]),
            contract_size=Decimal(data["contract_size"]),
            leverage=int(data["leverage"]),
            equity=Decimal(data["equity"]),
            settle=data["settle"],
            timeframe=data.get("timeframe"),
            strategy=data.get("strategy"),
        )


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def _fmt(value: Decimal) -> str:
    return format_decimal(value)


def build_plan(
    alert: Alert,
    market: Market,
    *,
    equity: Decimal,
    available: Decimal,
    last_price: Decimal,
    rules: PlanRules,
) -> TradePlan:
    """Turn an entry alert into a :class:`TradePlan`.

    Parameters
    ----------
    equity:
        Account equity in the settle currency; risk percentages are of this.
    available:
        Margin free to open the position.
    last_price:
        Current price; the reference entry of a market order.
    """
    if alert.side is None:
        raise PlanError("the alert has no side (buy or sell)")
    side = alert.side
    entry = _entry(alert, side, market, last_price)
    stop = _stop(alert, side, entry, market, rules)
    risk_per_unit = abs(entry - stop) * market.contract_size
    amount = _size(alert, market, entry, risk_per_unit, equity, rules)
    notional = amount * market.contract_size * entry
    _check_limits(market, amount, notional)
    _check_risk(amount * risk_per_unit, equity, rules, market)
    leverage = alert.leverage or rules.default_leverage
    _check_margin(notional, leverage, available, market)
    take_profits = _ladder(alert.take_profits, side, entry, stop, amount, market)
    return TradePlan(
        symbol=market.symbol,
        side=side,
        order_type=alert.order_type,
        entry_price=entry,
        stop_price=stop,
        take_profits=take_profits,
        amount=amount,
        contract_size=market.contract_size,
        leverage=leverage,
        equity=equity,
        settle=market.settle_currency,
        timeframe=alert.interval,
        strategy=alert.strategy,
    )


def _entry(alert: Alert, side: Side, market: Market, last_price: Decimal) -> Decimal:
    """The limit price asked (on the tick, never worse), or the last price for a market order."""
    if alert.order_type is OrderType.LIMIT:
        assert alert.price is not None
        entry = round_limit_entry(alert.price, side, market)
    else:
        entry = last_price
    if entry <= 0:
        raise PlanError("the entry price must be above zero")
    return entry


def _check_risk(risk: Decimal, equity: Decimal, rules: PlanRules, market: Market) -> None:
    risk_pct = risk / equity * HUNDRED if equity > 0 else HUNDRED
    if risk_pct > rules.max_risk_pct:
        raise PlanError(
            f"this trade risks {risk_pct:.2f} % of equity ({_fmt(round(risk, 2))} "
            f"{market.settle_currency}), above the {_fmt(rules.max_risk_pct)} % cap"
        )


def _check_margin(notional: Decimal, leverage: int, available: Decimal, market: Market) -> None:
    margin = notional / leverage
    if margin > available:
        raise PlanError(
            f"the position needs {_fmt(round(margin, 2))} {market.settle_currency} of margin "
            f"at {leverage}x; {_fmt(round(available, 2))} is available"
        )


def _stop(alert: Alert, side: Side, entry: Decimal, market: Market, rules: PlanRules) -> Decimal:
    if alert.stop_loss is not None:
        raw = alert.stop_loss
    elif rules.default_stop_pct is not None:
        raw = entry * (1 - side.sign * rules.default_stop_pct / HUNDRED)
    else:
        raise PlanError("an entry needs a stop loss and no DEFAULT_STOP_PCT is set")
    stop = round_stop(raw, side, market)
    if side.is_long and stop >= entry:
        raise PlanError(
            f"the stop {_fmt(stop)} is not below the entry {_fmt(entry)}: a long's stop "
            "must be under the price"
        )
    if not side.is_long and stop <= entry:
        raise PlanError(
            f"the stop {_fmt(stop)} is not above the entry {_fmt(entry)}: a short's stop "
            "must be over the price"
        )
    return stop


def _size(
    alert: Alert,
    market: Market,
    entry: Decimal,
    risk_per_unit: Decimal,
    equity: Decimal,
    rules: PlanRules,
) -> Decimal:
    if alert.qty is not None:
        raw = alert.qty / market.contract_size
    elif alert.notional is not None:
        raw = alert.notional / (entry * market.contract_size)
    else:
        pct = alert.risk_pct if alert.risk_pct is not None else rules.risk_per_trade_pct
        if pct > rules.max_risk_pct:
            raise PlanError(f"risk_pct {_fmt(pct)} % is above the {_fmt(rules.max_risk_pct)} % cap")
        raw = equity * pct / HUNDRED / risk_per_unit
    return round_amount(raw, market)


def _check_limits(market: Market, amount: Decimal, notional: Decimal) -> None:
    unit = market.base if market.contract_size == 1 else "contracts"
    if amount <= 0 or (market.min_amount is not None and amount < market.min_amount):
        minimum = _fmt(market.min_amount or market.amount_step)
        raise PlanError(
            f"the size {_fmt(amount)} {unit} is under the market minimum of {minimum} {unit}"
        )
    if market.max_amount is not None and amount > market.max_amount:
        raise PlanError(
            f"the size {_fmt(amount)} {unit} is over the market maximum of "
            f"{_fmt(market.max_amount)} {unit}"
        )
    if market.min_cost is not None and notional < market.min_cost:
        raise PlanError(
            f"the order is worth {_fmt(round(notional, 2))} {market.quote}, under the "
            f"minimum of {_fmt(market.min_cost)} {market.quote}"
        )


def _shares(specs: tuple[TakeProfitSpec, ...]) -> list[Decimal]:
    """Effective share of each rung; unspecified rungs split what the others leave."""
    given = sum((s.close_pct for s in specs if s.close_pct is not None), Decimal(0))
    unspecified = [s for s in specs if s.close_pct is None]
    fair = (HUNDRED - given) / len(unspecified) if unspecified else Decimal(0)
    shares = [s.close_pct if s.close_pct is not None else fair for s in specs]
    if shares:
        shares[-1] = HUNDRED - sum(shares[:-1], Decimal(0))  # the last takes what remains
    return shares


def ladder_amounts(total: Decimal, shares: list[Decimal], market: Market) -> list[Decimal]:
    """Split ``total`` by ``shares`` (percent) on the amount step; the last takes the rest."""
    if not shares:
        return []
    weight = sum(shares, Decimal(0))
    amounts = [round_amount(total * share / weight, market) for share in shares[:-1]]
    amounts.append(total - sum(amounts, Decimal(0)))
    return amounts


def _ladder(
    specs: tuple[TakeProfitSpec, ...],
    side: Side,
    entry: Decimal,
    stop: Decimal,
    amount: Decimal,
    market: Market,
) -> tuple[PlannedTakeProfit, ...]:
    if not specs:
        return ()
    risk = abs(entry - stop)
    prices: list[Decimal] = []
    for index, spec in enumerate(specs, start=1):
        raw = spec.price if spec.price is not None else entry + side.sign * risk * (spec.r or 0)
        price = round_take_profit(raw, side, market)
        if side.sign * (price - entry) <= 0:
            where = "above" if side.is_long else "below"
            raise PlanError(
                f"TP{index} {_fmt(price)} is not {where} the entry {_fmt(entry)} for a "
                f"{side.label.lower()}"
            )
        if prices and side.sign * (price - prices[-1]) <= 0:
            raise PlanError(
                f"TP{index} {_fmt(price)} is not beyond TP{index - 1} {_fmt(prices[-1])}: "
                "take-profits go nearest first"
            )
        prices.append(price)
    shares = _shares(specs)
    for index, share in enumerate(shares, start=1):
        if share <= 0:
            raise PlanError(
                f"TP{index} would close nothing: the shares before it already add up to 100 %"
            )
    amounts = ladder_amounts(amount, shares, market)
    for index, part in enumerate(amounts, start=1):
        if part <= 0 or (market.min_amount is not None and part < market.min_amount):
            raise PlanError(
                f"TP{index}'s share ({_fmt(shares[index - 1])} % = {_fmt(part)}) is under the "
                f"market minimum of {_fmt(market.min_amount or market.amount_step)}; use fewer "
                "take-profits or a larger size"
            )
    return tuple(
        PlannedTakeProfit(
            index=index,
            price=price,
            r=(side.sign * (price - entry) / risk).quantize(Decimal("0.01"), ROUND_HALF_EVEN),
            share_pct=share,
            amount=part,
        )
        for index, (price, share, part) in enumerate(zip(prices, shares, amounts, strict=True), 1)
    )
