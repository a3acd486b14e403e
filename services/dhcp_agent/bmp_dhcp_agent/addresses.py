"""Validation and normal forms of what the host table stores: MACs, IPv4 addresses, masks, names.

Every function takes what a caller sent (usually a string from a message) and returns the one
canonical spelling, or raises ``InvalidValue`` with a sentence naming the field and the value.
"""

from __future__ import annotations

import ipaddress
import re

from bmp_dhcp_agent.errors import InvalidValue

# 52:54:00:ab:cd:ef, 52-54-00-AB-CD-EF (1 or 2 digits a group), 5254.00ab.cdef, 525400abcdef
_MAC_GROUPS = re.compile(r"^[0-9a-f]{1,2}([:-])(?:[0-9a-f]{1,2}\1){4}[0-9a-f]{1,2}$")
_MAC_DOTTED = re.compile(r"^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$")
_MAC_BARE = re.compile(r"^[0-9a-f]{12}$")
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$", re.IGNORECASE)


def _text(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(f"{field} must be a non-empty string, got {value!r}")
    return value.strip()


def normalize_mac(value: object, field: str = "mac") -> str:
    """``52:54:00:ab:cd:ef`` from any common spelling of a unicast MAC address."""
    text = _text(value, field).lower()
    if _MAC_GROUPS.match(text):
        digits = "".join(group.zfill(2) for group in re.split(r"[:-]", text))
    elif _MAC_DOTTED.match(text):
        digits = text.replace(".", "")
    elif _MAC_BARE.match(text):
        digits = text
    else:
        raise InvalidValue(
            f"{field} {value!r} is not a MAC address (expected six hex bytes such as "
            "52:54:00:12:34:56)"
        )
    octets = [digits[i : i + 2] for i in range(0, 12, 2)]
    if int(octets[0], 16) & 1:
        # The group bit: multicast and broadcast addresses never belong to one NIC.
        raise InvalidValue(f"{field} {value!r} is a multicast/broadcast MAC, not a NIC's address")
    if digits == "0" * 12:
        raise InvalidValue(f"{field} {value!r} is the all-zero MAC, not a NIC's address")
    return ":".join(octets)


def normalize_ipv4(value: object, field: str = "ip") -> str:
    """A dotted-quad IPv4 address (no leading zeros, no IPv6)."""
    text = _text(value, field)
    try:
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        raise InvalidValue(f"{field} {value!r} is not an IPv4 address") from None


def normalize_host_ip(value: object, field: str = "ip") -> str:
    """An IPv4 address a single server can hold (not 0.0.0.0, multicast or broadcast)."""
    ip = ipaddress.IPv4Address(normalize_ipv4(value, field))
    if ip.is_unspecified or ip.is_multicast or ip == ipaddress.IPv4Address("255.255.255.255"):
        raise InvalidValue(f"{field} {value!r} cannot be reserved for a server")
    return str(ip)


def normalize_mask(value: object, field: str = "subnet_mask") -> str:
    """A dotted netmask (``255.255.255.0``) from a netmask or a prefix length (``24``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text = _text(value, field).lstrip("/")
    try:
        if "." in text:
            # ipaddress would also accept a host mask (0.0.0.255): insist on leading ones.
            mask = ipaddress.IPv4Address(text)
            network = ipaddress.IPv4Network(f"0.0.0.0/{text}")
            if network.netmask != mask:
                raise ValueError
        else:
            network = ipaddress.IPv4Network(f"0.0.0.0/{int(text)}")
    except ValueError:
        raise InvalidValue(
            f"{field} {value!r} is not a netmask (expected e.g. 255.255.255.0 or 24)"
        ) from None
    return str(network.netmask)


def network_of(network: object, mask: object) -> ipaddress.IPv4Network:
    """The subnet ``network``/``mask``; ``network`` must be its network address."""
    address = normalize_ipv4(network, "subnet")
    netmask = normalize_mask(mask)
    subnet = ipaddress.IPv4Network(f"{address}/{netmask}", strict=False)
    if str(subnet.network_address) != address:
        raise InvalidValue(
            f"subnet {address} is not a network address for mask {netmask} "
            f"(the network is {subnet.network_address})"
        )
    return subnet


def normalize_address_list(value: object, field: str) -> tuple[str, ...]:
    """IPv4 addresses from a list or a comma-separated string, deduplicated in order."""
    if value is None or value == "":
        return ()
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise InvalidValue(f"{field} must be an address or a list of addresses, got {value!r}")
    addresses = [normalize_ipv4(item, field) for item in items if not _blank(item)]
    return tuple(dict.fromkeys(addresses))


def _blank(item: object) -> bool:
    return isinstance(item, str) and not item.strip()


def normalize_hostname(value: object, field: str = "hostname") -> str | None:
    """An RFC 1123 host name (lower-cased), or None when none is given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = _text(value, field).rstrip(".").lower()
    if len(text) > 253 or not all(_HOST_LABEL.match(label) for label in text.split(".")):
        raise InvalidValue(
            f"{field} {value!r} is not a host name (letters, digits and '-', "
            "dot-separated labels of at most 63 characters)"
        )
    return text
