"""Who is calling: the client's address, the one place it is read.

The address keys the rate limits and the per-account sign-in throttle, so a
caller must not be able to choose it. `X-Forwarded-For` is believed only when
the direct peer is one of `QIHUI_TRUSTED_PROXIES` (default: none), and then
only its right-most entry that is not itself a trusted proxy: every proxy
appends the address it saw, so what lies left of that was written by the
client and may be anything.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from litestar.connection import ASGIConnection

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

UNKNOWN = "unknown"


def client_address(request: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The calling client's address, as a string (`unknown` when there is no peer)."""
    peer = request.client.host if request.client else None
    if not peer:
        return UNKNOWN
    trusted = _networks(tuple(request.app.state.platform.settings.trusted_proxies))
    return resolve(peer, request.headers.getall("x-forwarded-for", []), trusted)


def resolve(peer: str, forwarded_for: list[str], trusted: tuple[Network, ...]) -> str:
    """The client behind `peer` given the X-Forwarded-For header lines and the trusted proxies."""
    peer_address = parse_address(peer)
    if peer_address is None or not _is_trusted(peer_address, trusted):
        return str(peer_address) if peer_address is not None else peer
    hops = [hop.strip() for line in forwarded_for for hop in line.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            # A trusted proxy wrote something unreadable: count the proxy itself.
            return str(peer_address)
        if not _is_trusted(address, trusted):
            return str(address)
    # Only trusted proxies on the way (a proxy calling for itself): the first one.
    first = parse_address(hops[0]) if hops else None
    return str(first or peer_address)


def parse_address(text: str) -> Address | None:
    """An IP address, also written with a port (`1.2.3.4:5678`, `[::1]:80`)."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1:text.index("]")]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: Address, trusted: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in trusted)


@lru_cache(maxsize=8)
def _networks(specs: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(s, strict=False) for s in specs)
