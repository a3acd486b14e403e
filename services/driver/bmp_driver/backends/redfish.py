"""Redfish through sushy: power, boot override, inventory and the SEL log service of one system.

The BMC is ``https://<address>:<port>`` (port 623, the IPMI default a device gets when none is
set, means the scheme's own port: 443). TLS is verified, against the system's CAs or the IDC's
CA bundle (``verify``: a file path; ``ca_bundle_file`` writes one from PEM text). Plain http
needs both an ``http`` scheme and ``allow_http=True``: it is for labs, never a default.

A BMC that manages several systems (a chassis manager, the lab's emulator) is asked for the
one whose Id or SerialNumber is ``system`` (the device's SN); with one system, that one.

Each backend object logs in once (sushy's session, else basic auth) and reuses the connection
for every call of an action; ``held_session`` ends it. sushy's own retries are off: the base
class's policy retries what did not answer, and never a refused password.

The SEL: the System's (else its Manager's) log service whose Id is ``SEL`` or whose
``LogEntryType`` is ``SEL``; its entries of ``EntryType`` ``SEL`` are turned back into the
IPMI records (``bmp_common.sel.SelEvent``) that the IPMI backends return, so the out-of-band
monitor matches them with the same rules: ``SensorType`` names the sensor type, ``EntryCode``
the direction (``Assert``/``Deassert``) or the threshold crossed, ``Message`` the event.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import requests
import sushy
import sushy.auth
from sushy import exceptions as sushy_exc

from bmp_common.sel import (
    DEASSERTION,
    EVENT_TYPE_SENSOR_SPECIFIC,
    SENSOR_TYPE_CODES,
    SENSOR_TYPES,
    SelEvent,
    event_codes,
)
from bmp_driver.backends.base import (
    POWER_OFF,
    POWER_ON,
    BmcAuthError,
    BmcBackend,
    BmcCredentials,
    BmcPrivilegeError,
    BmcUnreachableError,
    BootSetting,
    CallPolicy,
    DriverError,
    FruInfo,
    SelInfo,
    SelRecord,
)
from bmp_driver.config import env_float

log = logging.getLogger(__name__)

IPMI_DEFAULT_PORT = 623
DEFAULT_PORTS = {"https": 443, "http": 80}

# ipmitool's boot device names -> Redfish BootSourceOverrideTarget, and back.
BOOT_TARGETS = {
    "none": "None",
    "pxe": "Pxe",
    "disk": "Hdd",
    "cdrom": "Cd",
    "bios": "BiosSetup",
    "diag": "Diags",
}
BOOT_DEVICES = {target: device for device, target in BOOT_TARGETS.items()}

_RESET = {"on": "On", "off": "ForceOff", "soft": "GracefulShutdown", "reset": "ForceRestart"}

# Redfish SensorType spellings that differ from IPMI's (DMTF's Redfish SensorType enum).
SENSOR_TYPE_ALIASES = {
    "power supply / converter": 0x08,
    "system acpi powerstate": 0x22,
    "drive slot/bay": 0x0D,
    "physical chassis security": 0x05,
    "os stop/shutdown": 0x20,
    "watchdog": 0x23,
}


class SessionElseBasicAuth(sushy.auth.SessionOrBasicAuth):
    """A session where the service root offers the session service, else basic auth: never
    both. sushy's own ``SessionOrBasicAuth`` answers a refused session with a basic-auth try,
    so a wrong password would cost two failed logins on the BMC's lockout counter."""

    def _do_authenticate(self):
        root = getattr(self._root_resource, "json", None) or {}
        if "SessionService" in root or "Sessions" in (root.get("Links") or {}):
            sushy.auth.SessionAuth._do_authenticate(self)
        else:
            self._fallback_to_basic_authentication()


def redfish_timeout() -> float:
    """Seconds to wait for one Redfish answer (``BMP_DRIVER_REDFISH_TIMEOUT``, default 10)."""
    return env_float("BMP_DRIVER_REDFISH_TIMEOUT", 10.0)


def ca_bundle_file(pem: str) -> str:
    """A file holding ``pem`` (an IDC's CA bundle), for requests' ``verify``; one per content."""
    digest = hashlib.sha256(pem.encode()).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / f"bmp-driver-ca-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / f"{digest}.pem"
    if not path.exists():
        tmp = folder / f".{digest}.{os.getpid()}"
        tmp.write_text(pem)
        os.replace(tmp, path)
    return str(path)


def base_url(
    credentials: BmcCredentials, scheme: str = "https", *, allow_http: bool = False
) -> str:
    if scheme not in DEFAULT_PORTS:
        raise DriverError(f"Redfish scheme must be https or http, not {scheme!r}")
    if scheme == "http" and not allow_http:
        raise DriverError(
            f"plain http to the Redfish BMC at {credentials.address} is not allowed "
            "(it is for labs, and must be allowed explicitly)"
        )
    port = credentials.port
    if port == IPMI_DEFAULT_PORT:
        port = DEFAULT_PORTS[scheme]
    host = f"[{credentials.address}]" if ":" in credentials.address else credentials.address
    return f"{scheme}://{host}:{port}"


def probe(url: str, *, verify: bool | str = True, timeout: float = 3.0) -> bool:
    """Whether a Redfish service answers at ``url`` (its unauthenticated service root)."""
    try:
        answer = requests.get(f"{url}/redfish/v1/", verify=verify, timeout=timeout)
    except requests.exceptions.SSLError:
        return True  # TLS spoken there, a certificate we do not trust: Redfish, failing clearly
    except requests.exceptions.RequestException:
        return False
    if answer.status_code != 200:
        return False
    try:
        root = answer.json()
    except ValueError:
        return False
    return isinstance(root, dict) and ("RedfishVersion" in root or "Systems" in root)


def _value(field) -> str:
    """A sushy enum (or plain string, or None) as its Redfish text."""
    return "" if field is None else str(getattr(field, "value", field))


def _timestamp(created: str | None) -> int:
    if not created:
        return 0
    try:
        when = datetime.datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        return 0
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return int(when.timestamp())


def _sensor_type(name: str) -> int | None:
    key = (name or "").strip().lower()
    return SENSOR_TYPE_CODES.get(key, SENSOR_TYPE_ALIASES.get(key))


def sel_event(entry: dict, position: int) -> SelEvent:
    """One Redfish SEL LogEntry as the IPMI record it stands for."""
    try:
        record_id = int(entry.get("Id", ""))
    except ValueError:
        record_id = position
    sensor_type = _sensor_type(entry.get("SensorType", ""))
    code = (entry.get("EntryCode") or "").strip()
    message = (entry.get("Message") or "").strip()
    deasserted = code.lower() == "deassert"
    event = message if code.lower() in ("assert", "deassert", "") else code.replace(" - ", " ")
    event_type, offset = EVENT_TYPE_SENSOR_SPECIFIC, 0x0F  # "unknown" unless named below
    if sensor_type is not None:
        for text in (event, message):
            try:
                _, event_type, offset = event_codes(SENSOR_TYPES[sensor_type], text)
                break
            except ValueError:
                continue
    number = entry.get("SensorNumber")
    return SelEvent(
        record_id=record_id,
        timestamp=_timestamp(entry.get("Created")),
        sensor_type=sensor_type if sensor_type is not None else 0,
        sensor_number=number if isinstance(number, int) else 0,
        event_type=event_type | (DEASSERTION if deasserted else 0),
        event_data=(offset, 0xFF, 0xFF),
    )


class RedfishBackend(BmcBackend):
    name = "redfish"

    def __init__(
        self,
        credentials: BmcCredentials,
        policy: CallPolicy | None = None,
        *,
        privilege: str = "administrator",
        scheme: str = "https",
        verify: bool | str = True,
        allow_http: bool = False,
        system: str | None = None,
        timeout: float | None = None,
    ) -> None:
        super().__init__(credentials, policy, privilege=privilege)
        self.url = base_url(credentials, scheme, allow_http=allow_http)
        self.verify = verify if scheme == "https" else False
        self.system_hint = system or None
        self.timeout = timeout if timeout is not None else redfish_timeout()
        self._root: sushy.Sushy | None = None
        self._system_path: str | None = None
        self._held = 0

    def __str__(self) -> str:
        return self.url

    # -- connection --------------------------------------------------------------------------
    @contextlib.contextmanager
    def held_session(self) -> Iterator[None]:
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
            if not self._held:
                self.close()

    def _call(self, what, once):
        if self._held:
            return super()._call(what, once)
        with self.held_session():  # a call on its own logs out after it
            return super()._call(what, once)

    def close(self) -> None:
        root, self._root = self._root, None
        if root is not None:
            with contextlib.suppress(Exception):
                root._auth.close()  # ends the BMC session (real BMCs hold few of them)
            root._auth = None

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """sushy's and requests' errors as the driver's."""
        where = f"the Redfish BMC at {self.url}"
        try:
            yield
        except DriverError:
            raise
        except sushy_exc.AccessError as exc:
            self.close()
            if exc.status_code == 403:
                raise BmcPrivilegeError(
                    f"{where} refused the action: the user's role does not allow it"
                ) from None
            raise BmcAuthError(f"{where} refused the user name or password") from None
        except sushy_exc.ConnectionError as exc:
            self.close()
            if "CERTIFICATE_VERIFY_FAILED" in str(exc) or "SSLError" in str(exc):
                raise DriverError(
                    f"{where} has a TLS certificate that is not trusted (set the IDC's CA "
                    "bundle to the CA that signed it)"
                ) from None
            raise BmcUnreachableError(f"no answer from {where}") from None
        except sushy_exc.ResourceNotFoundError as exc:
            raise DriverError(f"{where} has no {exc.url}") from None
        except sushy_exc.HTTPError as exc:
            raise DriverError(
                f"{where} answered {exc.status_code} to {exc.method} {exc.url}: "
                f"{exc.detail or exc.message}"
            ) from None
        except (sushy_exc.SushyError, requests.exceptions.RequestException) as exc:
            raise DriverError(f"{where}: {exc}") from None

    def _connect(self) -> sushy.Sushy:
        if self._root is None:
            with self._errors():
                self._root = sushy.Sushy(
                    self.url,
                    auth=SessionElseBasicAuth(self.credentials.username, self.credentials.password),
                    verify=self.verify,
                    server_side_retries=0,
                    server_side_retries_delay=0,
                    read_timeout=self.timeout,
                    connect_timeout=min(self.timeout, self.policy.timeout * 2),
                )
        return self._root

    def _get(self, path: str) -> dict:
        root = self._connect()
        with self._errors():
            return root._conn.get(path).json()

    def _system(self):
        root = self._connect()
        with self._errors():
            if self._system_path is None:
                self._system_path = self._pick_system(root)
            return root.get_system(self._system_path)

    def _pick_system(self, root: sushy.Sushy) -> str:
        members = root.get_system_collection().members_identities
        if not members:
            raise DriverError(f"the Redfish BMC at {self.url} manages no system")
        if len(members) == 1:
            return members[0]
        hint = self.system_hint
        for path in members:
            if hint and path.rstrip("/").rsplit("/", 1)[-1] == hint:
                return path
        for path in members:
            if hint and root.get_system(path).serial_number == hint:
                return path
        raise DriverError(
            f"the Redfish BMC at {self.url} manages {len(members)} systems and none is {hint!r}"
        )

    # -- one try each ------------------------------------------------------------------------
    def _power_status(self) -> str:
        state = _value(self._system().power_state)
        # "PoweringOn" is not on yet; "PoweringOff" is not off yet.
        return POWER_ON if state in ("On", "PoweringOff") else POWER_OFF

    def _chassis_control(self, command: str) -> None:
        system = self._system()
        with self._errors():
            allowed = {_value(value) for value in system.get_allowed_reset_system_values()}
            if command == "cycle":
                reset = "PowerCycle" if "PowerCycle" in allowed else "ForceRestart"
            else:
                reset = _RESET[command]
            if reset not in allowed:
                raise DriverError(f"the Redfish BMC at {self.url} does not offer {reset}")
            system.reset_system(sushy.ResetType(reset))

    def _get_boot_device(self) -> BootSetting:
        boot = self._system().boot
        enabled = _value(boot.enabled) or "Disabled"
        return BootSetting(
            device=BOOT_DEVICES.get(_value(boot.target), "none"),
            persistent=enabled == "Continuous",
            efi=_value(boot.mode) == "UEFI",
            valid=enabled != "Disabled",
        )

    def _set_boot_device(self, device: str, persistent: bool, efi: bool) -> None:
        target = BOOT_TARGETS.get(device)
        if target is None:
            raise DriverError(f"Redfish has no boot device {device!r}")
        system = self._system()
        with self._errors():
            mode = None
            if system.boot.mode is not None:  # a BMC without boot modes takes none
                mode = sushy.BootSourceOverrideMode("UEFI" if efi else "Legacy")
            system.set_system_boot_options(
                target=sushy.BootSource(target),
                enabled=sushy.BootSourceOverrideEnabled("Continuous" if persistent else "Once"),
                mode=mode,
            )

    def _check_credentials(self, privilege: str) -> None:
        # Redfish logs in per request or session: an authenticated read proves the password.
        # The role is not asked: an action it does not allow answers 403 (USER_PRIVILEGE_ERROR).
        self._system()

    def _fru_inventory(self) -> FruInfo:
        system = self._system()
        return FruInfo(
            manufacturer=system.manufacturer or "",
            product=system.model or "",
            part_number=system.part_number or "",
            serial=system.serial_number or "",
            board_serial="",
        )

    def system_inventory(self) -> dict:
        """What the System resource says: vendor, model, serial, BIOS, CPUs, memory, NICs."""
        return self._call("inventory", self._system_inventory)

    def _system_inventory(self) -> dict:
        system = self._system()
        with self._errors():
            memory = system.memory_summary
            nics = []
            with contextlib.suppress(sushy_exc.SushyError):
                nics = [
                    {"id": nic.identity, "mac": (nic.mac_address or "").lower()}
                    for nic in system.ethernet_interfaces.get_members()
                ]
            return {
                "id": system.identity,
                "manufacturer": system.manufacturer or "",
                "model": system.model or "",
                "serial": system.serial_number or "",
                "bios_version": system.bios_version or "",
                "power": self._power_status(),
                "cpus": (system.json.get("ProcessorSummary") or {}).get("Count", 0),
                "memory_gib": (memory.size_gib or 0) if memory is not None else 0,
                "nics": nics,
            }

    # -- the SEL -----------------------------------------------------------------------------
    def _sel_service(self) -> str:
        system = self._system()
        services = []
        for holder in (system.json, *self._managers_json()):
            link = (holder.get("LogServices") or {}).get("@odata.id")
            if link:
                services += [m["@odata.id"] for m in self._get(link).get("Members", [])]
        for path in services:
            service = self._get(path)
            if service.get("Id") == "SEL" or service.get("LogEntryType") == "SEL":
                return (service.get("Entries") or {}).get("@odata.id") or f"{path}/Entries"
        raise DriverError(f"the Redfish BMC at {self.url} offers no SEL log service")

    def _managers_json(self) -> list[dict]:
        system = self._system()
        links = (system.json.get("Links") or {}).get("ManagedBy") or []
        found = []
        for link in links:
            with contextlib.suppress(DriverError):
                found.append(self._get(link["@odata.id"]))
        return found

    def _sel_entries(self) -> list[dict]:
        path: str | None = self._sel_service()
        entries = []
        while path:
            page = self._get(path)
            entries += page.get("Members", [])
            path = page.get("Members@odata.nextLink")
        return [e for e in entries if e.get("EntryType", "SEL") == "SEL"]

    def _sel_events(self) -> list[SelEvent]:
        events = [sel_event(entry, i) for i, entry in enumerate(self._sel_entries(), start=1)]
        return sorted(events, key=lambda event: (event.timestamp, event.record_id))

    def _sel_list(self) -> list[SelRecord]:
        return [
            SelRecord(
                record_id=event.record_id,
                timestamp=event.timestamp,
                sensor_number=event.sensor_number,
                asserted=event.asserted,
                event_data="".join(f"{byte:02x}" for byte in event.event_data),
                description=f"{event.sensor} | {event.event} | {event.direction}",
            )
            for event in self._sel_events()
        ]

    def _sel_info(self) -> SelInfo:
        events = self._sel_events()
        # Redfish keeps no "last cleared" time; the BMC's own "log area reset/cleared" record
        # (Event Logging Disabled, offset 2) says when, where the BMC logs one.
        erased = [
            event.timestamp
            for event in events
            if event.sensor_type == 0x10 and event.event_data[0] == 0x02 and event.asserted
        ]
        return SelInfo(
            entries=len(events),
            last_add=max((event.timestamp for event in events), default=0),
            last_erase=max(erased, default=0),
        )
