"""Real ccxt clients (REST and pro) pointed at a fake exchange, for the tests.

The client class is the fake's ``ccxt_id`` (``binanceusdm`` or ``bybit``), built with its
:meth:`~tests.fakes.exchange.FakeExchange.ccxt_config` and markets already loaded.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import ccxt.async_support as ccxt_async
import ccxt.pro as ccxt_pro

from tests.fakes.exchange import FakeExchange

__all__ = ["pro_client", "pro_session", "rest_client", "rest_session"]


async def rest_client(fake: FakeExchange, timeout_ms: int = 5000, **extra: object) -> Any:
    """``ccxt.async_support.<ccxt_id>`` on the fake, markets loaded (the caller closes it)."""
    return await _loaded(ccxt_async, fake, {"timeout": timeout_ms, **extra})


async def pro_client(fake: FakeExchange, timeout_ms: int = 5000, **extra: object) -> Any:
    """``ccxt.pro.<ccxt_id>`` on the fake (the same config), markets loaded."""
    return await _loaded(ccxt_pro, fake, {"timeout": timeout_ms, **extra})


async def _loaded(flavour: Any, fake: FakeExchange, extra: dict[str, object]) -> Any:
    exchange = getattr(flavour, fake.ccxt_id)({**fake.ccxt_config(), **extra})
    try:
        await exchange.load_markets()
    except BaseException:
        await exchange.close()
        raise
    return exchange


def rest_session(
    fake: FakeExchange, timeout_ms: int = 5000, **extra: object
) -> contextlib.AbstractAsyncContextManager[Any]:
    """:func:`rest_client`, closed on the way out."""
    return _closing(rest_client(fake, timeout_ms, **extra))


def pro_session(
    fake: FakeExchange, timeout_ms: int = 5000, **extra: object
) -> contextlib.AbstractAsyncContextManager[Any]:
    """:func:`pro_client`, closed on the way out."""
    return _closing(pro_client(fake, timeout_ms, **extra))


@contextlib.asynccontextmanager
async def _closing(opening: Awaitable[Any]) -> AsyncIterator[Any]:
    exchange = await opening
    try:
        yield exchange
    finally:
        await exchange.close()
