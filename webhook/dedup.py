"""Recognising a repeat of an alert: the same ``id``, or the same body within the window.

The index lives in memory (rebuilt from the store at start-up) so the hot path never waits on
a query. An entry is *reserved* before its alert is written: a concurrent repeat waits for
that write and is answered ``duplicate`` only once the original is safely stored.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

__all__ = ["Deduplicator", "Reservation"]

#: Explicit ``id`` keys are remembered at least this long (as payment APIs do).
ID_WINDOW_S = 24 * 3600


@dataclass(slots=True)
class _Entry:
    alert_id: str
    at: float
    storing: bool = False  # reserved, its write not finished yet
    stored: asyncio.Future[bool] | None = None  # made only when a repeat has to wait


@dataclass(slots=True)
class Reservation:
    """A claim on a key and body hash while the alert is being stored."""

    alert_id: str
    key: str | None
    body_hash: str
    entry: _Entry = field(repr=False)


class Deduplicator:
    """In-memory index of accepted alerts by idempotency key and body hash."""

    def __init__(self, window_s: float, *, clock: Callable[[], float] = time.time) -> None:
        self._window = float(window_s)
        self._id_window = max(self._window, ID_WINDOW_S)
        self._clock = clock
        self._by_key: dict[str, _Entry] = {}
        self._by_hash: dict[str, _Entry] = {}
        self._expiry: deque[tuple[float, str | None, str]] = deque()

    def load(self, accepted: Iterable[tuple[str, str | None, str, float]]) -> None:
        """Seed from stored alerts ``(alert_id, key, body_hash, epoch_s)``, oldest first."""
        for alert_id, key, body_hash, at in accepted:
            self._remember(_Entry(alert_id, at), key, body_hash)

    async def find_or_reserve(
        self, key: str | None, body_hash: str, alert_id: str
    ) -> str | Reservation:
        """The id of the alert this one repeats, or a :class:`Reservation` for a new one."""
        while True:
            now = self._clock()
            self._prune(now)
            entry = self._by_key.get(key) if key else None
            if entry is None and self._window > 0:
                found = self._by_hash.get(body_hash)
                if found is not None and now - found.at <= self._window:
                    entry = found
            if entry is None:
                reserved = _Entry(alert_id, now, storing=True)
                self._remember(reserved, key, body_hash)
                return Reservation(alert_id, key, body_hash, reserved)
            if not entry.storing:
                return entry.alert_id
            if entry.stored is None:
                entry.stored = asyncio.get_running_loop().create_future()
            await asyncio.shield(entry.stored)  # the original is being written: wait for it

    def confirm(self, reservation: Reservation) -> None:
        """The reserved alert is stored: repeats now see it as the original."""
        self._settle(reservation.entry, stored=True)

    def release(self, reservation: Reservation) -> None:
        """The reserved alert could not be stored: forget it so a resend is accepted."""
        if reservation.key and self._by_key.get(reservation.key) is reservation.entry:
            del self._by_key[reservation.key]
        if self._by_hash.get(reservation.body_hash) is reservation.entry:
            del self._by_hash[reservation.body_hash]
        self._settle(reservation.entry, stored=False)

    @staticmethod
    def _settle(entry: _Entry, *, stored: bool) -> None:
        entry.storing = False
        future, entry.stored = entry.stored, None
        if future is not None and not future.done():
            future.set_result(stored)

    def _remember(self, entry: _Entry, key: str | None, body_hash: str) -> None:
        if key:
            self._by_key[key] = entry
        self._by_hash[body_hash] = entry
        self._expiry.append((entry.at, key, body_hash))

    def _prune(self, now: float) -> None:
        horizon = now - self._id_window
        while self._expiry and self._expiry[0][0] < horizon:
            at, key, body_hash = self._expiry.popleft()
            if key and (entry := self._by_key.get(key)) is not None and entry.at == at:
                del self._by_key[key]
            if (entry := self._by_hash.get(body_hash)) is not None and entry.at == at:
                del self._by_hash[body_hash]
