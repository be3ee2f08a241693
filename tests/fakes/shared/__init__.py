"""What the fake exchanges (``tests/fakes/binance``, ``tests/fakes/bybit``) share.

Only logic that is the same on both exchanges lives here; JSON shapes, error codes, order
types and the like stay in each exchange's package.

- :mod:`.decimals`: ``ZERO``, exact ``Decimal`` conversion, decimal places;
- :mod:`.errors`: the base of an exchange's coded refusal;
- :mod:`.klines`: candles loaded by tests and served, resampled, on the kline endpoints;
- :mod:`.matching`: the engines' price walk (jumps, candles, orders reached on the way) and
  one-way position maths;
- :mod:`.rest_faults`: leg faults, gateway pages and hanging requests of the REST side;
- :mod:`.stream_faults`: the websocket fan-out with its lose/duplicate/delay controls;
- :mod:`.ledger`: the protection ledger of :mod:`tests.fakes.exchange`;
- :mod:`.tls`: loopback listeners and the self-signed certificate;
- :mod:`.front`: the test-facing class both fakes build on (lifecycle, controls, views).

Nothing is imported here, so that importing one module does not import them all.
"""
