"""Binance's error codes and messages, and the refusal the fake Binance answers with them."""

from __future__ import annotations

from ..shared.errors import ExchangeRejection

__all__ = ["BinanceError", "fail"]

_MESSAGES = {
    -1000: "{}",
    -1020: "{}",
    -1021: "Timestamp for this request is outside of the recvWindow.",
    -1022: "Signature for this request is not valid.",
    -1023: "Start time is greater than end time.",
    -1100: "Illegal characters found in parameter '{}'.",
    -1102: "Mandatory parameter '{}' was not sent, was empty/null, or malformed.",
    -1106: "Parameter '{}' sent when not required.",
    -1111: "Precision is over the maximum defined for this asset.",
    -1115: "Invalid timeInForce.",
    -1116: "Invalid orderType.",
    -1117: "Invalid side.",
    -1120: "Invalid interval.",
    -1121: "Invalid symbol.",
    -1125: "This listenKey does not exist.",
    -1130: "Data sent for parameter '{}' is not valid.",
    -1131: "recvWindow must be less than 60000",
    -2011: "Unknown order sent.",
    -2013: "Order does not exist.",
    -2014: "API-key format invalid.",
    -2015: "Invalid API-key, IP, or permissions for action.",
    -2019: "Margin is insufficient.",
    -2021: "Order would immediately trigger.",
    -2022: "ReduceOnly Order is rejected.",
    -2027: "Exceeded the maximum allowable position at current leverage.",
    -2028: "Leverage is smaller than permitted: insufficient margin balance",
    -4001: "Price less than 0.",
    -4002: "Price greater than max price.",
    -4003: "Quantity less than or equal to zero.",
    -4004: "Quantity less than min quantity.",
    -4005: "Quantity greater than max quantity.",
    -4013: "Price less than min price.",
    -4014: "Price not increased by tick size.",
    -4015: "Client order id is not valid.",
    -4016: "Limit price can't be higher than {}.",
    -4023: "Quantity not increased by step size.",
    -4024: "Limit price can't be lower than {}.",
    -4028: "Leverage {} is not valid",
    -4045: "Reach max stop order limit.",
    -4046: "No need to change margin type.",
    -4047: "Margin type cannot be changed if there exists open orders.",
    -4048: "Margin type cannot be changed if there exists position.",
    -4059: "No need to change position side.",
    -4061: "Order's position side does not match user's setting.",
    -4067: "Position side cannot be changed if there exists open orders.",
    -4068: "Position side cannot be changed if there exists position.",
    -4116: "ClientOrderId is duplicated.",
    -4120: "Order type not supported for this endpoint. "
    "Please use the Algo Order API endpoints instead.",
    -4136: "Target strategy invalid for orderType {},closePosition true",
    -4164: "Order's notional must be no smaller than {} (unless you choose reduce only).",
    -5021: "Due to the order could not be filled immediately, the FOK order has been rejected.",
    -5022: "Due to the order could not be executed as maker, the Post Only order will be rejected.",
}


class BinanceError(ExchangeRejection):
    """A rejection, answered as ``{"code": code, "msg": msg}`` with HTTP ``status`` (400)."""

    default_status = 400


def fail(code: int, *args: object, status: int = 400) -> BinanceError:
    """The error Binance answers with ``code`` (its usual message, ``args`` filled in)."""
    return BinanceError(code, _MESSAGES[code].format(*args), status)
