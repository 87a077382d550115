"""Where a webhook may point: public addresses only, unless allowed for on-premise receivers.

Checked twice: the URL when it is registered (address literals, `localhost`, credentials), and every
address a host name resolves to right before the sender connects, because what a name resolves to
is up to whoever runs its DNS and can change after registration.
"""

import ipaddress
import os
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
ALLOW_PRIVATE_VARIABLE = "WORKBENCH_WEBHOOK_ALLOW_PRIVATE"
ALLOW_HINT = f"; set {ALLOW_PRIVATE_VARIABLE}=1 to allow on-premise receivers"
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class TargetRefused(ValueError):
    """A webhook target the workbench will not connect to; the message says why, without secrets."""


@dataclass(frozen=True)
class AddressClass:
    """A range webhooks must not reach, and whether the admin setting may open it."""

    description: str
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    allowable: bool


def _networks(*cidrs: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(cidr) for cidr in cidrs)


# In order: the first class an address falls in names it. On-premise receivers live in the
# allowable ones; nothing legitimate listens on the others, and link-local holds cloud metadata.
ADDRESS_CLASSES = (
    AddressClass("an unspecified address", _networks("0.0.0.0/8", "::/128"), allowable=False),
    AddressClass("a loopback address", _networks("127.0.0.0/8", "::1/128"), allowable=True),
    AddressClass("a link-local address, where cloud metadata services answer",
                 _networks("169.254.0.0/16", "fe80::/10"), allowable=False),
    AddressClass("a multicast address", _networks("224.0.0.0/4", "ff00::/8"), allowable=False),
    AddressClass("a private address (RFC 1918 or IPv6 unique local fc00::/7)",
                 _networks("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"), allowable=True),
    AddressClass("a shared address (CGNAT, 100.64.0.0/10)", _networks("100.64.0.0/10"), allowable=True),
    AddressClass("a reserved address", _networks("240.0.0.0/4", "::/8"), allowable=False),
)
NOT_PUBLIC = AddressClass("not a publicly routable address", (), allowable=True)


def private_targets_allowed() -> bool:
    """Whether the admin allows webhooks to private and loopback addresses (on-premise receivers)."""
    return os.environ.get(ALLOW_PRIVATE_VARIABLE, "").strip().lower() in {"1", "true", "yes"}


def classify(address: IPAddress) -> AddressClass | None:
    """The class of internal address `address` is in (IPv4 embedded in IPv6 counts), or None if public."""
    if isinstance(address, ipaddress.IPv6Address) and (embedded := _embedded_ipv4(address)):
        return classify(embedded)
    for address_class in ADDRESS_CLASSES:
        if any(address in network for network in address_class.networks):
            return address_class
    return None if address.is_global else NOT_PUBLIC


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    # These IPv6 forms reach the IPv4 address inside them, so that address is the one to judge.
    if address.ipv4_mapped or address.sixtofour:
        return address.ipv4_mapped or address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_problem(address: str) -> str | None:
    """Why connecting to `address` is refused under the current setting, or None if it is fine."""
    found = classify(ipaddress.ip_address(address))
    if found is None or (found.allowable and private_targets_allowed()):
        return None
    return found.description + (ALLOW_HINT if found.allowable else "")


def check_url_form(url: str) -> str:
    """The stripped URL if it is http(s) with a host and no credentials; otherwise raise `TargetRefused`."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused("a webhook URL must be http:// or https:// with a host")
    if "@" in parts.netloc:
        raise TargetRefused("a webhook URL must not carry credentials (user:password@): they would be "
                            "stored and shown; receivers authenticate deliveries by their signature")
    return url


def check_url(url: str) -> str:
    """`check_url_form`, and no internal address literal or `localhost` (names resolve at delivery)."""
    url = check_url_form(url)
    host = (urlsplit(url).hostname or "").rstrip(".")
    literal = _address_literal(host)
    problem = address_problem(literal) if literal else _name_problem(host)
    if problem:
        raise TargetRefused(f"a webhook URL must not point at {host}: {problem}")
    return url


def _address_literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:  # `127.1`, `2130706433`, `0x7f000001`: the resolver reads these as IPv4 addresses too
        return socket.inet_ntoa(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def _name_problem(host: str) -> str | None:
    # Names are resolved only at delivery; `localhost` is loopback by definition (RFC 6761).
    if host == "localhost" or host.endswith(".localhost"):
        return address_problem("127.0.0.1")
    return None


def resolve_checked(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, once, each checked; raise `TargetRefused` if any is refused."""
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)  # OSError if it cannot resolve
    addresses = list(dict.fromkeys(str(answer[4][0]) for answer in answers))
    for address in addresses:
        # A scope id (`fe80::1%eth0`) is not part of the address's class.
        if problem := address_problem(address.partition("%")[0]):
            target = host if host == address else f"{host} resolves to {address}"
            raise TargetRefused(f"{target}: {problem}")
    return addresses


def mask_userinfo(url: str) -> str:
    """`url` with any `user:password@` replaced by `***@`, for showing rows stored before the rule."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]))
