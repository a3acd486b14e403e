"""Upstream's flat copy of a device type's specs, carried by device and instance answers."""

from __future__ import annotations

from decimal import Decimal

from bmp_openapi.catalog import choices
from bmp_openapi.catalog.apis.serializers import volume_summary


def _volumes(device_type, kind: str) -> list:
    return [v for v in device_type.volumes.all() if v.volume_type == kind]


def _whole(size: str) -> int:
    # Upstream's ...VolumeSize is an integer; ours is the decimal as typed ("1.92"): the
    # whole units, rounded down (the exact size is in the device type's volumes).
    return int(Decimal(size))


def _volume_fields(prefix: str, volume) -> dict:
    if volume is None:
        return {
            f"{prefix}Type": "",
            f"{prefix}InterfaceType": "",
            f"{prefix}Size": 0,
            f"{prefix}Unit": "",
            f"{prefix}Amount": 0,
        }
    return {
        f"{prefix}Type": volume.disk_type,
        f"{prefix}InterfaceType": volume.interface_type,
        f"{prefix}Size": _whole(volume.volume_size),
        f"{prefix}Unit": volume.volume_unit,
        f"{prefix}Amount": volume.volume_amount,
    }


def volume_specs(device_type) -> dict:
    """The first system and first data volume, as upstream's systemVolume*/dataVolume* fields
    (empty and 0 without a device type or such a volume), and the one-line summaries."""
    system = _volumes(device_type, choices.VOLUME_SYSTEM) if device_type else []
    data = _volumes(device_type, choices.VOLUME_DATA) if device_type else []
    return {
        **_volume_fields("systemVolume", system[0] if system else None),
        **_volume_fields("dataVolume", data[0] if data else None),
        "raidCan": system[0].raid_can if system else "",
        "svInfo": volume_summary(system[0]) if system else "",
        "dvInfo": "; ".join(volume_summary(v) for v in data),
    }


def device_type_specs(device_type) -> dict:
    """CPU, memory, NIC, GPU and volume specs; empty and 0 without a device type."""
    t = device_type
    return {
        "cpuAmount": t.cpu_amount if t else 0,
        "cpuRoads": t.cpu_amount if t else 0,  # upstream's sockets: one CPU per socket
        "cpuCores": t.cpu_cores if t else 0,
        "cpuManufacturer": t.cpu_manufacturer if t else "",
        "cpuModel": t.cpu_model if t else "",
        "cpuFrequency": t.cpu_frequency if t else "",
        "memType": t.mem_type if t else "",
        "memSize": t.mem_size if t else 0,
        "memAmount": t.mem_amount if t else 0,
        "memFrequency": t.mem_frequency if t else 0,
        "nicAmount": t.nic_amount if t else 0,
        "nicRate": t.nic_rate if t else 0,
        "gpuAmount": t.gpu_amount if t else 0,
        "gpuManufacturer": t.gpu_manufacturer if t else "",
        "gpuModel": t.gpu_model if t else "",
        "interfaceMode": t.interface_mode if t else "",
        "isNeedRaid": t.is_need_raid if t else "",
        **volume_specs(t),
    }
