"""A per-sender token bucket: ``WEBHOOK_RATE_LIMIT`` alerts a minute, then 429."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["RateLimiter"]


class RateLimiter:
    """Allows ``per_minute`` requests a minute per key, with bursts up to the same number."""

    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self._capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str) -> bool:
        """Take one token for ``key``; ``False`` when its bucket is empty."""
        now = self._clock()
        tokens, last = self._buckets.get(key, (self._capacity, now))
        tokens = min(self._capacity, tokens + (now - last) * self._rate)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        if len(self._buckets) >= self._max_keys and key not in self._buckets:
            self._forget_full(now)
        self._buckets[key] = (tokens, now)
        return allowed

    def retry_after(self, key: str) -> int:
        """Whole seconds until ``key`` has a token again."""
        tokens, _ = self._buckets.get(key, (self._capacity, 0.0))
        return max(1, int((1.0 - tokens) / self._rate + 0.999))

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled: they hold no information."""
        full = [
            key
            for key, (tokens, last) in self._buckets.items()
            if tokens + (now - last) * self._rate >= self._capacity
        ]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= self._max_keys:  # still full: forget the oldest half
            for key in sorted(self._buckets, key=lambda k: self._buckets[k][1])[
                : self._max_keys // 2
            ]:
                del self._buckets[key]
