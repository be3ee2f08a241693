"""Executing approved trades: placing orders once, keeping the protection right, reading fills.

- :mod:`.actions` — the trade's actions (enter, exit, close part, breakeven, cancel, sync);
- :mod:`.upkeep` — the protective orders: what should rest vs what rests (:mod:`.protection`);
- :mod:`.closing` — what the fills mean: breakeven after TP N, and why a trade closed;
- :mod:`.placement` — idempotent order placement under client order ids;
- :mod:`.news` and :mod:`.fills` — recording the exchange's answers, fills and PnL;
- :mod:`.working` — the trade and its orders while an action holds its lock.
"""
