"""The host table of one IDC: static reservations (MAC → IPv4) and the subnets they live in.

The table is a SQLite file (WAL, so the DHCP server can read while the agent writes) under
``BMP_DHCP_STATE_DIR`` (default ``<BMP_DATA_DIR>/dhcp``), one file per IDC. Every write is
idempotent: repeating a request changes nothing, a MAC sent with a new IP replaces its old
reservation, and an IP held by another MAC is a ``Conflict``. Each change bumps ``version()``,
which is how a reader (the DHCP server) knows to reload without a restart.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Generic, TypeVar

from bmp_common import env
from bmp_common.queues import dhcp_queue
from bmp_dhcp_agent import addresses
from bmp_dhcp_agent.errors import Conflict, InvalidValue

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS hosts (
    mac TEXT PRIMARY KEY,
    ip TEXT NOT NULL UNIQUE,
    hostname TEXT
);
CREATE TABLE IF NOT EXISTS subnets (
    network TEXT PRIMARY KEY,
    mask TEXT NOT NULL,
    routers TEXT NOT NULL,      -- JSON list of IPv4 addresses
    dns_servers TEXT NOT NULL   -- JSON list of IPv4 addresses
);
CREATE TABLE IF NOT EXISTS state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    changed_at REAL NOT NULL
);
INSERT OR IGNORE INTO state (id, version, changed_at) VALUES (1, 0, 0);
"""


def state_dir() -> Path:
    return Path(env.env_str("BMP_DHCP_STATE_DIR") or env.data_dir() / "dhcp")


def table_path(idc_id: str) -> Path:
    dhcp_queue(idc_id)  # the same rule as queue names: the id becomes part of a file name
    return state_dir() / f"hosts-{idc_id}.sqlite3"


@dataclasses.dataclass(frozen=True)
class Reservation:
    mac: str
    ip: str
    hostname: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Subnet:
    network: str
    mask: str
    routers: tuple[str, ...] = ()
    dns_servers: tuple[str, ...] = ()

    @property
    def ip_network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(f"{self.network}/{self.mask}")

    def contains(self, ip: str) -> bool:
        return ipaddress.IPv4Address(ip) in self.ip_network

    def to_dict(self) -> dict[str, Any]:
        return {
            "network": self.network,
            "mask": self.mask,
            "prefixlen": self.ip_network.prefixlen,
            "routers": list(self.routers),
            "dns_servers": list(self.dns_servers),
        }


T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Change(Generic[T]):
    """What an add did: the entry as the table now has it, and the one it replaced (if any)."""

    current: T
    previous: T | None

    @property
    def changed(self) -> bool:
        return self.current != self.previous


@dataclasses.dataclass(frozen=True)
class Lookup:
    """A reservation and its subnet; ``subnet`` is None when no known subnet contains the IP."""

    host: Reservation
    subnet: Subnet | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "host": self.host.to_dict(),
            "subnet": self.subnet.to_dict() if self.subnet else None,
        }


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """The whole table as of one ``version``: what a DHCP server loads, then reloads on change."""

    version: int
    hosts: tuple[Reservation, ...]
    subnets: tuple[Subnet, ...]


class HostTable:
    """One IDC's reservations and subnets. Safe to share between threads of one process."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE), so two writers queue
        # on the file lock instead of failing half-way through a read-then-write.
        self._db = sqlite3.connect(
            self.path, timeout=20, isolation_level=None, check_same_thread=False
        )
        self._lock = threading.RLock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # few writes; each must survive a crash
        found = self._db.execute("PRAGMA user_version").fetchone()[0]
        if found > SCHEMA_VERSION:
            raise RuntimeError(f"{self.path} has schema {found}; this agent knows {SCHEMA_VERSION}")
        with self._lock:
            self._db.executescript(
                f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            )

    @classmethod
    def for_idc(cls, idc_id: str) -> HostTable:
        return cls(table_path(idc_id))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> HostTable:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- change notification -----------------------------------------------------------------

    def version(self) -> int:
        """A counter bumped by every change (from any process): reload when it moves."""
        with self._lock:
            return self._db.execute("SELECT version FROM state").fetchone()[0]

    def changed_at(self) -> float:
        """Epoch seconds of the last change (0 for a table never changed)."""
        with self._lock:
            return self._db.execute("SELECT changed_at FROM state").fetchone()[0]

    # -- reads -------------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """Hosts, subnets and version read in one transaction, so they agree with each other."""
        with self._lock:
            self._db.execute("BEGIN")  # deferred: a WAL read snapshot, no write lock
            try:
                return Snapshot(self.version(), tuple(self.hosts()), tuple(self.subnets()))
            finally:
                self._db.execute("COMMIT")

    def hosts(self) -> list[Reservation]:
        with self._lock:
            rows = self._db.execute("SELECT mac, ip, hostname FROM hosts").fetchall()
        return sorted((Reservation(*row) for row in rows), key=_ip_key)

    def subnets(self) -> list[Subnet]:
        with self._lock:
            rows = self._db.execute("SELECT network, mask, routers, dns_servers FROM subnets")
            subnets = [_subnet(row) for row in rows.fetchall()]
        return sorted(subnets, key=lambda subnet: subnet.ip_network)

    def host(self, mac: str) -> Reservation | None:
        mac = addresses.normalize_mac(mac)
        with self._lock:
            row = self._db.execute(
                "SELECT mac, ip, hostname FROM hosts WHERE mac = ?", (mac,)
            ).fetchone()
        return Reservation(*row) if row else None

    def subnet_of(self, ip: str) -> Subnet | None:
        """The known subnet containing ``ip`` (subnets never overlap, so at most one)."""
        ip = addresses.normalize_ipv4(ip)
        return next((subnet for subnet in self.subnets() if subnet.contains(ip)), None)

    def lookup(self, mac: str) -> Lookup | None:
        """What the DHCP server needs for ``mac``: its reservation and subnet, or None."""
        with self._lock:
            host = self.host(mac)
            return Lookup(host, self.subnet_of(host.ip)) if host else None

    # -- writes ------------------------------------------------------------------------------

    def add_host(self, *, mac: str, ip: str, hostname: str | None = None) -> Change[Reservation]:
        wanted = Reservation(
            mac=addresses.normalize_mac(mac),
            ip=addresses.normalize_host_ip(ip),
            hostname=addresses.normalize_hostname(hostname),
        )
        with self._write():
            holder = self._db.execute(
                "SELECT mac FROM hosts WHERE ip = ? AND mac != ?", (wanted.ip, wanted.mac)
            ).fetchone()
            if holder:
                raise Conflict(
                    f"IP {wanted.ip} is already reserved for MAC {holder[0]}; "
                    "delete that reservation before giving the IP to another MAC"
                )
            _check_usable_in_subnet(wanted.ip, self.subnet_of(wanted.ip))
            previous = self.host(wanted.mac)
            if previous != wanted:
                self._db.execute(
                    "INSERT OR REPLACE INTO hosts (mac, ip, hostname) VALUES (?, ?, ?)",
                    (wanted.mac, wanted.ip, wanted.hostname),
                )
                self._bump()
        return Change(wanted, previous)

    def delete_host(self, *, mac: str) -> Reservation | None:
        """Remove the reservation of ``mac``; the removed entry, or None if there was none."""
        mac = addresses.normalize_mac(mac)
        with self._write():
            previous = self.host(mac)
            if previous:
                self._db.execute("DELETE FROM hosts WHERE mac = ?", (mac,))
                self._bump()
        return previous

    def add_subnet(
        self,
        *,
        network: str,
        mask: str,
        routers: object = (),
        dns_servers: object = (),
    ) -> Change[Subnet]:
        """Add a subnet, or replace the one with the same network address."""
        ip_network = addresses.network_of(network, mask)
        wanted = Subnet(
            network=str(ip_network.network_address),
            mask=str(ip_network.netmask),
            routers=addresses.normalize_address_list(routers, "routes"),
            dns_servers=addresses.normalize_address_list(dns_servers, "dns_servers"),
        )
        for router in wanted.routers:
            _check_usable_in_subnet(router, wanted, field="router")
        with self._write():
            existing = {subnet.network: subnet for subnet in self.subnets()}
            for other in existing.values():
                if other.network != wanted.network and other.ip_network.overlaps(ip_network):
                    raise Conflict(
                        f"subnet {wanted.network}/{wanted.mask} overlaps the known subnet "
                        f"{other.network}/{other.mask}; delete that subnet first"
                    )
            previous = existing.get(wanted.network)
            if previous != wanted:
                self._db.execute(
                    "INSERT OR REPLACE INTO subnets (network, mask, routers, dns_servers)"
                    " VALUES (?, ?, ?, ?)",
                    (
                        wanted.network,
                        wanted.mask,
                        json.dumps(wanted.routers),
                        json.dumps(wanted.dns_servers),
                    ),
                )
                self._bump()
        return Change(wanted, previous)

    def delete_subnet(self, *, network: str) -> Subnet | None:
        """Remove the subnet at ``network``; its reservations stay (lookup shows no subnet)."""
        network = addresses.normalize_ipv4(network, "subnet")
        with self._write():
            row = self._db.execute(
                "SELECT network, mask, routers, dns_servers FROM subnets WHERE network = ?",
                (network,),
            ).fetchone()
            if row:
                self._db.execute("DELETE FROM subnets WHERE network = ?", (network,))
                self._bump()
        return _subnet(row) if row else None

    @contextmanager
    def _write(self) -> Iterator[None]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _bump(self) -> None:
        self._db.execute("UPDATE state SET version = version + 1, changed_at = ?", (time.time(),))


def _subnet(row: tuple) -> Subnet:
    network, mask, routers, dns_servers = row
    return Subnet(network, mask, tuple(json.loads(routers)), tuple(json.loads(dns_servers)))


def _ip_key(host: Reservation) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(host.ip)


def _check_usable_in_subnet(ip: str, subnet: Subnet | None, field: str = "ip") -> None:
    """Inside ``subnet``, the network and broadcast addresses belong to nobody."""
    if subnet is None:
        return
    network = subnet.ip_network
    where = f"{subnet.network}/{subnet.mask}"
    if ipaddress.IPv4Address(ip) not in network:
        raise InvalidValue(f"{field} {ip} is outside subnet {where}")
    if network.prefixlen <= 30 and ipaddress.IPv4Address(ip) in (
        network.network_address,
        network.broadcast_address,
    ):
        raise InvalidValue(f"{field} {ip} is the network or broadcast address of subnet {where}")
