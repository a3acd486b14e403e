"""DHCP step actions: one function per upstream command, each turning params into a table change.

``run_action`` never raises for a bad request: it returns an ``Outcome`` that is either ok with
``data`` (what the table now says) or failed with error ``"ERROR"`` (upstream's generic status
code) and ``data["message"]``, a sentence for people.
"""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
from collections.abc import Callable
from typing import Any

from bmp_common import env
from bmp_common.messages import actions
from bmp_common.messages.steps import STEP_FAILED, STEP_OK
from bmp_dhcp_agent.addresses import normalize_ipv4
from bmp_dhcp_agent.errors import HostTableError, InvalidValue
from bmp_dhcp_agent.hosts import HostTable

log = logging.getLogger(__name__)

ERROR = "ERROR"


@dataclasses.dataclass(frozen=True)
class Outcome:
    status: str  # STEP_OK or STEP_FAILED
    data: dict[str, Any]
    error: str | None = None

    @classmethod
    def ok(cls, **data: Any) -> Outcome:
        return cls(STEP_OK, data)

    @classmethod
    def failed(cls, message: str) -> Outcome:
        return cls(STEP_FAILED, {"message": message}, ERROR)


def _param(action: str, params: dict, name: str, example: str) -> Any:
    value = params.get(name)
    if value is None or value == "":
        raise InvalidValue(f"{action} needs params.{name} ({example})")
    return value


def add_host(table: HostTable, params: dict) -> Outcome:
    change = table.add_host(
        mac=_param(actions.DHCP_ADD_HOST, params, "mac", "a MAC such as 52:54:00:12:34:56"),
        ip=_param(actions.DHCP_ADD_HOST, params, "ip", "an IPv4 address such as 10.0.0.5"),
        hostname=params.get("hostname"),
    )
    subnet = table.subnet_of(change.current.ip)
    return Outcome.ok(
        host=change.current.to_dict(),
        subnet=subnet.to_dict() if subnet else None,
        changed=change.changed,
        replaced=change.previous.to_dict() if change.previous and change.changed else None,
        version=table.version(),
    )


def delete_host(table: HostTable, params: dict) -> Outcome:
    # Upstream deletes by MAC; the IP is informational, so a reservation that moved to a new
    # IP is still released at the end of a chain. A missing reservation is already "deleted".
    mac = _param(actions.DHCP_DELETE_HOST, params, "mac", "a MAC such as 52:54:00:12:34:56")
    ip = normalize_ipv4(params["ip"]) if params.get("ip") else None
    removed = table.delete_host(mac=mac)
    if removed and ip and removed.ip != ip:
        log.warning("DHCPConfigDelHost %s: asked for ip %s, removed %s", mac, ip, removed)
    return Outcome.ok(
        mac=removed.mac if removed else mac,
        removed=removed.to_dict() if removed else None,
        version=table.version(),
    )


def add_subnet(table: HostTable, params: dict) -> Outcome:
    dns = params.get("dns_servers") or env.env_list("BMP_DHCP_DNS_SERVERS", [])
    change = table.add_subnet(
        network=_param(actions.DHCP_ADD_SUBNET, params, "subnet", "a network address"),
        mask=_param(actions.DHCP_ADD_SUBNET, params, "subnet_mask", "such as 255.255.255.0"),
        routers=params.get("routes"),
        dns_servers=dns,
    )
    return Outcome.ok(
        subnet=change.current.to_dict(),
        changed=change.changed,
        replaced=change.previous.to_dict() if change.previous and change.changed else None,
        version=table.version(),
    )


def delete_subnet(table: HostTable, params: dict) -> Outcome:
    network = _param(actions.DHCP_DELETE_SUBNET, params, "subnet", "a network address")
    removed = table.delete_subnet(network=network)
    return Outcome.ok(
        subnet=network,
        removed=removed.to_dict() if removed else None,
        version=table.version(),
    )


ACTIONS: dict[str, Callable[[HostTable, dict], Outcome]] = {
    actions.DHCP_ADD_HOST: add_host,
    actions.DHCP_DELETE_HOST: delete_host,
    actions.DHCP_ADD_SUBNET: add_subnet,
    actions.DHCP_DELETE_SUBNET: delete_subnet,
}


def run_action(table: HostTable, action: str, params: dict) -> Outcome:
    """Run ``action`` on ``table``; every refusal becomes a failed ``Outcome``."""
    handler = ACTIONS.get(action)
    if handler is None:
        return Outcome.failed(
            f"the dhcp-agent does not know action {action!r} (it runs {', '.join(ACTIONS)})"
        )
    if not isinstance(params, dict):
        return Outcome.failed(f"{action} params must be an object")
    try:
        return handler(table, params)
    except HostTableError as exc:
        return Outcome.failed(str(exc))
    except sqlite3.Error as exc:
        log.exception("%s: the host table %s failed", action, table.path)
        return Outcome.failed(f"the host table could not be changed ({exc})")
