"""The simulated LiveOS agent of one node: what the node does after it PXE-boots.

On a boot from PXE (power on, reset or cycle with boot device pxe) it asks the gateway for the
node's iPXE script. A script that loads the agent's token archive (`initrd --name
bmp-agent.cpio <url>`) means "boot the LiveOS": the agent fetches that archive as iPXE would and
reads its boot ticket from `etc/bmp/agent-token` in it, as the LiveOS does; then it heartbeats,
runs the steps it is handed (simulated) in order and posts their results (those of quick steps
together), until the node powers off or reboots into something else, or the gateway answers 401
(token revoked). Like the real agent it sends the ticket until an answer carries `token`, the
session token, and only that one afterwards. A script without the archive boots the local disk,
and an archive refused (this boot's ticket was exchanged already) leaves the LiveOS without a
ticket: either way the agent does nothing. (Before the exchange the gateway hands a fresh ticket
to every fetch and kills the one before, so a retry after an answer that came too late works.)

Every request leaves from the node's own address (``source_address``, the one its DHCP
reservation holds), because the gateway takes nothing from anywhere else.

HTTP uses only the standard library. Each boot runs on its own daemon thread; the node listener
only bumps a generation counter, so the BMC's loop never waits on HTTP.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import secrets
import ssl
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bmp_common import cpio
from bmp_common.messages import actions
from bmp_common.messages.steps import STEP_FAILED, STEP_OK
from bmp_lab import hardware
from bmp_lab.node import BOOT_EVENTS, SOFT_OFF, VirtualNode

log = logging.getLogger(__name__)

FIRST_POLL_S = 0.25  # an idle agent's first heartbeat delay; doubles up to the interval
REPORT_WINDOW_S = 1.0  # results of steps quicker than this travel together
_KERNEL_ARG = re.compile(r"\bbmp\.(gateway|sn)=(\S+)")
_AGENT_CPIO = re.compile(r"^initrd --name bmp-agent\.cpio (\S+)$", re.MULTILINE)
TOKEN_FILE = "etc/bmp/agent-token"  # noqa: S105 (a path: where the LiveOS finds its token)


@dataclass(frozen=True)
class BootScript:
    """What the LiveOS learns from its iPXE script: the kernel command line, and where iPXE
    fetches the archive with its token."""

    text: str
    gateway: str | None
    sn: str | None
    agent_cpio: str | None

    @property
    def boots_liveos(self) -> bool:
        return bool(self.agent_cpio)


def parse_boot_script(text: str) -> BootScript:
    args = dict(_KERNEL_ARG.findall(text))
    archive = _AGENT_CPIO.search(text)
    return BootScript(
        text=text,
        gateway=args.get("gateway"),
        sn=args.get("sn"),
        agent_cpio=archive.group(1) if archive else None,
    )


def token_in(archive: bytes) -> str | None:
    """The agent token in an agent.cpio, where the LiveOS reads it; None when it has none."""
    for entry in cpio.read(archive):
        if entry.name == TOKEN_FILE:
            return entry.data.decode()
    return None


class GatewayRejected(Exception):
    """The gateway answered 401: the token is wrong or revoked."""


class HttpError(Exception):
    def __init__(self, status: int):
        super().__init__(f"HTTP {status}")
        self.status = status


class SimulatedAgent:
    """The LiveOS agent of `node`, talking to the agent gateway at `gateway`."""

    def __init__(
        self,
        node: VirtualNode,
        *,
        gateway: str,
        source_address: str = "",
        step_delay: float = 0.0,
        heartbeat_interval: float = 1.0,
        # Generous, like a real LiveOS: a client that gives up on a busy gateway and asks
        # again only doubles its load (the answer of the first request is lost, not the work).
        http_timeout: float = 30.0,
        # The CA of the gateway's HTTPS certificate (the LiveOS embeds it): the agent endpoints
        # are called over HTTPS and verified against it.
        gateway_ca: str | None = None,
        # A folder standing in for the disks: InstallMonitorAgent runs the real LiveOS step
        # into <guest_root>/<sn> (a skeleton of the installed system), so what a guest gets is
        # on disk to look at and run. None: the step is answered as done, like the others.
        guest_root: str | None = None,
    ) -> None:
        if urllib.parse.urlsplit(gateway).scheme not in ("http", "https"):
            raise ValueError(f"the gateway must be an http(s) URL, not {gateway!r}")
        self.node = node
        self.gateway = gateway.rstrip("/")
        self.source_address = source_address  # "" lets the system choose
        self.step_delay = step_delay
        self.heartbeat_interval = heartbeat_interval
        self.http_timeout = http_timeout
        self.tls = ssl.create_default_context(cafile=gateway_ca) if gateway_ca else None
        self.guest_root = guest_root
        self.failures: dict[str, int | None] = {}  # action -> failures left (None = always)
        self.liveos_hangs = False  # boot files fetched, then nothing (see hang_after_boot_files)
        self.die_on: str | None = None
        # The firmware's DHCP exchange before the boot script (see pxe_through); None: the
        # boot starts at the iPXE script, as if DHCP had answered.
        self.dhcp: Callable[[str], bool] | None = None
        self.next_server_unreachable = False
        self.events: list[tuple[str, str]] = []  # (kind, detail), for tests and `status`
        self.running = False
        self._generation = 0
        self._lock = threading.Lock()

    # -- fault injection ---------------------------------------------------------------------
    def fail_action(self, action: str, times: int | None = None) -> None:
        """Report `action` as failed (`times` times, or always when None)."""
        self.failures[action] = times

    def hang_after_boot_files(self, hangs: bool = True) -> None:
        """Fetch the iPXE script and agent.cpio as iPXE does, then never call the gateway: a
        LiveOS kernel or initrd that does not boot on this hardware."""
        self.liveos_hangs = hangs

    def die_during(self, action: str | None) -> None:
        """Go silent when handed `action`: no result, no heartbeat (a crashed LiveOS)."""
        self.die_on = action

    def pxe_through(self, dhcp: Callable[[str], bool] | None) -> None:
        """Boot from PXE through a real DHCP exchange first: ``dhcp(mac)`` asks for a lease
        with the node's MAC (e.g. ``ProvisioningNetwork.dhcp_probe``, a real client on a
        segment), True when a server answered. Without an answer the firmware gives up."""
        self.dhcp = dhcp

    def lose_next_server(self, lost: bool = True) -> None:
        """DHCP answers, and the boot file's server (next-server) is never reached: no TFTP
        request, no script, nothing after the lease (a firewall, or a wrong next-server)."""
        self.next_server_unreachable = lost

    # -- node events -------------------------------------------------------------------------
    def attach(self) -> None:
        self.node.add_listener(self._on_node_event)

    def detach(self) -> None:
        self.node.remove_listener(self._on_node_event)
        with self._lock:
            self._generation += 1

    def _on_node_event(self, node: VirtualNode, event: str) -> None:
        if event == SOFT_OFF:
            return  # the simulated OS acts on it through soft_off_delay (a power_off event)
        with self._lock:
            self._generation += 1  # whatever ran before belongs to the previous boot
            generation = self._generation
        if event in BOOT_EVENTS and node.booted_from == "pxe":
            name = f"bmp-lab-agent-{node.sn}"
            threading.Thread(target=self._boot, args=(generation,), name=name, daemon=True).start()

    def _current(self, generation: int) -> bool:
        return generation == self._generation

    def _record(self, kind: str, detail: str = "") -> None:
        self.events.append((kind, detail))

    def wait_for(self, kind: str, detail: str | None = None, timeout: float = 10.0) -> bool:
        """Wait until an event of `kind` (and `detail`) was recorded; for tests."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(k == kind and (detail is None or d == detail) for k, d in list(self.events)):
                return True
            time.sleep(0.02)
        return False

    # -- one boot ----------------------------------------------------------------------------
    def _boot(self, generation: int) -> None:
        try:
            if self.dhcp is not None:
                if not self.dhcp(self.node.mac):
                    self._record("boot", "no dhcp answer")
                    return
                if self.next_server_unreachable:
                    self._record("boot", "next-server unreachable")
                    return
            script = self._fetch_script(generation)
            if script is None or not script.boots_liveos:
                self._record("boot", "disk")
                return
            token = self._fetch_token(generation, script.agent_cpio)
            if token is None:
                self._record("boot", "no token")
                return
            if self.liveos_hangs:
                self._record("boot", "liveos hangs")
                return
            self._record("boot", "liveos")
            self.running = True
            self._run_liveos(generation, script, token)
        except GatewayRejected:
            self._record("stopped", "token rejected")
        except Exception:
            log.exception("simulated agent of %s crashed", self.node.sn)
            self._record("stopped", "crashed")
        finally:
            if self._current(generation):
                self.running = False

    def _fetch_script(self, generation: int) -> BootScript | None:
        query = urllib.parse.urlencode({"mac": self.node.mac})
        url = f"{self.gateway}/v1/boot/ipxe?{query}"
        delay = 0.2
        while self._current(generation):
            try:
                text = self._http("GET", url).decode()
                script = parse_boot_script(text)
                self._record("script", "liveos" if script.boots_liveos else "disk")
                return script
            except (HttpError, OSError, http.client.HTTPException) as exc:
                # Like iPXE: retry while the node stays up in this boot.
                log.info("iPXE script for %s not fetched: %s", self.node.mac, exc)
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
        return None

    def _fetch_token(self, generation: int, url: str) -> str | None:
        """What iPXE's ``initrd`` does with the archive (network errors retried), then what the
        LiveOS does with it: read the token file. None when the gateway refused it."""
        delay = 0.2
        while self._current(generation):
            try:
                return token_in(self._http("GET", url))
            except HttpError as exc:
                log.info("agent.cpio for %s refused: %s", self.node.mac, exc)
                return None
            except (OSError, http.client.HTTPException, cpio.CpioError) as exc:
                log.info("agent.cpio for %s not fetched: %s", self.node.mac, exc)
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
        return None

    def _http(self, method: str, url: str, body: bytes | None = None) -> bytes:
        """One request from the node's address; the answer's body, or HttpError."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise HttpError(400)
        source = (self.source_address, 0) if self.source_address else None
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(
                parts.hostname,
                parts.port,
                timeout=self.http_timeout,
                source_address=source,
                context=self.tls or ssl.create_default_context(),
            )
        else:
            connection = http.client.HTTPConnection(
                parts.hostname, parts.port, timeout=self.http_timeout, source_address=source
            )
        try:
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            headers = {"Content-Type": "application/json"} if body is not None else {}
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read()
            if response.status >= 400:
                raise HttpError(response.status)
            return answer
        finally:
            connection.close()

    def _run_liveos(self, generation: int, script: BootScript, token: str) -> None:
        gateway = self.gateway
        if script.gateway and urllib.parse.urlsplit(script.gateway).scheme in ("http", "https"):
            gateway = script.gateway.rstrip("/")
        # A fresh boot id per LiveOS run, as the real agent sends: the scheduler redoes the
        # segment of an agent that restarted.
        # "token": the boot ticket, then the session token the first answer gives (_post).
        identity = {"sn": self.node.sn, "token": token, "boot_id": secrets.token_hex(8)}
        idle_wait = FIRST_POLL_S
        while self._current(generation):
            steps = self._post(generation, gateway, "/v1/agent/heartbeat", identity)
            self._record("heartbeat")
            if steps:
                idle_wait = FIRST_POLL_S
            while steps and self._current(generation):
                steps = self._run_plan(generation, gateway, identity, steps)
                if steps is None:
                    return  # died, or the node went away mid-step
            # Poll soon after work (the next step may be a moment away), then back off.
            self._sleep(generation, idle_wait)
            idle_wait = min(idle_wait * 2, self.heartbeat_interval)
        self._record("stopped", "node left the LiveOS")

    def _run_plan(
        self, generation: int, gateway: str, identity: dict, steps: list[dict]
    ) -> list[dict] | None:
        """Run the handed steps in order and report their results; the gateway's last answer
        (the next plan), or None when the agent died or the node went away.

        Results go together while they come quickly: a report is sent when a step failed, the
        plan is done, or REPORT_WINDOW_S have passed since the first unreported step began.
        """
        unreported: list[tuple[str, dict]] = []
        began = 0.0
        while steps and self._current(generation):
            step = steps.pop(0)
            if not unreported:
                began = time.monotonic()
            if self.die_on == step["action"]:
                self._report(generation, gateway, identity, unreported)  # sent before it died
                self._record("step", step["action"])
                self._record("stopped", f"died during {step['action']}")
                with self._lock:
                    self._generation += 1  # silent until the node boots again
                return None
            outcome = self._run_step(generation, step)
            if outcome is None:
                return None
            unreported.append((step["action"], outcome))
            quick = time.monotonic() - began < REPORT_WINDOW_S
            if outcome["status"] != STEP_OK or not steps or not quick:
                steps = self._report(generation, gateway, identity, unreported)
                unreported = []
        return steps

    def _report(
        self, generation: int, gateway: str, identity: dict, results: list[tuple[str, dict]]
    ) -> list[dict]:
        if not results:
            return []
        outcomes = {"results": [outcome for _action, outcome in results]}
        steps = self._post(generation, gateway, "/v1/agent/results", identity, outcomes)
        for action, outcome in results:
            self._record("result", f"{action}:{outcome['status']}")
        return steps

    def _run_step(self, generation: int, step: dict) -> dict | None:
        action = step["action"]
        self._record("step", action)
        self._sleep(generation, self.step_delay)
        if not self._current(generation):
            return None
        result = {"step_id": step["step_id"], "attempt": step["attempt"]}
        if action in self.failures:
            left = self.failures[action]
            if left is not None:
                if left <= 1:
                    del self.failures[action]
                else:
                    self.failures[action] = left - 1
            error = f"{action} failed (injected)"
            return {**result, "status": STEP_FAILED, "data": {}, "error": error}
        if action == actions.INSTALL_MONITOR_AGENT and self.guest_root:
            status, data, error = self._into_guest(action, step.get("params") or {})
            return {**result, "status": status, "data": data, "error": error}
        data = hardware.step_data(self.node, action, step.get("params") or {})
        return {**result, "status": STEP_OK, "data": data, "error": None}

    def guest(self) -> Path:
        """This server's installed system, as the lab keeps it (``guest_root``)."""
        return Path(self.guest_root or ".") / self.node.sn

    def _into_guest(self, action: str, params: dict) -> tuple[str, dict, str | None]:
        """The real agent's step against the guest folder: an installed Debian's skeleton
        (``/etc``, a ``python3``, systemd) where the install would have written one."""
        from bmp_agent.context import StepContext
        from bmp_agent.steps import run_step

        root = self.guest()
        (root / "etc").mkdir(parents=True, exist_ok=True)
        (root / "usr" / "bin").mkdir(parents=True, exist_ok=True)
        (root / "lib" / "systemd").mkdir(parents=True, exist_ok=True)
        (root / "lib" / "systemd" / "systemd").touch()
        python = root / "usr" / "bin" / "python3"
        if not python.is_symlink():
            python.symlink_to(sys.executable)
        work = root.parent / f".{self.node.sn}.work"
        ctx = StepContext(target_root=root, work_dir=work, disks=[])
        return run_step(action, params, ctx)

    def _post(
        self, generation: int, gateway: str, path: str, identity: dict, body: dict | None = None
    ) -> list[dict]:
        """POST `identity` and `body`; return the steps the gateway hands out. Retries network
        errors. A session token in the answer replaces the ticket in `identity`."""
        delay = 0.2
        while self._current(generation):
            data = json.dumps({**identity, **(body or {})}).encode()
            try:
                answer = json.loads(self._http("POST", gateway + path, data) or b"{}")
                result = answer.get("result") or {}
                if result.get("token"):
                    identity["token"] = result["token"]
                return list(result.get("steps") or [])
            except HttpError as exc:
                if exc.status == 401:
                    raise GatewayRejected() from None
                log.info("gateway %s answered %s for %s", path, exc.status, self.node.sn)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                log.info("gateway %s unreachable for %s: %s", path, self.node.sn, exc)
            self._sleep(generation, delay)
            delay = min(delay * 2, 2.0)
        return []

    def _sleep(self, generation: int, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self._current(generation) and time.monotonic() < deadline:
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
