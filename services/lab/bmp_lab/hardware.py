"""What the simulated LiveOS reports for each agent step: deterministic per node.

Shapes follow upstream's agent replies (reference/upstream-bmp.md section 4.5 and
bmp-agent/doc/command.md): CollectHardwareInfo, CollectDiskLocations, MakeRaid, WriteImage*.
"""

from __future__ import annotations

from bmp_common.messages import actions
from bmp_lab.node import VirtualNode

DISK_COUNT = 4
DISK_SIZE_GB = 960


def _second_mac(node: VirtualNode) -> str:
    last = int(node.mac[-2:], 16)
    return node.mac[:-2] + f"{(last + 0x80) % 256:02x}"


def _disk_serial(node: VirtualNode, slot: int) -> str:
    return f"S4{node.index:06d}{slot:02d}"


def hardware_info(node: VirtualNode) -> dict:
    """CollectHardwareInfo: upstream's inspection document."""
    return {
        "raid_driver": "storcli64",
        "bmc_address": "127.0.0.1",
        "system_vendor": {
            "manufacturer": "Lab Systems",
            "product_name": "LAB-2U-R740",
            "serial_number": node.sn,
        },
        "cpu": {
            "count": 64,
            "model_name": "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz",
            "frequency": "2000",
            "architecture": "x86_64",
            "flags": ["fpu", "vme", "sse4_2", "avx2", "avx512f", "vmx", "aes"],
        },
        "memory": {"physical_mb": 262144, "total": 270582939648},
        "interfaces": [
            {
                "name": name,
                "mac_address": mac,
                "ipv4_address": None,
                "has_carrier": True,
                "biosdevname": f"em{number + 1}",
                "product": "0x1572",
                "vendor": "0x8086",
                "bus_info": f"0000:3b:00.{number}",
                "switch_manage_ip": "",
                "switch_index": number + 1,
            }
            for number, (name, mac) in enumerate([("eth0", node.mac), ("eth1", _second_mac(node))])
        ],
        "boot": {
            "current_boot_mode": "uefi" if node.boot_efi else "bios",
            "pxe_interface": node.mac,
        },
        "platform": {"machine": "x86_64"},
        "disks": [
            {
                "name": f"/dev/sd{chr(ord('a') + slot)}",
                "model": "SAMSUNG MZ7LH960",
                "size": DISK_SIZE_GB * 1000**3,
                "rotational": False,
                "serial": _disk_serial(node, slot),
            }
            for slot in range(DISK_COUNT)
        ],
    }


def disk_locations(node: VirtualNode) -> dict:
    """CollectDiskLocations: one RAID controller with its disks by enclosure/slot."""
    return {
        "controllers": [
            {
                "adapter_id": 0,
                "raid_driver": "storcli64",
                "disks": [
                    {
                        "enclosure": 252,
                        "slot": slot,
                        "size": DISK_SIZE_GB,
                        "size_unit": "GB",
                        "pd_type": "SATA",
                        "media_type": "SSD",
                        "serial": _disk_serial(node, slot),
                    }
                    for slot in range(DISK_COUNT)
                ],
            }
        ],
        "nvme": {"devices": []},
        "devices": [],
    }


def make_raid(node: VirtualNode, params: dict) -> dict:
    volumes = []
    for data in params.get("raid_datas") or []:
        for number, volume in enumerate(data.get("volumes") or []):
            volumes.append(
                {
                    "volume_id": volume.get("volume_id"),
                    "disk_hints": {"serial": f"LV{node.index:06d}{number:02d}"},
                }
            )
    # The data volumes as the LiveOS agent reports them (bmp_agent.steps.data_volumes).
    data = []
    for volume in params.get("data_volumes") or []:
        hints = volume.get("disk_hints") or []
        data.append(
            {
                "volume_id": volume.get("volume_id", ""),
                "level": volume.get("raid_level", "NORAID"),
                "members": [hint.get("serial") or hint.get("name", "") for hint in hints],
                "kept": bool(volume.get("keep_data")),
            }
        )
    return {"raid_datas": [{"volumes": volumes}], "data_volumes": data}


def step_data(node: VirtualNode, action: str, params: dict) -> dict:
    """The `data` of a successful result for `action`."""
    if action == actions.COLLECT_HARDWARE_INFO:
        return hardware_info(node)
    if action == actions.COLLECT_DISK_LOCATIONS:
        return disk_locations(node)
    if action == actions.MAKE_RAID:
        return make_raid(node, params)
    if action in (actions.WRITE_IMAGE, actions.WRITE_IMAGE_TAR):
        return {"root_device_hints": {"serial": _disk_serial(node, 0)}, "bytes_written": 2147483648}
    if action == actions.PING:
        return {"sn": node.sn, "uptime_seconds": 12}
    return {"message": f"{action} done"}
