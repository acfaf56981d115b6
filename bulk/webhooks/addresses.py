"""Where a webhook may send: https only, to public addresses only, so that a webhook never
becomes a way into the server's own network (loopback, private, link-local, unspecified,
multicast or reserved addresses are refused). Checked when a webhook is written, and again
on every delivery against the addresses the name resolves to then (DNS rebinding): the
delivery connects to the address checked. BULKPORT_WEBHOOKS_ALLOW_PRIVATE=1 lifts both rules.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit


class Refused(Exception):
    """A callback URL the rule refuses; the message says which rule."""


@dataclass(frozen=True)
class Target:
    url: SplitResult
    host: str  # as the URL names it: TLS verifies the certificate against it
    address: str  # the checked address to connect to
    port: int


def _kind(address: str) -> str | None:
    """What makes an address unfit for a callback, or None for a public one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind, flag in (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("unspecified", ip.is_unspecified),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved or not ip.is_global),
    ):
        if flag:
            return kind
    return None


def _addresses(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(f"must name a host that resolves ({host} does not)") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check(url: str, allow_private: bool) -> Target:
    """The address a delivery to ``url`` connects to, every address of its host checked."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise Refused("must be a valid URL") from exc
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise Refused("must be an https URL")
    host = parts.hostname
    if not host:
        raise Refused("must be a valid URL")
    addresses = _addresses(host, port)
    if not allow_private:
        for address in addresses:
            if kind := _kind(address):
                article = "an" if kind[0] in "aeiou" else "a"
                raise Refused(
                    f"must not resolve to {article} {kind} address ({host} resolves to {address})"
                )
    return Target(parts, host, addresses[0], port)
