"""The fan-out of a fake's private websocket, through the stream fault controls.

A stream hands every message it means to push to :meth:`FaultyFanOut.push`; the controls
decide what goes out now: the next messages can be lost, sent twice, or held back and sent
after the following one. Which sockets a message goes to (Binance: every user-data socket;
Bybit: the sockets subscribed to its topic) is the stream's own :meth:`~FaultyFanOut._deliver`.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["FaultyFanOut"]

Message = dict[str, Any]


class FaultyFanOut:
    """Pushed and sent messages of a stream, and its lose/duplicate/delay controls."""

    def __init__(self) -> None:
        self.pushed: list[Message] = []  # every message meant for the sockets, in order
        self.sent: list[Message] = []  # what actually went out, faults applied
        self._lose = self._duplicate = self._delay = 0
        self._held: list[Message] = []

    def lose_next(self, n: int = 1) -> None:
        """The next ``n`` pushed messages are silently not sent."""
        self._lose += n

    def duplicate_next(self, n: int = 1) -> None:
        """The next ``n`` pushed messages are sent twice in a row."""
        self._duplicate += n

    def delay_next(self, n: int = 1) -> None:
        """The next ``n`` pushed messages are held back until the following one is sent."""
        self._delay += n

    def push(self, message: Message) -> None:
        """Record ``message`` as pushed and send what the fault controls let out now: nothing
        (lost or held back), or it (twice when duplicated) followed by the held-back ones.
        """
        self.pushed.append(message)
        if self._lose:
            self._lose -= 1
            return
        if self._delay:
            self._delay -= 1
            self._held.append(message)
            return
        copies = 1
        if self._duplicate:
            self._duplicate -= 1
            copies = 2
        outgoing, self._held = [message] * copies + self._held, []
        for out in outgoing:
            self.sent.append(out)
            self._deliver(out, json.dumps(out, separators=(",", ":")))

    def _deliver(self, message: Message, text: str) -> None:
        """Queue ``text`` (``message`` as compact JSON) on the sockets that get it."""
        raise NotImplementedError
