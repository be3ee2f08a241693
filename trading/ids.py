"""Short, time-ordered, URL- and custom_id-safe identifiers."""

from __future__ import annotations

import random
import threading
import time

__all__ = ["new_id"]

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
_RANDOM_BITS = 35
_lock = threading.Lock()
_last = 0


def _base32(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, digit = divmod(number, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def new_id(now_ms: int | None = None) -> str:
    """A 16-character id: 9 characters of milliseconds, then 7 random ones (35 bits).

    Ids sort by creation time (strictly increasing within a process), fit Discord's
    ``custom_id`` and exchanges' client order ids with room to spare, and use only ``[0-9a-z]``.
    """
    global _last
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    value = (ms << _RANDOM_BITS) | random.getrandbits(_RANDOM_BITS)  # unique, not secret
    with _lock:
        if value <= _last:
            value = _last + 1
        _last = value
    return _base32(value, 16)
