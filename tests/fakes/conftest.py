"""Fixtures of the fake-exchange tests: real ccxt clients of the test module's ``fake``.

Each module defines ``fake``, the fake exchange it drives; ``ex``, ``quick`` and ``pro``
are clients of that fake (:mod:`tests.fakes.clients`), markets loaded, closed after the
test. A module may define its own ``ex`` instead (a shorter timeout, say).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.fakes.clients import pro_session, rest_session
from tests.fakes.exchange import FakeExchange


@pytest.fixture
async def ex(fake: FakeExchange) -> AsyncIterator[Any]:
    """A REST client (``ccxt.async_support``) with a 5 s timeout."""
    async with rest_session(fake) as exchange:
        yield exchange


@pytest.fixture
async def quick(fake: FakeExchange) -> AsyncIterator[Any]:
    """A REST client with a 500 ms timeout, for the hanging faults."""
    async with rest_session(fake, timeout_ms=500) as exchange:
        yield exchange


@pytest.fixture
async def pro(fake: FakeExchange) -> AsyncIterator[Any]:
    """A websocket client (``ccxt.pro``) with a 5 s timeout."""
    async with pro_session(fake) as exchange:
        yield exchange
