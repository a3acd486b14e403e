"""CollectHardwareInfo, CollectDiskLocations and Ping: what this server is made of.

Shapes follow upstream's inspection documents (reference section 4.5) as the platform reads them
(and as the lab's simulated agent reports them)."""

from __future__ import annotations

import os
import platform
import socket
from pathlib import Path

from bmp_agent import blockdev
from bmp_agent.context import StepContext
from bmp_agent.steps import lldp, raid


def _read(path: Path, default: str = "") -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return default


def cpu_info(ctx: StepContext) -> dict:
    text = _read(ctx.proc_root / "cpuinfo")
    blocks = [b for b in text.split("\n\n") if b.strip()]
    first = (
        dict(
            (k.strip(), v.strip())
            for k, _, v in (ln.partition(":") for ln in blocks[0].splitlines())
        )
        if blocks
        else {}
    )
    return {
        "count": len([b for b in blocks if b.lstrip().startswith("processor")])
        or os.cpu_count()
        or 0,
        "model_name": first.get("model name", ""),
        "frequency": first.get("cpu MHz", "").split(".")[0],
        "architecture": platform.machine(),
        "flags": first.get("flags", "").split(),
    }


def memory_info(ctx: StepContext) -> dict:
    fields = {}
    for line in _read(ctx.proc_root / "meminfo").splitlines():
        key, _, value = line.partition(":")
        fields[key] = int(value.split()[0]) * 1024 if value.split() else 0
    total = fields.get("MemTotal", 0)
    return {"physical_mb": total // (1 << 20), "total": total}


def interfaces(ctx: StepContext, wait_lldp_s: float) -> list[dict]:
    net = ctx.sys_root / "class" / "net"
    names = (
        sorted(n for n in os.listdir(net) if (net / n / "device").exists()) if net.exists() else []
    )
    neighbours = lldp.neighbours(names, wait_lldp_s)
    rows = []
    for name in names:
        base = net / name
        neighbour = neighbours.get(name, {})
        rows.append(
            {
                "name": name,
                "mac_address": _read(base / "address").lower(),
                "ipv4_address": _ipv4_of(name),
                "has_carrier": _read(base / "carrier", "0") == "1",
                "speed_mbps": int(_read(base / "speed", "-1") or -1),
                "biosdevname": "",
                "product": _read(base / "device" / "device"),
                "vendor": _read(base / "device" / "vendor"),
                "bus_info": os.path.basename(os.path.realpath(base / "device")),
                "switch_manage_ip": neighbour.get("management_address", ""),
                "switch_index": neighbour.get("port_id", ""),
                "lldp": neighbour or None,
            }
        )
    return rows


def _ipv4_of(name: str) -> str | None:
    try:
        import fcntl
        import struct

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            packed = fcntl.ioctl(sock.fileno(), 0x8915, struct.pack("256s", name[:15].encode()))
        return socket.inet_ntoa(packed[20:24])  # SIOCGIFADDR
    except OSError:
        return None


def boot_mode(ctx: StepContext) -> str:
    return "uefi" if (ctx.sys_root / "firmware" / "efi").exists() else "bios"


def collect_hardware_info(params: dict, ctx: StepContext) -> dict:
    dmi = ctx.sys_root / "class" / "dmi" / "id"
    nics = interfaces(ctx, float(params.get("lldp_wait_s", ctx.lldp_wait_s)))
    drivers = [c.name for c in raid.detected_clis()]
    return {
        "raid_driver": drivers[0] if drivers else "no_raid",
        "bmc_address": "",
        "system_vendor": {
            "manufacturer": _read(dmi / "sys_vendor"),
            "product_name": _read(dmi / "product_name"),
            "serial_number": _read(dmi / "product_serial"),
        },
        "cpu": cpu_info(ctx),
        "memory": memory_info(ctx),
        "interfaces": nics,
        "boot": {
            "current_boot_mode": boot_mode(ctx),
            "pxe_interface": next((n["mac_address"] for n in nics if n["ipv4_address"]), ""),
        },
        "platform": {"machine": platform.machine()},
        "disks": [d.as_dict() for d in blockdev.disks(ctx)],
        "software_raid": raid.md_health(ctx),  # arrays udev assembled at boot, degraded or not
    }


def collect_disk_locations(params: dict, ctx: StepContext) -> dict:
    """Disks behind RAID controllers (vendor CLIs), NVMe drives and other block devices."""
    controllers = []
    for cli in raid.detected_clis():
        controllers += cli.controllers(raid.shell_runner)
    nvme, plain = [], []
    for disk in blockdev.disks(ctx):
        row = {
            "name": disk.name,
            "device_path": disk.path,
            "serial": disk.serial,
            "size": round(disk.size / 1000**3),
            "size_unit": "GB",
            "media_type": "HDD" if disk.rotational else "SSD",
            "pd_type": "NVMe" if disk.name.startswith("nvme") else "",
        }
        (nvme if disk.name.startswith("nvme") else plain).append(row)
    return {"controllers": controllers, "nvme": {"devices": nvme}, "devices": plain}


def ping(params: dict, ctx: StepContext) -> dict:
    uptime = _read(ctx.proc_root / "uptime", "0").split()[0]
    return {
        "sn": _read(ctx.sys_root / "class" / "dmi" / "id" / "product_serial"),
        "uptime_seconds": int(float(uptime)),
    }
