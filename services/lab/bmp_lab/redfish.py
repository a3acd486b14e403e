"""Redfish BMCs for the lab: sushy-tools' emulator, acting on the lab's own virtual nodes.

The REST side is sushy-tools' emulator itself (its Flask application: routes, templates, the
service root, Systems, Managers, Chassis, reset actions, boot override PATCH), so sushy talks
to the same resource shapes as in Ironic's CI. What stands behind it is not one of its system
drivers: ``--fake`` keeps its own power state (changed 1 to 11 s late, at random) in its own
store and libvirt needs libvirt, while a lab server's power, boot flags and SEL live in its
``VirtualNode``, which the IPMI BMC, the simulated agent and QEMU mode already act on.
``LabSystems`` is a sushy-tools system driver over those nodes, so a Redfish ``On`` boots the
same node an IPMI ``chassis power on`` boots, and a lab install works the same over either.

Around the emulator's application, ``RedfishBmc`` adds what a BMC has and the emulator does
not (a WSGI layer, so sushy-tools' code is not changed):

- HTTP basic authentication with the fleet's user and password (the emulator's own needs an
  htpasswd file and would apply to every emulator in the process), with the same
  wrong-password fault as the IPMI BMC;
- ``BootSourceOverrideEnabled`` honoured (``Once`` is consumed by the next boot, as on the
  IPMI side; the emulator always answers ``Continuous``), ``PowerCycle`` offered, the node's
  SN as ``SerialNumber``;
- a SEL ``LogService`` per system (entries from the node's SEL, ``ClearLog``).

One emulator serves several systems (identity = the node's SN), on its own TCP port, over TLS
with a CA made in its state folder (``ca.pem``, what the platform's IDC CA bundle must hold);
plain http only when asked (``tls=False``). Node changes run on the fleet's reactor thread,
as the IPMI BMC's do.
"""

from __future__ import annotations

import base64
import datetime
import hmac
import ipaddress
import json
import logging
import re
import secrets
import ssl
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import flask
from sushy_tools import error
from sushy_tools.emulator.resources.systems.base import AbstractSystemsDriver
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from bmp_common.sel import SENSOR_TYPES, THRESHOLD_EVENTS, event_text
from bmp_lab.node import VirtualNode
from bmp_lab.reactor import Reactor

log = logging.getLogger(__name__)

BOOT_TARGETS = {"none": "None", "pxe": "Pxe", "disk": "Hdd", "cdrom": "Cd", "bios": "BiosSetup"}
BOOT_DEVICES = {target: device for device, target in BOOT_TARGETS.items()}
# DMTF Redfish SensorType spellings where they differ from IPMI's.
REDFISH_SENSOR_TYPES = {
    0x08: "Power Supply / Converter",
    0x22: "System ACPI PowerState",
    0x0D: "Drive Slot/Bay",
}

_SYSTEM = re.compile(r"/redfish/v1/Systems/([^/]+)")
_LOGS = re.compile(
    r"/redfish/v1/Systems/([^/]+)/LogServices(/SEL(/Entries(/\d+)?|/Actions/LogService\.ClearLog)?)?"
)
_SESSIONS = "/redfish/v1/SessionService/Sessions"
_OPEN_PATHS = ("", "/redfish", "/redfish/v1")

_install_lock = threading.Lock()
_installed = False


def _emulator_app():
    """sushy-tools' Flask application, its systems driver swapped for ``LabSystems``."""
    global _installed
    from sushy_tools.emulator import main as emulator

    with _install_lock:
        if not _installed:
            base = type(emulator.app)

            class LabApplication(base):
                systems = property(lambda self: LAB_SYSTEMS)

            emulator.app.__class__ = LabApplication
            emulator.app.config.update(SUSHY_EMULATOR_FEATURE_SET="full")
            _installed = True
    return emulator.app


def _current() -> RedfishBmc:
    return flask.request.environ["bmp_lab.redfish"]


class LabSystems(AbstractSystemsDriver):
    """sushy-tools' system driver over the nodes of the BMC serving the request. What a lab
    node does not have (BIOS settings, storage, virtual media) answers NotSupported, from the
    base class."""

    @property
    def driver(self) -> str:
        return "<bmp-lab>"

    def _node(self, identity: str) -> VirtualNode:
        node = _current().nodes.get(identity)
        if node is None:
            raise error.NotFound(f"System {identity} was not found")
        return node

    @property
    def systems(self) -> list[str]:
        return list(_current().nodes)

    def uuid(self, identity: str) -> str:
        return self._node(identity).sn

    def name(self, identity: str) -> str:
        return self._node(identity).sn

    def get_power_state(self, identity: str) -> str:
        return "On" if self._node(identity).power_on else "Off"

    def set_power_state(self, identity: str, state: str) -> None:
        bmc, node = _current(), self._node(identity)
        if state in ("On", "ForceOn"):
            bmc.on_reactor(node.power_up)
        elif state == "ForceOff":
            bmc.on_reactor(node.power_down)
        elif state == "GracefulShutdown":
            bmc.on_reactor(lambda: bmc.soft_off(node))
        elif state in ("ForceRestart", "GracefulRestart", "PowerCycle"):
            if not node.power_on:
                raise error.Conflict(f"System {identity} is off: {state} needs it on")
            bmc.on_reactor(node.power_cycle if state == "PowerCycle" else node.reset)
        elif state == "Nmi":
            pass  # accepted; nothing to simulate
        else:
            raise error.BadRequest(f"Reset type {state} is not supported")

    def get_boot_device(self, identity: str) -> str:
        return BOOT_TARGETS.get(self._node(identity).boot_device, "Hdd")

    def set_boot_device(self, identity: str, boot_source: str) -> None:
        device = BOOT_DEVICES.get(boot_source)
        if device is None:
            raise error.BadRequest(f"Boot source {boot_source} is not supported")
        enabled = (flask.request.json.get("Boot") or {}).get("BootSourceOverrideEnabled", "Once")
        if enabled not in ("Once", "Continuous", "Disabled"):
            raise error.BadRequest(f"BootSourceOverrideEnabled {enabled} is not supported")
        node = self._node(identity)
        _current().on_reactor(
            lambda: node.set_boot_flags(
                device=device,
                valid=enabled != "Disabled",
                persistent=enabled == "Continuous",
                efi=node.boot_efi,
            )
        )

    def get_boot_mode(self, identity: str) -> str:
        return "UEFI" if self._node(identity).boot_efi else "Legacy"

    def set_boot_mode(self, identity: str, boot_mode: str) -> None:
        if boot_mode not in ("UEFI", "Legacy"):
            raise error.BadRequest(f"Boot mode {boot_mode} is not supported")
        node = self._node(identity)
        _current().on_reactor(lambda: setattr(node, "boot_efi", boot_mode == "UEFI"))

    def get_total_memory(self, identity: str) -> int:
        self._node(identity)
        return 16

    def get_total_cpus(self, identity: str) -> int:
        self._node(identity)
        return 8

    def get_nics(self, identity: str) -> list[dict]:
        mac = self._node(identity).mac
        return [{"id": mac.replace(":", ""), "mac": mac}]


LAB_SYSTEMS = LabSystems()


def _iso(timestamp: int) -> str:
    return (
        datetime.datetime.fromtimestamp(timestamp, datetime.UTC).isoformat().replace("+00:00", "Z")
    )


def log_entry(system: str, record) -> dict:
    """A node's SEL record as a Redfish SEL LogEntry."""
    etype, offset = record.event_type & 0x7F, record.data[0] & 0x0F
    deasserted = bool(record.event_type & 0x80)
    text = event_text(record.sensor_type, etype, offset)
    if deasserted:
        code = "Deassert"
    elif etype == 0x01 and offset < len(THRESHOLD_EVENTS):
        code = text.replace(" going ", " - going ")  # DMTF's LogEntryCode spelling
    else:
        code = "Assert"
    sensor = REDFISH_SENSOR_TYPES.get(
        record.sensor_type, SENSOR_TYPES.get(record.sensor_type, "Other")
    )
    path = f"/redfish/v1/Systems/{system}/LogServices/SEL/Entries/{record.record_id}"
    return {
        "@odata.id": path,
        "@odata.type": "#LogEntry.v1_4_0.LogEntry",
        "Id": str(record.record_id),
        "Name": f"Log Entry {record.record_id}",
        "EntryType": "SEL",
        "Created": _iso(record.timestamp),
        "SensorType": sensor,
        "SensorNumber": record.sensor_number,
        "EntryCode": code,
        "Message": text,
        "Severity": "OK",
    }


def make_tls(folder: Path, address: str) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for ``address`` in ``folder``: (ca.pem, cert, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    ca_path, cert_path, key_path = folder / "ca.pem", folder / "bmc.pem", folder / "bmc.key"
    if ca_path.exists() and cert_path.exists() and key_path.exists():
        return ca_path, cert_path, key_path
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "BMP lab BMC CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    try:
        alt = x509.IPAddress(ipaddress.ip_address(address))
    except ValueError:
        alt = x509.DNSName(address)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, address)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([alt]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return ca_path, cert_path, key_path


class RedfishBmc:
    """One Redfish service (sushy-tools' emulator) for several lab nodes, on one TCP port."""

    def __init__(
        self,
        nodes: Iterable[VirtualNode],
        *,
        reactor: Reactor,
        username: str,
        password: str,
        state_dir: Path,
        address: str = "127.0.0.1",
        port: int = 0,
        tls: bool = True,
        listeners: int = 1,
    ) -> None:
        self.nodes: dict[str, VirtualNode] = {node.sn: node for node in nodes}
        self.reactor = reactor
        self.username = username
        self.password = password
        self.address = address
        self.state_dir = Path(state_dir)
        self.wrong_password = False
        # logins: session creations and basic-auth requests, right or wrong (what a BMC counts
        # towards a lockout); refused: those with a wrong user or password.
        self.stats = {"requests": 0, "logins": 0, "refused": 0}
        self.sessions: dict[str, str] = {}  # token -> session id
        self.ca_path: Path | None = None
        context = None
        if tls:
            self.ca_path, cert, key = make_tls(self.state_dir / "redfish-tls", address)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
        self.scheme = "https" if tls else "http"
        self._app = _emulator_app()
        # One emulator, and as many ports as asked: a fleet gives each of its Redfish servers
        # its own address, as one BMC per server has (the platform keeps BMC addresses unique),
        # while every port serves every system (the driver picks its own by SN).
        self._servers = [
            make_server(address, port + i if port else 0, self, threaded=True, ssl_context=context)
            for i in range(listeners)
        ]
        self.ports = [server.server_port for server in self._servers]
        self.port = self.ports[0]
        self._threads = [
            threading.Thread(
                target=server.serve_forever,
                name=f"bmp-lab-redfish-{server.server_port}",
                daemon=True,
            )
            for server in self._servers
        ]

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.address}:{self.port}"

    def start(self) -> RedfishBmc:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    # -- node changes, on the reactor thread -------------------------------------------------
    def on_reactor(self, change: Callable[[], None], timeout: float = 5.0) -> None:
        done, failure = threading.Event(), []

        def run() -> None:
            try:
                change()
            except Exception as exc:  # handed back to the request
                failure.append(exc)
            finally:
                done.set()

        self.reactor.call_soon(run)
        if not done.wait(timeout):
            raise TimeoutError("the lab reactor did not run the change")
        if failure:
            raise failure[0]

    def soft_off(self, node: VirtualNode) -> None:
        """ACPI power button: the OS powers off ``soft_off_delay`` s later (or never)."""
        node.press_power_button()
        if node.power_on and node.soft_off_delay is not None:
            self.reactor.call_later(node.soft_off_delay, node.power_down)

    # -- WSGI ----------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        environ["bmp_lab.redfish"] = self
        self.stats["requests"] += 1
        request = Request(environ)
        path = request.path.rstrip("/")
        if path == _SESSIONS and request.method == "POST":
            return self._login(request)(environ, start_response)
        if path == "/redfish/v1" and request.method == "GET":
            return self._root(environ)(environ, start_response)
        if path not in _OPEN_PATHS and not self._authorised(request):
            self.stats["refused"] += 1
            response = _error(401, "Authentication required")
            response.headers["WWW-Authenticate"] = 'Basic realm="bmp-lab"'
            return response(environ, start_response)
        if path.startswith("/redfish/v1/SessionService"):
            return self._session_service(request, path)(environ, start_response)
        logs = _LOGS.fullmatch(path)
        if logs:
            return self._log_services(request, *logs.groups())(environ, start_response)
        system = _SYSTEM.fullmatch(path)
        if system and request.method == "GET":
            return self._system(environ, system.group(1))(environ, start_response)
        return self._app(environ, start_response)

    def _authorised(self, request: Request) -> bool:
        token = request.headers.get("X-Auth-Token")
        if token:
            return token in self.sessions
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return self._check(user, password)

    def _check(self, user: str, password: str) -> bool:
        self.stats["logins"] += 1
        ok = hmac.compare_digest(user.encode(), self.username.encode()) and hmac.compare_digest(
            password.encode(), self.password.encode()
        )
        return ok and not self.wrong_password

    def _login(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        if not self._check(str(body.get("UserName", "")), str(body.get("Password", ""))):
            self.stats["refused"] += 1
            return _error(401, "Invalid user name or password")
        session_id, token = secrets.token_hex(4), secrets.token_urlsafe(24)
        self.sessions[token] = session_id
        response = _json({"@odata.id": f"{_SESSIONS}/{session_id}", "Id": session_id}, 201)
        response.headers["X-Auth-Token"] = token
        response.headers["Location"] = f"{_SESSIONS}/{session_id}"
        return response

    def _session_service(self, request: Request, path: str) -> Response:
        if path == "/redfish/v1/SessionService":
            return _json(
                {
                    "@odata.id": path,
                    "@odata.type": "#SessionService.v1_1_0.SessionService",
                    "Id": "SessionService",
                    "Name": "Session Service",
                    "ServiceEnabled": True,
                    "SessionTimeout": 300,
                    "Sessions": {"@odata.id": _SESSIONS},
                }
            )
        if path == _SESSIONS:
            members = [{"@odata.id": f"{_SESSIONS}/{sid}"} for sid in self.sessions.values()]
            return _json({"@odata.id": path, "Members": members})
        session_id = path.rsplit("/", 1)[-1]
        token = next((t for t, sid in self.sessions.items() if sid == session_id), None)
        if token is None:
            return _error(404, f"no session {session_id}")
        if request.method == "DELETE":
            self.sessions.pop(token, None)
            return Response(status=204)
        return _json({"@odata.id": path, "Id": session_id, "UserName": self.username})

    def _root(self, environ) -> Response:
        response = Response.from_app(self._app, environ, buffered=True)
        body = json.loads(response.get_data())
        body["SessionService"] = {"@odata.id": "/redfish/v1/SessionService"}
        body.setdefault("Links", {})["Sessions"] = {"@odata.id": _SESSIONS}
        response.set_data(json.dumps(body))
        return response

    def _system(self, environ, identity: str) -> Response:
        response = Response.from_app(self._app, environ, buffered=True)
        node = self.nodes.get(identity)
        if response.status_code != 200 or node is None:
            return response
        body = json.loads(response.get_data())
        boot = body.setdefault("Boot", {})
        with node._lock:
            valid, persistent = node.boot_valid, node.boot_persistent
        boot["BootSourceOverrideEnabled"] = (
            "Disabled" if not valid else "Continuous" if persistent else "Once"
        )
        allowed = boot.setdefault("BootSourceOverrideTarget@Redfish.AllowableValues", [])
        allowed += [t for t in ("None", "BiosSetup") if t not in allowed]
        body["SerialNumber"] = node.sn
        body["Manufacturer"], body["Model"] = "BMP Lab", "LabServer 1U"
        body["LogServices"] = {"@odata.id": f"/redfish/v1/Systems/{identity}/LogServices"}
        reset = body.get("Actions", {}).get("#ComputerSystem.Reset", {})
        allowed = reset.setdefault("ResetType@Redfish.AllowableValues", [])
        if "PowerCycle" not in allowed:
            allowed.append("PowerCycle")
        response.set_data(json.dumps(body))
        return response

    def _log_services(self, request: Request, identity, service, entries, entry) -> Response:
        node = self.nodes.get(identity)
        if node is None:
            return _error(404, f"System {identity} was not found")
        base = f"/redfish/v1/Systems/{identity}/LogServices"
        if service and entries is not None and entries.startswith("/Actions"):
            if request.method != "POST":
                return _error(405, "ClearLog is a POST")
            self.on_reactor(node.clear_sel)
            return Response(status=204)
        if request.method != "GET":
            return _error(405, "read only")
        if not service:
            return _json(
                {
                    "@odata.id": base,
                    "@odata.type": "#LogServiceCollection.LogServiceCollection",
                    "Name": "Log Service Collection",
                    "Members": [{"@odata.id": f"{base}/SEL"}],
                    "Members@odata.count": 1,
                }
            )
        if entries is None:
            return _json(
                {
                    "@odata.id": f"{base}/SEL",
                    "@odata.type": "#LogService.v1_1_0.LogService",
                    "Id": "SEL",
                    "Name": "System Event Log",
                    "LogEntryType": "SEL",
                    "OverWritePolicy": "WrapsWhenFull",
                    "Entries": {"@odata.id": f"{base}/SEL/Entries"},
                    "Actions": {
                        "#LogService.ClearLog": {
                            "target": f"{base}/SEL/Actions/LogService.ClearLog"
                        }
                    },
                }
            )
        with node._lock:
            records = list(node.sel)
        members = [log_entry(identity, record) for record in records]
        if entry:
            wanted = entry.lstrip("/")
            found = [m for m in members if m["Id"] == wanted]
            return _json(found[0]) if found else _error(404, f"no log entry {wanted}")
        return _json(
            {
                "@odata.id": f"{base}/SEL/Entries",
                "@odata.type": "#LogEntryCollection.LogEntryCollection",
                "Name": "System Event Log Entries",
                "Members": members,
                "Members@odata.count": len(members),
            }
        )


def _json(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _error(status: int, message: str) -> Response:
    return _json(
        {
            "error": {
                "code": "Base.1.0.GeneralError",
                "message": message,
                "@Message.ExtendedInfo": [{"Message": message}],
            }
        },
        status,
    )
