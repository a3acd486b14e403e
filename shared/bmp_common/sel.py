"""System Event Log records: the IPMI 2.0 names of sensor types and events, and one record's
line as ``ipmitool sel list`` prints it.

Contract data shared by the lab BMC (which logs events by these names), the driver (which
decodes the records it reads) and oob-alert (whose fault rules match the text, as upstream's
did against ipmitool's output: the sensor column, then the event and its direction).
Names and offsets follow IPMI 2.0 tables 42-2 and 42-3, spelled as ipmitool spells them.
"""

from __future__ import annotations

import dataclasses
import re
import time

# Event/reading type codes (table 42-1): 0x01 threshold, 0x6F sensor-specific.
EVENT_TYPE_THRESHOLD = 0x01
EVENT_TYPE_SENSOR_SPECIFIC = 0x6F
DEASSERTION = 0x80  # bit 7 of the event type byte

SENSOR_TYPES: dict[int, str] = {
    0x01: "Temperature",
    0x02: "Voltage",
    0x03: "Current",
    0x04: "Fan",
    0x05: "Physical Security",
    0x07: "Processor",
    0x08: "Power Supply",
    0x09: "Power Unit",
    0x0C: "Memory",
    0x0D: "Drive Slot / Bay",
    0x0F: "System Firmware Progress",
    0x10: "Event Logging Disabled",
    0x12: "System Event",
    0x13: "Critical Interrupt",
    0x20: "OS Critical Stop",
    0x22: "System ACPI Power State",
    0x23: "Watchdog2",
}
SENSOR_TYPE_CODES = {name.lower(): code for code, name in SENSOR_TYPES.items()}

THRESHOLD_EVENTS: tuple[str, ...] = (
    "Lower Non-critical going low",
    "Lower Non-critical going high",
    "Lower Critical going low",
    "Lower Critical going high",
    "Lower Non-recoverable going low",
    "Lower Non-recoverable going high",
    "Upper Non-critical going low",
    "Upper Non-critical going high",
    "Upper Critical going low",
    "Upper Critical going high",
    "Upper Non-recoverable going low",
    "Upper Non-recoverable going high",
)

# Sensor-specific offsets (table 42-3) of the sensor types above.
SENSOR_SPECIFIC_EVENTS: dict[int, tuple[str, ...]] = {
    0x07: (
        "IERR",
        "Thermal Trip",
        "FRB1/BIST failure",
        "FRB2/Hang in POST failure",
        "FRB3/Processor startup/init failure",
        "Configuration Error",
        "SM BIOS Uncorrectable CPU-complex Error",
        "Presence detected",
        "Disabled",
        "Terminator presence detected",
        "Throttled",
        "Uncorrectable machine check exception",
        "Correctable machine check error",
    ),
    0x08: (
        "Presence detected",
        "Failure detected",
        "Predictive failure",
        "Power Supply AC lost",
        "AC lost or out-of-range",
        "AC out-of-range, but present",
        "Config Error",
    ),
    0x09: (
        "Power off/down",
        "Power cycle",
        "240VA power down",
        "Interlock power down",
        "AC lost",
        "Soft-power control failure",
        "Failure detected",
        "Predictive failure",
    ),
    0x0C: (
        "Correctable ECC",
        "Uncorrectable ECC",
        "Parity",
        "Memory Scrub Failed",
        "Memory Device Disabled",
        "Correctable ECC logging limit reached",
        "Presence Detected",
        "Configuration Error",
        "Spare",
        "Throttled",
        "Critical Overtemperature",
    ),
    0x0D: (
        "Drive Present",
        "Drive Fault",
        "Predictive Failure",
        "Hot Spare",
        "Parity Check In Progress",
        "In Critical Array",
        "In Failed Array",
        "Rebuild in progress",
        "Rebuild aborted",
    ),
    0x10: (
        "Correctable memory error logging disabled",
        "Event logging disabled for this sensor",
        "Log area reset/cleared",
        "All event logging disabled",
        "Log full",
        "Log almost full",
    ),
    0x13: (
        "NMI/Diag Interrupt",
        "Bus Timeout",
        "I/O Channel check NMI",
        "Software NMI",
        "PCI PERR",
        "PCI SERR",
        "EISA failsafe timeout",
        "Bus Correctable error",
        "Bus Uncorrectable error",
        "Fatal NMI",
        "Bus Fatal Error",
        "Bus Degraded",
    ),
    0x22: (
        "S0/G0: working",
        "S1: sleeping with system hw & processor context maintained",
        "S2: sleeping, processor context lost",
        "S3: sleeping, processor & hw context lost, memory retained",
        "S4: non-volatile sleep/suspend-to-disk",
        "S5/G2: soft-off",
        "S4/S5: soft-off",
        "G3: mechanical off",
    ),
}


@dataclasses.dataclass(frozen=True)
class SelEvent:
    """One system event record, decoded (IPMI 2.0 section 32.1)."""

    record_id: int
    timestamp: int  # unix seconds, as the BMC logged it
    sensor_type: int
    sensor_number: int
    event_type: int  # event/reading type code, bit 7 = deassertion
    event_data: tuple[int, int, int]
    sensor_name: str = ""  # the SDR's id string, when the reader knows it

    @property
    def asserted(self) -> bool:
        return not self.event_type & DEASSERTION

    @property
    def sensor(self) -> str:
        """The sensor column: type name, then the SDR name or ``#0x<number>`` (as ipmitool)."""
        type_name = SENSOR_TYPES.get(self.sensor_type, f"Unknown #0x{self.sensor_type:02x}")
        return f"{type_name} {self.sensor_name or f'#0x{self.sensor_number:02x}'}"

    @property
    def event(self) -> str:
        return event_text(self.sensor_type, self.event_type & 0x7F, self.event_data[0] & 0x0F)

    @property
    def direction(self) -> str:
        return "Asserted" if self.asserted else "Deasserted"

    def line(self) -> str:
        """``ipmitool sel list``'s line: id | date | time | sensor | event | direction."""
        when = time.gmtime(self.timestamp)
        return " | ".join(
            (
                f"{self.record_id:x}",
                time.strftime("%m/%d/%Y", when),
                time.strftime("%H:%M:%S", when),
                self.sensor,
                self.event,
                self.direction,
            )
        )

    def to_wire(self) -> dict:
        return {
            "record_id": self.record_id,
            "timestamp": self.timestamp,
            "sensor_type": self.sensor_type,
            "sensor_number": self.sensor_number,
            "event_type": self.event_type,
            "event_data": list(self.event_data),
            "sensor_name": self.sensor_name,
        }

    @classmethod
    def from_wire(cls, data: dict) -> SelEvent:
        return cls(
            record_id=int(data["record_id"]),
            timestamp=int(data["timestamp"]),
            sensor_type=int(data["sensor_type"]),
            sensor_number=int(data["sensor_number"]),
            event_type=int(data["event_type"]),
            event_data=tuple(int(b) for b in data["event_data"][:3]),
            sensor_name=str(data.get("sensor_name") or ""),
        )


def event_text(sensor_type: int, event_type: int, offset: int) -> str:
    if event_type == EVENT_TYPE_THRESHOLD and offset < len(THRESHOLD_EVENTS):
        return THRESHOLD_EVENTS[offset]
    if event_type == EVENT_TYPE_SENSOR_SPECIFIC:
        names = SENSOR_SPECIFIC_EVENTS.get(sensor_type, ())
        if offset < len(names):
            return names[offset]
    return f"Event type 0x{event_type:02x} offset 0x{offset:02x}"


def event_codes(sensor: str, event: str) -> tuple[int, int, int]:
    """(sensor type, event/reading type, offset) of an event named as ipmitool prints it,
    e.g. ``("Memory", "Uncorrectable ECC")`` -> ``(0x0C, 0x6F, 1)``. Case is ignored."""
    sensor_type = SENSOR_TYPE_CODES.get(sensor.strip().lower())
    if sensor_type is None:
        raise ValueError(
            f"unknown sensor type {sensor!r} (one of: {', '.join(SENSOR_TYPES.values())})"
        )
    wanted = event.strip().lower()
    for offset, name in enumerate(SENSOR_SPECIFIC_EVENTS.get(sensor_type, ())):
        if name.lower() == wanted:
            return sensor_type, EVENT_TYPE_SENSOR_SPECIFIC, offset
    for offset, name in enumerate(THRESHOLD_EVENTS):
        if name.lower() == wanted:
            return sensor_type, EVENT_TYPE_THRESHOLD, offset
    raise ValueError(f"unknown event {event!r} for sensor type {SENSOR_TYPES[sensor_type]!r}")


_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """What rule matching compares: lower case, empty ``()`` dropped, spaces collapsed.

    Upstream compared case-sensitively with ipmitool's output, so its "Upper Non-Critical"
    rules never matched ipmitool's "Upper Non-critical going high"; ignoring case fixes that.
    """
    return _SPACES.sub(" ", text.replace("()", "")).strip().lower()
