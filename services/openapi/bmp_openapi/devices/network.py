"""Address rules of a device: the formats (``fields.py`` applies them) and how the settings
fit together.

The formats are what the contract says of each field (``parts/device.yaml``): MACs as six
colon- or dash-separated octets of a unicast address, IPv4 and IPv6 addresses as the ``ipv4`` /
``ipv6`` formats, the netmask from a fixed list. Whether the settings fit together (the address
is a host of its subnet, the gateway is in it) is not something a schema can say: the services
check it with ``check_addressing``.
"""

from __future__ import annotations

import ipaddress

from bmp_common.errors import BmpError
from bmp_openapi.devices.error_codes import (
    ADDRESS_IS_GATEWAY,
    GATEWAY_OUTSIDE_SUBNET,
    NOT_A_HOST_ADDRESS,
    SAME_MAC,
)

# A unicast MAC (the least significant bit of the first octet clear), ":" or "-" separated.
MAC_PATTERN = r"^[0-9A-Fa-f][02468ACEace]([:-][0-9A-Fa-f]{2}){5}$"
MAC_LENGTH = 17
# An SN names the device in agent messages and file names: letters, digits, ".", "_", "-".
SN_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z._-]*$"
IPV4_LENGTH = 15
IPV6_LENGTH = 45
# Netmasks of subnets with room for a gateway and hosts: /8 to /30.
NETMASKS = tuple(str(ipaddress.IPv4Network(f"0.0.0.0/{bits}").netmask) for bits in range(8, 31))


def normalise_mac(value: str) -> str:
    return value.replace("-", ":").lower()


def check_addressing(settings: dict, *, prefix: str = "") -> None:
    """Raises a 400 naming ``<prefix><field>`` unless the settings (API names) fit together."""
    address = ipaddress.IPv4Address(settings["privateIpv4"])
    gateway = ipaddress.IPv4Address(settings["gateway"])
    subnet = ipaddress.IPv4Network(f"{address}/{settings['mask']}", strict=False)
    hosts = (subnet.network_address, subnet.broadcast_address)
    if address in hosts:
        raise BmpError(
            NOT_A_HOST_ADDRESS, field=f"{prefix}privateIpv4", address=address, subnet=subnet
        )
    if gateway not in subnet:
        raise BmpError(
            GATEWAY_OUTSIDE_SUBNET, field=f"{prefix}gateway", gateway=gateway, subnet=subnet
        )
    if gateway in hosts:
        raise BmpError(NOT_A_HOST_ADDRESS, field=f"{prefix}gateway", address=gateway, subnet=subnet)
    if address == gateway:
        raise BmpError(ADDRESS_IS_GATEWAY, field=f"{prefix}privateIpv4", address=address)
    if settings.get("mac2") and settings["mac2"] == settings["mac1"]:
        raise BmpError(SAME_MAC, field=f"{prefix}mac2")
