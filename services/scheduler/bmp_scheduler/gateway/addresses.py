"""Where a gateway request comes from, and whether that is the address reserved for the machine.

The provisioning network is hostile: any machine on it can call the gateway. The one thing it
cannot choose is the address the DHCP reservation gives another machine's MAC (the job's
``agent_address``), so the token is handed out, and the agent's calls are taken, only from there.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    """The request's source address, normalised; "" when it is not an address.

    Behind a reverse proxy, only the header named by BMP_GATEWAY_CLIENT_IP_HEADER, which the
    proxy sets; of a list (X-Forwarded-For), the last entry: the one the proxy appended.
    """
    header = settings.BMP_GATEWAY_CLIENT_IP_HEADER
    if header:
        raw = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        raw = raw.rsplit(",", 1)[-1]
    else:
        raw = request.META.get("REMOTE_ADDR", "")
    return _normalised(raw)


def _normalised(raw: str) -> str:
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        return ""
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:10.0.0.5 from a dual-stack socket
    return str(mapped or address)


def is_reserved_address(source: str, reserved: str) -> bool:
    """``source`` is the machine's reserved address (never true when either is unknown)."""
    return bool(source) and source == _normalised(reserved)
