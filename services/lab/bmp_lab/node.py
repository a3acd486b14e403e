"""A virtual server: power, boot flags and a System Event Log, driven by its BMC.

The BMC changes the node; the node tells its listeners (the simulated LiveOS agent, tests) what
happened. Listeners run on the BMC's event-loop thread, so they must only hand the event over
(set an Event, put on a queue) and never block.
"""

from __future__ import annotations

import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bmp_common.sel import event_codes

# IPMI boot device selector (Get/Set System Boot Options, parameter 5, data byte 2 bits 5:2).
BOOT_DEVICE_CODES = {"none": 0x0, "pxe": 0x1, "disk": 0x2, "safe": 0x3, "cdrom": 0x5, "bios": 0x6}
BOOT_DEVICE_NAMES = {code: name for name, code in BOOT_DEVICE_CODES.items()}

# Events a listener receives: (node, event). A boot event carries the device the node booted from.
POWER_ON = "power_on"  # from off; node.booted_from tells the device
RESET = "reset"  # warm (hard) reset while on; node.booted_from tells the device
POWER_CYCLE = "power_cycle"  # off then on while on; node.booted_from tells the device
POWER_OFF = "power_off"  # hard off, or the end of a soft (ACPI) shutdown
SOFT_OFF = "soft_off"  # the BMC pressed the ACPI power button; the OS decides what follows
BOOT_EVENTS = (POWER_ON, RESET, POWER_CYCLE)

SEL_CAPACITY = 512  # records; a full SEL drops its oldest record (like BMCs set to "circular")

# The sensors every lab BMC reports in its SDR repository: (number, sensor type, event/reading
# type, name). SEL records name them by number; `ipmitool sel elist` shows the names.
SENSORS: tuple[tuple[int, int, int, str], ...] = (
    (0x01, 0x10, 0x6F, "Event Log"),
    (0x02, 0x22, 0x6F, "ACPI State"),
    (0x0B, 0x01, 0x01, "Inlet Temp"),
    (0x20, 0x04, 0x01, "Fan1"),
    (0x30, 0x08, 0x6F, "PS1 Status"),
    (0x31, 0x08, 0x6F, "PS2 Status"),
    (0x40, 0x02, 0x01, "12V"),
    (0x50, 0x07, 0x6F, "CPU1 Status"),
    (0x60, 0x0C, 0x6F, "DIMM Status"),
    (0x70, 0x0D, 0x6F, "Drive 0"),
    (0x80, 0x13, 0x6F, "PCIe Status"),
)


def sdr_records() -> list[bytes]:
    """The SDR repository: one compact sensor record (IPMI 2.0 section 43.2) per sensor."""
    records = []
    for record_id, (number, stype, etype, name) in enumerate(SENSORS, start=1):
        mask = 0x0FFF if etype == 0x01 else 0x7FFF
        body = struct.pack(
            "<BBBBBBBBBHHHBBBHBB3xB",
            0x20,  # owner: the BMC
            0x00,  # LUN 0
            number,
            0x07,  # entity: system board
            0x01,  # entity instance
            0x67,  # initialisation: scanning, events, thresholds/hysteresis defaults
            0x40,  # capabilities: auto re-arm
            stype,
            etype,
            mask,  # assertion event mask
            mask,  # deassertion event mask
            mask,  # discrete reading mask
            0x00,  # units 1
            0x00,  # base unit: unspecified
            0x00,  # modifier unit
            0x0001,  # record sharing: one sensor
            0x00,  # positive-going hysteresis
            0x00,  # negative-going hysteresis
            0x00,  # OEM
        )
        label = name.encode()[:16]
        body += bytes([0xC0 | len(label)]) + label
        records.append(struct.pack("<HBBB", record_id, 0x51, 0x02, len(body)) + body)
    return records


def sensor_for(sensor_type: int) -> int:
    """The number of the lab's first sensor of a type (0x01 if it has none)."""
    return next((number for number, stype, _, _ in SENSORS if stype == sensor_type), 0x01)


Listener = Callable[["VirtualNode", str], None]


@dataclass(frozen=True)
class SelRecord:
    """One 16-byte system event record (IPMI 2.0 section 32.1)."""

    record_id: int
    timestamp: int
    sensor_type: int
    sensor_number: int
    event_type: int  # event/reading type code, bit 7 = deassertion
    data: tuple[int, int, int]

    def pack(self) -> bytes:
        return struct.pack(
            "<HBIHBBBBBBB",
            self.record_id,
            0x02,  # system event record
            self.timestamp,
            0x0020,  # generator: the BMC itself
            0x04,  # event message format revision (IPMI 2.0)
            self.sensor_type,
            self.sensor_number,
            self.event_type,
            *self.data,
        )


# What a freshly racked server's SEL typically holds: (sensor type, number, type, data).
_INITIAL_EVENTS = (
    (0x10, 0x01, 0x6F, (0x02, 0xFF, 0xFF)),  # event logging: log area reset/cleared
    (0x08, 0x31, 0x6F, (0x03, 0xFF, 0xFF)),  # power supply 2: AC lost
    (0x08, 0x31, 0xEF, (0x03, 0xFF, 0xFF)),  # power supply 2: AC lost, deasserted
    (0x01, 0x0B, 0x01, (0x59, 0x55, 0x50)),  # inlet temperature: upper critical going high
    (0x0C, 0x60, 0x6F, (0xA0, 0x00, 0x03)),  # memory: correctable ECC on DIMM 3
)


@dataclass
class VirtualNode:
    """The simulated server behind one BMC."""

    index: int
    sn: str
    mac: str
    power_on: bool = False
    boot_device: str = "disk"  # what the boot flags select (kept when the valid bit is cleared)
    boot_valid: bool = False  # an override is set for the next boot (or all boots if persistent)
    boot_persistent: bool = False
    boot_efi: bool = True
    soft_off_delay: float | None = 0.5  # seconds the OS takes to honour ACPI; None = ignores it
    booted_from: str | None = None  # the device the current boot came from
    boot_count: int = 0
    sel: list[SelRecord] = field(default_factory=list)
    sel_erased_at: int = 0
    _listeners: list[Listener] = field(default_factory=list, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _next_record_id: int = 1

    def __post_init__(self) -> None:
        now = int(time.time())
        self.sel_erased_at = now - 86400
        for offset, (stype, number, etype, data) in enumerate(_INITIAL_EVENTS):
            self._append_sel(stype, number, etype, data, now - 86400 + 3600 * offset)

    # -- listeners ---------------------------------------------------------------------------
    def add_listener(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def _notify(self, event: str) -> None:
        for listener in list(self._listeners):
            listener(self, event)

    # -- power -------------------------------------------------------------------------------
    @property
    def effective_boot_device(self) -> str:
        """The device the next boot uses: the override if valid, else the firmware's order."""
        with self._lock:
            return self.boot_device if self.boot_valid else "disk"

    def _boot(self, event: str) -> None:
        with self._lock:
            self.booted_from = self.effective_boot_device
            self.boot_count += 1
            if self.boot_valid and not self.boot_persistent:
                self.boot_valid = False  # a one-time override is consumed by the boot
            self.power_on = True
            # System ACPI power state: S0/G0 working
            self._append_sel(0x22, 0x02, 0x6F, (0x00, 0xFF, 0xFF))
        self._notify(event)

    def power_up(self) -> None:
        if self.power_on:
            return  # real BMCs accept "on" when already on
        self._boot(POWER_ON)

    def reset(self) -> None:
        self._boot(RESET)

    def power_cycle(self) -> None:
        self._boot(POWER_CYCLE)

    def press_power_button(self) -> None:
        """ACPI soft-off request: listeners running a real OS (QEMU) pass it on."""
        if self.power_on:
            self._notify(SOFT_OFF)

    def power_down(self) -> None:
        with self._lock:
            if not self.power_on:
                return
            self.power_on = False
            self.booted_from = None
            # System ACPI power state: S5/G2 soft-off
            self._append_sel(0x22, 0x02, 0x6F, (0x05, 0xFF, 0xFF))
        self._notify(POWER_OFF)

    # -- boot flags --------------------------------------------------------------------------
    def set_boot_flags(self, *, device: str, valid: bool, persistent: bool, efi: bool) -> None:
        with self._lock:
            self.boot_device = device
            self.boot_valid = valid
            self.boot_persistent = persistent
            self.boot_efi = efi

    # -- SEL ---------------------------------------------------------------------------------
    def _append_sel(self, stype: int, number: int, etype: int, data, timestamp=None) -> None:
        record = SelRecord(
            record_id=self._next_record_id,
            timestamp=int(time.time()) if timestamp is None else timestamp,
            sensor_type=stype,
            sensor_number=number,
            event_type=etype,
            data=tuple(data),
        )
        self._next_record_id = self._next_record_id % 0xFFFE + 1  # ids 0 and 0xFFFF are special
        self.sel.append(record)
        del self.sel[:-SEL_CAPACITY]

    def add_sel_event(self, sensor_type: int, sensor_number: int, event_type: int, data) -> None:
        """Log an event (tests use it to feed the out-of-band monitoring path)."""
        with self._lock:
            self._append_sel(sensor_type, sensor_number, event_type, data)

    def add_named_event(
        self, sensor: str, event: str, *, deassert: bool = False, timestamp: int | None = None
    ) -> SelRecord:
        """Log an event named as ipmitool prints it, e.g. ("Memory", "Uncorrectable ECC")."""
        sensor_type, event_type, offset = event_codes(sensor, event)
        if deassert:
            event_type |= 0x80
        with self._lock:
            self._append_sel(
                sensor_type, sensor_for(sensor_type), event_type, (offset, 0xFF, 0xFF), timestamp
            )
            return self.sel[-1]

    def add_raw_record(self, raw: bytes) -> SelRecord:
        """Add SEL Entry: the BMC gives the record its id and, as real BMCs do, the time."""
        stype, number, etype = raw[10], raw[11], raw[12]
        with self._lock:
            self._append_sel(stype, number, etype, tuple(raw[13:16]))
            return self.sel[-1]

    def fill_sel(self, count: int) -> None:
        """Log `count` routine records (benchmarks): ACPI power-state changes, one a second."""
        start = int(time.time()) - count
        with self._lock:
            for i in range(count):
                self._append_sel(0x22, 0x02, 0x6F, (5 if i % 2 else 0, 0xFF, 0xFF), start + i)

    def clear_sel(self) -> None:
        with self._lock:
            self.sel.clear()
            self.sel_erased_at = int(time.time())

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "index": self.index,
                "sn": self.sn,
                "mac": self.mac,
                "power": "on" if self.power_on else "off",
                "boot_device": self.boot_device,
                "boot_valid": self.boot_valid,
                "boot_persistent": self.boot_persistent,
                "boot_efi": self.boot_efi,
                "booted_from": self.booted_from,
                "sel_entries": len(self.sel),
            }


def _field(text: str) -> bytes:
    data = text.encode("latin-1")[:63]
    return bytes([0xC0 | len(data)]) + data


def _area(body: bytes) -> bytes:
    """A FRU info area: version 1, length in 8-byte units, body, end marker, pad, checksum."""
    data = bytearray([0x01, 0x00]) + body + b"\xc1"
    while (len(data) + 1) % 8:
        data.append(0)
    data[1] = (len(data) + 1) // 8
    return bytes(data) + bytes([(-sum(data)) & 0xFF])


def fru_image(sn: str) -> bytes:
    """FRU 0 of a lab server (IPMI Platform Management FRU Information Storage Definition 1.0):
    chassis, board and product areas."""
    chassis = _area(bytes([0x17]) + _field("LAB-CHS-1") + _field(sn))
    board = _area(
        bytes([0x00, 0x00, 0x00, 0x00])  # language English, manufacturing time unspecified
        + _field("BMP Lab")
        + _field("Lab Board")
        + _field(f"B{sn}")
        + _field("LB-100")
        + _field("")
    )
    product = _area(
        bytes([0x00])
        + _field("BMP Lab")
        + _field("LabServer 1U")
        + _field("LS-1")
        + _field("1.0")
        + _field(sn)
        + _field("")
        + _field("")
    )
    offsets = [0, 1, 1 + len(chassis) // 8, 1 + (len(chassis) + len(board)) // 8, 0, 0]
    header = bytearray([0x01, *offsets])
    header.append((-sum(header)) & 0xFF)
    return bytes(header) + chassis + board + product


def node_identity(index: int) -> tuple[str, str]:
    """Deterministic (sn, mac) for lab node `index` (1-based): LAB-0001, 52:54:00:00:00:01."""
    sn = f"LAB-{index:04d}"
    mac = "52:54:00:" + ":".join(f"{b:02x}" for b in index.to_bytes(3, "big"))
    return sn, mac


def make_node(index: int, **kwargs) -> VirtualNode:
    sn, mac = node_identity(index)
    return VirtualNode(index=index, sn=sn, mac=mac, **kwargs)
