"""Run N virtual servers (node + BMC + simulated agent) in one process, on one reactor thread.

    with Fleet(200, base_port=0, username="admin", password=pw) as fleet:
        server = fleet.nodes[0]          # LAB-0001
        server.bmc_port, server.power    # -> 41234, "off"

`base_port=0` gives every BMC a free ephemeral port (what tests want); the CLI uses consecutive
ports from 16230. The state file lists the nodes for enrolment tools; the password never goes in
it (see `write_state`).
"""

from __future__ import annotations

import ipaddress
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bmp_lab.agent import SimulatedAgent
from bmp_lab.bmc import LabBmc
from bmp_lab.commands import PRIVILEGE_NAMES
from bmp_lab.node import VirtualNode, make_node
from bmp_lab.reactor import Reactor

DEFAULT_BASE_PORT = 16230
# The servers' private network: each gets the address its DHCP reservation holds (enrol sends
# it), network + 10 + index, and the network's first address as its gateway. A simulated agent
# calls the gateway from its server's address, as a real LiveOS does, so the gateway's check
# of the source address holds in the lab, switched on: all of 127.0.0.0/8 is local on Linux,
# so each node's address is bindable with no set-up. Real VMs (QEMU mode, no simulated
# agents) get theirs on the provisioning bridge.
AGENT_NETWORK = ipaddress.IPv4Network("127.200.0.0/16")
BRIDGE_NETWORK = ipaddress.IPv4Network("10.200.0.0/16")
FIRST_HOST_OFFSET = 10


def private_ipv4(network: ipaddress.IPv4Network, index: int) -> str:
    return str(network.network_address + FIRST_HOST_OFFSET + index)


STATE_FILE = "lab-state.json"
PASSWORD_FILE = "bmc-password"  # noqa: S105 (a file name)


@dataclass
class LabServer:
    """One simulated server: its node state, its BMC and (with a gateway) its LiveOS agent."""

    node: VirtualNode
    bmc: LabBmc
    private_ipv4: str
    agent: SimulatedAgent | None = field(default=None)
    # With a Redfish BMC too (the fleet's emulator), how the platform is told to reach it:
    # "redfish" or "auto" (enrol sets the device's bmcInterface and iloPort from it).
    redfish: object | None = field(default=None)  # bmp_lab.redfish.RedfishBmc
    redfish_port: int = 0  # the emulator's port that is this server's BMC address
    bmc_interface: str = "native"

    @property
    def index(self) -> int:
        return self.node.index

    @property
    def sn(self) -> str:
        return self.node.sn

    @property
    def mac(self) -> str:
        return self.node.mac

    @property
    def bmc_address(self) -> str:
        return self.bmc.address

    @property
    def bmc_port(self) -> int:
        return self.bmc.port

    @property
    def power(self) -> str:
        return "on" if self.node.power_on else "off"

    # -- fault injection (safe from any thread) ----------------------------------------------
    def set_latency(self, seconds: float) -> None:
        self.bmc.latency = seconds

    def set_loss(self, probability: float) -> None:
        self.bmc.loss = probability

    def set_wrong_password(self, wrong: bool = True) -> None:
        """The BMC's password no longer matches what the platform has (auth failures)."""
        self.bmc.wrong_password = wrong

    def set_privilege(self, level: str) -> None:
        """The lab user's privilege limit: "administrator" (default), "operator" or "user"."""
        self.bmc.privilege = PRIVILEGE_NAMES[level]

    def reboot_bmc(self, seconds: float) -> None:
        """The BMC stops answering for `seconds` (sessions are lost), then comes back."""
        self.bmc.reactor.call_soon(lambda: self.bmc.reboot(seconds))

    def enrolment(self) -> dict:
        bmc = {"address": self.bmc_address, "port": self.bmc_port, "username": self.bmc.username}
        if self.redfish is not None:  # the platform reaches it over Redfish (or finds out)
            bmc = {
                "address": self.redfish.address,
                "port": self.redfish_port,
                "username": self.redfish.username,
            }
        return {
            "index": self.index,
            "sn": self.sn,
            "mac": self.mac,
            "private_ipv4": self.private_ipv4,
            "bmc_interface": self.bmc_interface,
            "bmc": bmc,
        }


class Fleet:
    """N virtual servers answering IPMI on 127.0.0.1, served by one reactor thread."""

    def __init__(
        self,
        count: int,
        *,
        username: str,
        password: str,
        base_port: int = DEFAULT_BASE_PORT,
        address: str = "127.0.0.1",
        latency: float = 0.0,
        loss: float = 0.0,
        gateway: str | None = None,
        agent_options: dict | None = None,
        first_index: int = 1,
        redfish: dict[int, str] | None = None,
        state_dir: str | os.PathLike | None = None,
        redfish_port: int = 0,
        redfish_tls: bool = True,
        cipher_suites: tuple[int, ...] = (3,),
    ) -> None:
        if not password:
            raise ValueError("a BMC password is required")
        self.count = count
        self.username = username
        self.password = password
        self.base_port = base_port
        self.address = address
        self.latency = latency
        self.loss = loss
        self.cipher_suites = cipher_suites  # each BMC's (bmp_lab.bmc.LabBmc)
        self.gateway = gateway
        self.network = AGENT_NETWORK if gateway else BRIDGE_NETWORK
        self.agent_options = agent_options or {}
        self.first_index = first_index
        # Servers (by index) that also have a Redfish BMC, and how enrol names it: "redfish"
        # or "auto". They share one sushy-tools emulator, TLS with a CA in ``state_dir``.
        self.redfish_plan = dict(redfish or {})
        if set(self.redfish_plan.values()) - {"redfish", "auto"}:
            raise ValueError("redfish: each server's interface is 'redfish' or 'auto'")
        self.state_dir = Path(state_dir) if state_dir else None
        self.redfish_port = redfish_port
        self.redfish_tls = redfish_tls
        self.redfish = None  # bmp_lab.redfish.RedfishBmc
        self.reactor = Reactor()
        self.nodes: list[LabServer] = []
        self.started_at: float | None = None

    def start(self) -> Fleet:
        self.reactor.start()
        try:
            for offset in range(self.count):
                self.nodes.append(self._make_server(self.first_index + offset, offset))
            self._start_redfish()
        except Exception:
            self.stop()
            raise
        self.started_at = time.time()
        return self

    def _make_server(self, index: int, offset: int) -> LabServer:
        node = make_node(index)
        port = self.base_port + offset if self.base_port else 0
        try:
            bmc = LabBmc(
                node,
                reactor=self.reactor,
                username=self.username,
                password=self.password,
                port=port,
                address=self.address,
                latency=self.latency,
                loss=self.loss,
                cipher_suites=self.cipher_suites,
            )
        except OSError as exc:
            message = f"cannot bind the BMC of {node.sn} on {self.address}:{port}: {exc}"
            raise OSError(message) from exc
        address = private_ipv4(self.network, index)
        agent = None
        if self.gateway:
            agent = SimulatedAgent(
                node, gateway=self.gateway, source_address=address, **self.agent_options
            )
            agent.attach()
        return LabServer(node=node, bmc=bmc, private_ipv4=address, agent=agent)

    def _start_redfish(self) -> None:
        servers = [server for server in self.nodes if server.index in self.redfish_plan]
        if not servers:
            return
        from bmp_lab.redfish import RedfishBmc

        if self.state_dir is None:
            self.state_dir = Path(tempfile.mkdtemp(prefix="bmp-lab-redfish-"))
        self.redfish = RedfishBmc(
            [server.node for server in servers],
            reactor=self.reactor,
            username=self.username,
            password=self.password,
            state_dir=self.state_dir,
            address=self.address,
            port=self.redfish_port,
            tls=self.redfish_tls,
            listeners=len(servers),
        ).start()
        for server, port in zip(servers, self.redfish.ports, strict=True):
            server.redfish = self.redfish
            server.redfish_port = port
            server.bmc_interface = self.redfish_plan[server.index]

    def stop(self) -> None:
        if self.redfish is not None:
            self.redfish.stop()
        for server in self.nodes:
            if server.agent is not None:
                server.agent.detach()
        self.reactor.stop()

    def __enter__(self) -> Fleet:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def by_sn(self, sn: str) -> LabServer:
        for server in self.nodes:
            if server.sn == sn:
                return server
        raise KeyError(sn)

    def by_mac(self, mac: str) -> LabServer:
        for server in self.nodes:
            if server.mac == mac.lower():
                return server
        raise KeyError(mac)

    def state(self, *, password_file: str | None = None) -> dict:
        return {
            "version": 1,
            "pid": os.getpid(),
            "started_at": self.started_at,
            "address": self.address,
            "username": self.username,
            "password_file": password_file,
            "gateway": self.gateway,
            "network": str(self.network),
            "redfish": None
            if self.redfish is None
            else {
                "url": self.redfish.url,
                "ca": str(self.redfish.ca_path) if self.redfish.ca_path else None,
            },
            "nodes": [server.enrolment() for server in self.nodes],
        }


def write_atomically(path: Path, text: str, mode: int = 0o644) -> None:
    """Write `text` to `path` via a temp file + rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_state(fleet: Fleet, state_dir: Path) -> Path:
    """Write the password (0600 file) and the state file (no secrets); return the state path."""
    password_path = state_dir / PASSWORD_FILE
    write_atomically(password_path, fleet.password + "\n", mode=0o600)
    state_path = state_dir / STATE_FILE
    state = fleet.state(password_file=str(password_path))
    write_atomically(state_path, json.dumps(state, indent=1) + "\n")
    return state_path


def read_state(state_dir: Path) -> dict:
    return json.loads((state_dir / STATE_FILE).read_text())


def read_password(state_dir: Path) -> str:
    return (state_dir / PASSWORD_FILE).read_text().strip()
