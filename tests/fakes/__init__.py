"""Fakes that speak the real protocols at the network edges (Discord, Binance USD-M, Bybit v5)."""
