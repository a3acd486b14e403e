"""IPMI through the ``ipmitool`` binary (``-I lanplus``), for BMCs the native client cannot serve.

The password never appears on the command line (where ``ps`` shows it to every user, as
upstream's ``-P`` did): it goes through the environment (``-E`` reads ``IPMI_PASSWORD``), and
the child gets a minimal environment. Arguments are a list (no shell). ipmitool runs with
``-v`` because only then does it say *why* a session failed (wrong password, role...).
python-ipmi's own ``ipmitool`` interface is not used: it passes the password with ``-P``.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import time

from bmp_common.sel import DEASSERTION, SENSOR_TYPE_CODES, SelEvent
from bmp_driver.backends.base import (
    POWER_OFF,
    POWER_ON,
    BmcAuthError,
    BmcBackend,
    BmcBusyError,
    BmcPrivilegeError,
    BmcUnreachableError,
    BootSetting,
    DriverError,
    FruInfo,
    SelInfo,
    SelRecord,
)

log = logging.getLogger(__name__)

DEFAULT_BINARY = "ipmitool"
# Boot device codes of boot flags parameter 5, data byte 2 bits 5:2 (IPMI 2.0 table 28-14).
_DEVICE_BY_CODE = {0: "none", 1: "pxe", 2: "disk", 3: "safe", 4: "diag", 5: "cdrom", 6: "bios"}

# stderr of ``ipmitool -v`` -> the driver's errors; the first match wins.
_STDERR_ERRORS: list[tuple[re.Pattern, type[DriverError]]] = [
    (
        re.compile(r"HMAC is invalid|unauthorized name|invalid integrity check|invalid user", re.I),
        BmcAuthError,
    ),
    (re.compile(r"unauthorized role|invalid role|insufficient privilege", re.I), BmcPrivilegeError),
    (re.compile(r"insufficient resources", re.I), BmcBusyError),
    (
        re.compile(r"Get Auth Capabilities error|No response|timeout|Unable to send", re.I),
        BmcUnreachableError,
    ),
]
_MESSAGES = {
    BmcAuthError: "the BMC at {where} refused the user name or password",
    BmcPrivilegeError: "the BMC user at {where} lacks the privilege level this action needs",
    BmcBusyError: "the BMC at {where} has no free session",
    BmcUnreachableError: "the BMC at {where} does not answer (IPMI over UDP)",
}
_NOISE = re.compile(
    r"^(Loading IANA|Using best available|Running Get VSO|Invalid completion code received: "
    r"Invalid command|Discovered IPMB|\s*$)"
)


class IpmitoolBackend(BmcBackend):
    name = "ipmitool"

    def __init__(self, *args, binary: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.binary = binary or os.environ.get("BMP_DRIVER_IPMITOOL") or DEFAULT_BINARY

    def command(self, *args: str, privilege: str | None = None) -> list[str]:
        """The argv of one ipmitool run: everything but the password."""
        creds = self.credentials
        return [
            self.binary,
            "-I",
            "lanplus",
            "-H",
            creds.address,
            "-p",
            str(creds.port),
            "-U",
            creds.username,
            "-E",  # the password comes from IPMI_PASSWORD
            "-L",
            (privilege or self.privilege).upper(),
            "-N",
            str(max(1, round(self.policy.timeout))),
            "-R",
            "1",
            "-v",
            *args,
        ]

    def _run(self, *args: str, privilege: str | None = None) -> str:
        argv = self.command(*args, privilege=privilege)
        where = str(self.credentials)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LC_ALL": "C",
            "TZ": "UTC",
            "IPMI_PASSWORD": self.credentials.password,
        }
        # ipmitool's own tries: (-R 1) + 1 of -N seconds per packet of the session setup.
        limit = max(1, round(self.policy.timeout)) * 2 * 6 + 5
        try:
            done = subprocess.run(  # noqa: S603 (argv list, no shell, no secret in it)
                argv, env=env, capture_output=True, text=True, timeout=limit, check=False
            )
        except subprocess.TimeoutExpired:
            raise BmcUnreachableError(f"ipmitool got no answer from the BMC at {where}") from None
        except OSError as exc:
            raise DriverError(f"ipmitool cannot be run ({self.binary}): {exc.strerror}") from None
        if done.returncode != 0:
            raise _classify(done.stderr, where)
        return done.stdout

    # -- one try each ------------------------------------------------------------------------
    def _power_status(self) -> str:
        out = self._run("chassis", "power", "status")
        match = re.search(r"Chassis Power is (on|off)", out)
        if not match:
            raise DriverError(f"unexpected power status from the BMC at {self.credentials}")
        return POWER_ON if match.group(1) == "on" else POWER_OFF

    def _chassis_control(self, command: str) -> None:
        self._run("chassis", "power", command)

    def _get_boot_device(self) -> BootSetting:
        out = self._run("chassis", "bootparam", "get", "5")
        match = re.search(r"Boot parameter data:\s*([0-9a-fA-F]{4,})", out)
        if not match:
            raise DriverError(f"unexpected boot flags from the BMC at {self.credentials}")
        data = bytes.fromhex(match.group(1))
        return BootSetting(
            device=_DEVICE_BY_CODE.get((data[1] >> 2) & 0x0F, "none"),
            persistent=bool(data[0] & 0x40),
            efi=bool(data[0] & 0x20),
            valid=bool(data[0] & 0x80),
        )

    def _set_boot_device(self, device: str, persistent: bool, efi: bool) -> None:
        options = [name for name, on in (("persistent", persistent), ("efiboot", efi)) if on]
        extra = [f"options={','.join(options)}"] if options else []
        self._run("chassis", "bootdev", device, *extra)

    def _check_credentials(self, privilege: str) -> None:
        self._run("chassis", "power", "status", privilege=privilege)

    def _sel_list(self) -> list[SelRecord]:
        return parse_verbose_sel(self._run("sel", "list"))

    def _sel_info(self) -> SelInfo:
        fields = _fields(self._run("sel", "info"))
        try:
            entries = int(fields.get("Entries", "0"))
        except ValueError:
            raise DriverError(f"unexpected SEL info from the BMC at {self.credentials}") from None
        return SelInfo(
            entries=entries,
            last_add=_ipmitool_time(fields.get("Last Add Time", "")),
            last_erase=_ipmitool_time(fields.get("Last Del Time", "")),
        )

    def _sel_events(self) -> list[SelEvent]:
        return parse_verbose_sel_events(self._run("sel", "list"))

    def _fru_inventory(self) -> FruInfo:
        fields = _fields(self._run("fru", "print", "0"))
        return FruInfo(
            manufacturer=fields.get("Product Manufacturer") or fields.get("Board Mfg", ""),
            product=fields.get("Product Name") or fields.get("Board Product", ""),
            part_number=fields.get("Product Part Number", ""),
            serial=fields.get("Product Serial", ""),
            board_serial=fields.get("Board Serial", ""),
        )


def _fields(out: str) -> dict[str, str]:
    fields = {}
    for line in out.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields.setdefault(key.strip(), value.strip())
    return fields


def _ipmitool_time(text: str) -> int:
    """``12/06/26 21:05:36 UTC`` (ipmitool prints UTC with TZ=UTC); 0 when not a time."""
    text = text.replace("UTC", "").strip()
    for layout in ("%m/%d/%y %H:%M:%S", "%m/%d/%Y %H:%M:%S"):
        try:
            return int(time.mktime(time.strptime(text, layout)) - time.timezone)
        except ValueError:
            continue
    return 0


_EVENT_TYPES = {"threshold": 0x01, "sensor-specific discrete": 0x6F, "generic discrete": 0x6F}


def parse_verbose_sel_events(out: str) -> list[SelEvent]:
    """Records of ``ipmitool -v sel list`` as SEL events (its verbose form carries the codes,
    but no time of day: the timestamp is 0)."""
    events = []
    for block in re.split(r"\n\s*\n", out):
        fields = _fields(block)
        if "SEL Record ID" not in fields or "Sensor Number" not in fields:
            continue
        data = bytes.fromhex(fields.get("Event Data", "") or "ffffff")[:3].ljust(3, b"\xff")
        event_type = _EVENT_TYPES.get(fields.get("Event Type", "").lower(), 0x6F)
        if not fields.get("Event Direction", "").startswith("Assertion"):
            event_type |= DEASSERTION
        events.append(
            SelEvent(
                record_id=int(fields["SEL Record ID"], 16),
                timestamp=0,
                sensor_type=SENSOR_TYPE_CODES.get(fields.get("Sensor Type", "").lower(), 0),
                sensor_number=int(fields["Sensor Number"], 16),
                event_type=event_type,
                event_data=tuple(data),
            )
        )
    return events


def _classify(stderr: str, where: str) -> DriverError:
    for pattern, error in _STDERR_ERRORS:
        if pattern.search(stderr):
            return error(_MESSAGES[error].format(where=where))
    lines = [line.strip() for line in stderr.splitlines() if not _NOISE.match(line)]
    detail = lines[-1] if lines else "no detail"
    return DriverError(f"ipmitool failed on the BMC at {where}: {detail}")


def parse_verbose_sel(out: str) -> list[SelRecord]:
    """Records of ``ipmitool -v sel list`` (blocks of ``Key : value`` lines)."""
    records = []
    for block in re.split(r"\n\s*\n", out):
        fields = {}
        for line in block.splitlines():
            key, sep, value = line.partition(":")
            if sep:
                fields[key.strip()] = value.strip()
        if "SEL Record ID" not in fields:
            continue
        sensor = fields.get("Sensor Number")
        records.append(
            SelRecord(
                record_id=int(fields["SEL Record ID"], 16),
                timestamp=None,  # ipmitool -v prints the date twice instead of date and time
                sensor_number=int(sensor, 16) if sensor else None,
                asserted=fields.get("Event Direction", "").startswith("Assertion"),
                event_data=fields.get("Event Data", ""),
                description=fields.get("Description") or fields.get("Sensor Type", ""),
            )
        )
    return records
