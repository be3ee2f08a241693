"""Who sent a request: the client address behind trusted proxies, and the allowlist."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

__all__ = ["TRADINGVIEW_SENDERS", "SenderPolicy"]

#: TradingView's published webhook senders (tradingview.com/support/solutions/43000529348).
TRADINGVIEW_SENDERS = ("52.89.214.238", "34.212.75.30", "54.218.53.128", "52.32.178.7")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(items: Iterable[str]) -> tuple[Network, ...]:
    networks: list[Network] = []
    for item in items:
        if item.strip().lower() == "tradingview":
            networks.extend(ipaddress.ip_network(ip) for ip in TRADINGVIEW_SENDERS)
        else:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
    return tuple(networks)


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


class SenderPolicy:
    """Resolves the sender's address and decides whether it may post alerts.

    ``X-Forwarded-For`` is believed only when the connection comes from a trusted proxy; the
    sender is then the right-most address that is not itself a trusted proxy.
    """

    def __init__(self, allowed: Iterable[str] = (), trusted_proxies: Iterable[str] = ()) -> None:
        self._allowed = _networks(allowed)
        self._trusted = _networks(trusted_proxies)

    def _is_trusted(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(address in network for network in self._trusted)

    def client_address(self, peer: str | None, forwarded_for: str | None) -> str:
        """The sender's address as text (``"unknown"`` when there is none)."""
        address = _address(peer)
        if address is None:
            return "unknown"
        if forwarded_for and self._trusted and self._is_trusted(address):
            hops = [_address(hop) for hop in forwarded_for.split(",")]
            for hop in reversed(hops):
                if hop is None:
                    break  # a malformed hop: stop believing the header there
                address = hop
                if not self._is_trusted(hop):
                    break
        return str(address)

    def is_allowed(self, client: str) -> bool:
        """True when no allowlist is set, or ``client`` is on it."""
        if not self._allowed:
            return True
        address = _address(client)
        return address is not None and any(address in network for network in self._allowed)
