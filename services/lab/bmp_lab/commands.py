"""The IPMI commands a lab BMC answers, one function per command.

Each handler takes (bmc, session, data) and returns (completion code, response data). Numbers
and layouts follow the IPMI 2.0 specification (section numbers in the comments).
"""

from __future__ import annotations

import struct
import time
from typing import TYPE_CHECKING

from bmp_lab.node import BOOT_DEVICE_CODES, BOOT_DEVICE_NAMES

if TYPE_CHECKING:
    from bmp_lab.bmc import LabBmc

OK = 0x00
CC_PARAM_NOT_SUPPORTED = 0x80
CC_INVALID_COMMAND = 0xC1
CC_NOT_PRESENT = 0xCB  # requested sensor, data, or record not present
CC_INVALID_DATA = 0xCC
CC_INSUFFICIENT_PRIVILEGE = 0xD4
CC_NOT_IN_PRESENT_STATE = 0xD5

PRIV_USER, PRIV_OPERATOR, PRIV_ADMINISTRATOR = 2, 3, 4
PRIVILEGE_NAMES = {"user": PRIV_USER, "operator": PRIV_OPERATOR, "administrator": 4}
MAX_USERS = 10
LAB_USER_ID = 2
IPMI_IANA = (0xF2, 0x1B, 0x00)  # 7154, the IPMI forum, little-endian
MANUFACTURER_ID = 0x000157  # reported in Get Device ID
PRODUCT_ID = 0x0B4D


def _needs(session, level: int) -> bool:
    return getattr(session, "clientpriv", PRIV_USER) >= level


# -- application (netfn 0x06) ------------------------------------------------------------------
def get_device_id(bmc: LabBmc, session, data) -> tuple[int, bytes]:
    # 20.1: device id, revision, firmware 2.61 (BCD minor), IPMI 2.0; chassis, SEL, SDR
    # repository and FRU inventory device.
    body = bytes([0x20, 0x01, 0x02, 0x61, 0x02, 0x8E])
    body += MANUFACTURER_ID.to_bytes(3, "little") + struct.pack("<H", PRODUCT_ID)
    return OK, body + bytes([0x00, 0x00, 0x00, 0x00])


def get_system_guid(bmc: LabBmc, session, data) -> tuple[int, bytes]:
    return OK, bmc.uuid.bytes_le


def cold_reset(bmc: LabBmc, session, data) -> tuple[int, bytes]:
    if not _needs(session, PRIV_ADMINISTRATOR):
        return CC_INSUFFICIENT_PRIVILEGE, b""
    bmc.reactor.call_later(0.05, lambda: bmc.reboot(bmc.cold_reset_seconds))
    return OK, b""


def get_channel_info(bmc: LabBmc, session, data) -> tuple[int, bytes]:
    # 22.24: LAN channel 1, 802.3 medium, IPMB-1.0 protocol, multi-session.
    sessions = min(len(bmc.sessions), 0x3F)
    return OK, bytes([0x01, 0x04, 0x01, 0x80 | sessions, *IPMI_IANA, 0x00, 0x00])


def get_user_access(bmc: LabBmc, session, data) -> tuple[int, bytes]:
    # 22.27: max users, enabled users (+ "enabled via set password"), fixed names, access.
    if len(data) < 2:
        return CC_INVALID_DATA, b""
    user_id = data[1] & 0x3F
    if not 1 <= user_id <= MAX_USERS:
        return CC_INVALID_DATA, b""
    access = 0x0F  # no access
    if user_id == LAB_USER_ID:
        access = 0x30 | bmc.privilege  # link auth + IPMI messaging + privilege limit
    return OK, bytes([MAX_USERS, 0x40 | 1, 0x00, access])


def get_user_name(bmc: LabBmc, session, data) -> tuple[int, bytes]:
    if not data or not 1 <= (data[0] & 0x3F) <= MAX_USERS:
        return CC_INVALID_DATA, b""
    name = bmc.username.encode() if (data[0] & 0x3F) == LAB_USER_ID else b""
    return OK, name[:16].ljust(16, b"\0")


# -- chassis (netfn 0x00) ------------------------------------------------------------------------
def get_chassis_status(bmc: LabBmc, session, data) -> tuple[int, bytes]:
    # 28.2: power on bit + restore policy "previous"; last event "on via IPMI"; identify info.
    power = 0x21 if bmc.node.power_on else 0x20
    return OK, bytes([power, 0x10, 0x40, 0x00])


def chassis_control(bmc: LabBmc, session, data) -> tuple[int, bytes]:
    if not data:
        return CC_INVALID_DATA, b""
    if not _needs(session, PRIV_OPERATOR):
        return CC_INSUFFICIENT_PRIVILEGE, b""
    node = bmc.node
    directive = data[0] & 0x0F
    if directive == 0:  # power down (hard)
        node.power_down()
    elif directive == 1:  # power up
        node.power_up()
    elif directive in (2, 3):  # power cycle / hard reset: only meaningful while on
        if not node.power_on:
            return CC_NOT_IN_PRESENT_STATE, b""
        if directive == 2:
            node.power_cycle()
        else:
            node.reset()
    elif directive == 5:  # soft shutdown via ACPI: the OS powers off a moment later
        node.press_power_button()
        if node.power_on and node.soft_off_delay is not None:
            bmc.reactor.call_later(node.soft_off_delay, node.power_down)
    elif directive != 4:  # 4 = diagnostic interrupt: accepted, nothing to simulate
        return CC_INVALID_DATA, b""
    return OK, b""


def get_boot_options(bmc: LabBmc, session, data) -> tuple[int, bytes]:
    # 28.13: parameter version 1, selector, then the parameter's data.
    if not data:
        return CC_INVALID_DATA, b""
    param = data[0] & 0x7F
    node = bmc.node
    if param == 5:
        flags = (0x80 if node.boot_valid else 0) | (0x40 if node.boot_persistent else 0)
        flags |= 0x20 if node.boot_efi else 0
        device = BOOT_DEVICE_CODES.get(node.boot_device, 0) << 2
        return OK, bytes([0x01, 0x05, flags, device, 0x00, 0x00, 0x00])
    if param in (0, 3):
        return OK, bytes([0x01, param, 0x00])
    if param == 4:
        return OK, bytes([0x01, 0x04, 0x00, 0x00])
    return CC_PARAM_NOT_SUPPORTED, b""


def set_boot_options(bmc: LabBmc, session, data) -> tuple[int, bytes]:
    if not data:
        return CC_INVALID_DATA, b""
    if not _needs(session, PRIV_OPERATOR):
        return CC_INSUFFICIENT_PRIVILEGE, b""
    param = data[0] & 0x7F
    if param in (0, 3, 4):
        return OK, b""  # set-in-progress, valid-bit clearing, boot info ack: accepted
    if param != 5:
        return CC_PARAM_NOT_SUPPORTED, b""
    if len(data) < 3:
        return CC_INVALID_DATA, b""
    device = BOOT_DEVICE_NAMES.get((data[2] >> 2) & 0x0F)
    if device is None:
        return CC_INVALID_DATA, b""
    flags = data[1]
    valid, persistent, efi = bool(flags & 0x80), bool(flags & 0x40), bool(flags & 0x20)
    bmc.node.set_boot_flags(device=device, valid=valid, persistent=persistent, efi=efi)
    return OK, b""


# -- storage: the System Event Log (netfn 0x0a) -------------------------------------------------
def get_sel_info(bmc: LabBmc, session, data) -> tuple[int, bytes]:
    # 31.2: version 1.5 (0x51), entries, free bytes, last add/erase time, reserve supported.
    node = bmc.node
    with node._lock:
        entries = len(node.sel)
        last_add = node.sel[-1].timestamp if node.sel else 0
        erased = node.sel_erased_at
    free = (512 - entries) * 16
    return OK, struct.pack("<BHHIIB", 0x51, entries, free, last_add, erased, 0x02)


def get_sel_allocation_info(bmc: LabBmc, session, data) -> tuple[int, bytes]:
    free = 512 - len(bmc.node.sel)
    return OK, struct.pack("<HHHHB", 512, 16, free, free, 1)


def reserve_sel(bmc: LabBmc, session, data) -> tuple[int, bytes]:
    bmc.sel_reservation = bmc.sel_reservation % 0xFFFF + 1
    return OK, struct.pack("<H", bmc.sel_reservation)


def get_sel_entry(bmc: LabBmc, session, data) -> tuple[int, bytes]:
    # 31.5: request = reservation, record id (0 first, 0xffff last), offset, bytes (0xff all).
    if len(data) < 6:
        return CC_INVALID_DATA, b""
    _, record_id, offset, count = struct.unpack("<HHBB", bytes(data[:6]))
    with bmc.node._lock:
        records = list(bmc.node.sel)
    if not records:
        return CC_NOT_PRESENT, b""
    if record_id == 0x0000:
        position = 0
    elif record_id == 0xFFFF:
        position = len(records) - 1
    else:
        ids = [r.record_id for r in records]
        if record_id not in ids:
            return CC_NOT_PRESENT, b""
        position = ids.index(record_id)
    next_id = records[position + 1].record_id if position + 1 < len(records) else 0xFFFF
    raw = records[position].pack()
    chunk = raw[offset:] if count == 0xFF else raw[offset : offset + count]
    return OK, struct.pack("<H", next_id) + chunk


def clear_sel(bmc: LabBmc, session, data) -> tuple[int, bytes]:
    if len(data) < 6 or bytes(data[2:5]) != b"CLR":
        return CC_INVALID_DATA, b""
    if not _needs(session, PRIV_OPERATOR):
        return CC_INSUFFICIENT_PRIVILEGE, b""
    if data[5] == 0xAA:
        bmc.node.clear_sel()
    return OK, b"\x01"  # erasure completed


def add_sel_entry(bmc: LabBmc, session, data) -> tuple[int, bytes]:
    # 31.6: a 16-byte record; the BMC assigns the record id (and, here, the time).
    if len(data) != 16:
        return CC_INVALID_DATA, b""
    if not _needs(session, PRIV_OPERATOR):
        return CC_INSUFFICIENT_PRIVILEGE, b""
    record = bmc.node.add_raw_record(bytes(data))
    return OK, struct.pack("<H", record.record_id)


# -- storage: the SDR repository -----------------------------------------------------------------
def get_sdr_repository_info(bmc: LabBmc, session, data) -> tuple[int, bytes]:
    # 33.9: version 1.5, record count, free space, last add/erase time, reserve supported.
    added = int(bmc.node.sel_erased_at)
    return OK, struct.pack("<BHHIIB", 0x51, len(bmc.sdrs), 0x0400, added, 0, 0x02)


def reserve_sdr_repository(bmc: LabBmc, session, data) -> tuple[int, bytes]:
    bmc.sdr_reservation = bmc.sdr_reservation % 0xFFFF + 1
    return OK, struct.pack("<H", bmc.sdr_reservation)


def get_sdr(bmc: LabBmc, session, data) -> tuple[int, bytes]:
    # 33.12: reservation, record id (0 = first), offset, bytes to read (0xff = all).
    if len(data) < 6:
        return CC_INVALID_DATA, b""
    _, record_id, offset, count = struct.unpack("<HHBB", bytes(data[:6]))
    position = 0 if record_id == 0 else record_id - 1
    if position >= len(bmc.sdrs):
        return CC_NOT_PRESENT, b""
    next_id = position + 2 if position + 1 < len(bmc.sdrs) else 0xFFFF
    raw = bmc.sdrs[position]
    chunk = raw[offset:] if count == 0xFF else raw[offset : offset + count]
    return OK, struct.pack("<H", next_id) + chunk


# -- storage: FRU inventory ----------------------------------------------------------------------
FRU_MAX_READ = 32


def get_fru_inventory_area_info(bmc: LabBmc, session, data) -> tuple[int, bytes]:
    # 34.1: area size in bytes, accessed by bytes (not words). FRU 0 only.
    if not data or data[0] != 0:
        return CC_NOT_PRESENT, b""
    return OK, struct.pack("<HB", len(bmc.fru), 0x00)


def read_fru_data(bmc: LabBmc, session, data) -> tuple[int, bytes]:
    # 34.2: FRU id, offset, count -> count returned, data.
    if len(data) < 4:
        return CC_INVALID_DATA, b""
    fru_id, offset, count = data[0], struct.unpack("<H", bytes(data[1:3]))[0], data[3]
    if fru_id != 0:
        return CC_NOT_PRESENT, b""
    if offset >= len(bmc.fru):
        return 0xC9, b""  # parameter out of range
    chunk = bmc.fru[offset : offset + min(count, FRU_MAX_READ)]
    return OK, bytes([len(chunk)]) + chunk


def get_sel_time(bmc: LabBmc, session, data) -> tuple[int, bytes]:
    return OK, struct.pack("<I", int(time.time()))


def set_sel_time(bmc: LabBmc, session, data) -> tuple[int, bytes]:
    return OK, b""


HANDLERS = {
    (0x06, 0x01): get_device_id,
    (0x06, 0x02): cold_reset,
    (0x06, 0x37): get_system_guid,
    (0x06, 0x42): get_channel_info,
    (0x06, 0x44): get_user_access,
    (0x06, 0x46): get_user_name,
    (0x00, 0x01): get_chassis_status,
    (0x00, 0x02): chassis_control,
    (0x00, 0x08): set_boot_options,
    (0x00, 0x09): get_boot_options,
    (0x0A, 0x10): get_fru_inventory_area_info,
    (0x0A, 0x11): read_fru_data,
    (0x0A, 0x20): get_sdr_repository_info,
    (0x0A, 0x22): reserve_sdr_repository,
    (0x0A, 0x23): get_sdr,
    (0x0A, 0x40): get_sel_info,
    (0x0A, 0x41): get_sel_allocation_info,
    (0x0A, 0x42): reserve_sel,
    (0x0A, 0x43): get_sel_entry,
    (0x0A, 0x44): add_sel_entry,
    (0x0A, 0x47): clear_sel,
    (0x0A, 0x48): get_sel_time,
    (0x0A, 0x49): set_sel_time,
}
