"""Where notifications may be posted: never into the server's own network unless allowed.

A channel URL makes the server send requests on an administrator's word (server-side request
forgery): `http://169.254.169.254/` reads a cloud machine's credentials, `http://127.0.0.1:...`
reaches admin ports that trust local callers. Loopback, link-local, private (RFC 1918, ULA),
shared (CGNAT), unspecified, multicast and reserved addresses are refused when a channel is
added and again at every delivery, on the address actually connected to, so a name that
resolves elsewhere later (DNS rebinding) is caught too.

`STATEWRIGHT_ALLOW_PRIVATE_WEBHOOKS` allows them: `1` for every such address, or a comma list
of addresses and networks (`127.0.0.1,10.20.0.0/16`) for just those.
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import socket
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from runtime.core.errors import EngineError

ALLOW_ENV = "STATEWRIGHT_ALLOW_PRIVATE_WEBHOOKS"
_EVERYTHING = {"1", "true", "yes", "all"}
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT; not `is_private` in 3.11
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network] | None:
    """The networks `ALLOW_ENV` opens (None: every address); raises naming a bad entry."""
    raw = os.environ.get(ALLOW_ENV, "").strip()
    if raw.lower() in _EVERYTHING:
        return None
    networks = []
    for entry in filter(None, (e.strip() for e in raw.split(","))):
        if entry == "0":
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise EngineError(f"{ALLOW_ENV}: {entry!r} is neither an address nor a network "
                              "(use 1, or addresses and networks like 10.20.0.0/16)",
                              {"variable": ALLOW_ENV}) from None
    return networks


def refusal(address: str) -> str | None:
    """Why posting to `address` is refused, or None when it is public or allowed."""
    ip: Address = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    kind = _kind(ip)
    if kind is None:
        return None
    allowed = allowed_networks()
    if allowed is None or any(ip in network for network in allowed):
        return None
    return (f"{ip} is a {kind} address, which notifications may not reach unless "
            f"{ALLOW_ENV} allows it")


def check_url(url: str) -> None:
    """Refuse a channel URL whose host is, or resolves to, an address not allowed. A name
    that does not resolve now is accepted: every delivery checks again."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return  # malformed: the channel's own checks say so
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return
    for address in _addresses(parts.hostname, port):
        reason = refusal(address)
        if reason:
            raise EngineError(f"channel url {url!r} refused: {parts.hostname} -> {reason}",
                              {"field": "url"})


def open_url(request: urllib.request.Request, timeout: float) -> Any:
    """`urlopen` that refuses a connection to an address not allowed. Behind an outgoing
    proxy (`https_proxy`...) the proxy connects, so the target's name is checked instead."""
    host = urlsplit(request.full_url).hostname or ""
    if urllib.request.getproxies() and not urllib.request.proxy_bypass(host):
        check_url(request.full_url)
        return urllib.request.urlopen(request, timeout=timeout)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _GuardedHTTP,
                                         _GuardedHTTPS)
    return opener.open(request, timeout=timeout)


def _kind(ip: Address) -> str | None:
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_unspecified or ip.is_multicast or ip.is_reserved:
        return "non-routable"
    if ip.is_private or ip in _SHARED:
        return "private"
    return None


def _addresses(host: str, port: int) -> list[str]:
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(host, port,
                                                                 type=socket.SOCK_STREAM)})
    except (socket.gaierror, UnicodeError):
        return []


def _connect(address: tuple[str, int], timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT,
             source_address: Any = None) -> socket.socket:
    """`socket.create_connection`, skipping (and finally refusing) addresses not allowed."""
    host, port = address
    last: OSError | None = None
    for family, kind, proto, _, peer in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        reason = refusal(peer[0])
        if reason:
            last = OSError(f"refused: {host} -> {reason}")
            continue
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(peer)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
    raise last or OSError(f"{host} resolves to no address")


class _GuardedConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect


class _GuardedTLSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect


class _GuardedHTTP(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_GuardedConnection, req)


class _GuardedHTTPS(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_GuardedTLSConnection, req, context=self._context)
