"""Parameters of the LiveOS agent's commands (upstream section 5.2 "Agent commands").

Secrets stay encrypted here (``password_encrypted``, ``credential_encrypted``): the gateway
drops every ``*_encrypted`` key from a plan; SetPassword gets the SHA-512 crypt hash the engine
makes when the server boots into the LiveOS (``Job.password_hash``), and InstallMonitorAgent
the monitoring agent's credential, decrypted as the step is handed out (the agent writes it
into the installed system, so it needs the value itself).
"""

from __future__ import annotations

import ipaddress
import warnings
from typing import Any

from django.conf import settings

from bmp_common.messages.jobs import NO_RAID_NAMES, JobSubmit

VERSION = "2.0"
NAMESERVERS = ["114.114.114.114", "8.8.8.8"]


def _label(point: str) -> str:
    if point == "/":
        return "l_root"
    name = point.strip("/").replace("/", "_") or "root"
    return f"l_{name}"


def _partitions(spec: dict) -> list[dict[str, Any]]:
    """The spec's partitions with the ids and labels the three partition steps share."""
    rows = []
    for number, part in enumerate(spec.get("partitions") or [], start=1):
        point = part.get("point", "")
        rows.append(
            {
                "id": f"ipt-{number}",
                "number": number,
                "point": point,
                "fs_type": part.get("fs_type", ""),
                "size": part.get("size_mb", 0),
                "label": "l_swap" if point == "swap" else _label(point),
            }
        )
    return rows


DATA_MOUNT_OPTIONS = "defaults,nofail"  # a data volume that does not come up never stops a boot


def raid_level(name: str) -> str:
    """A RAID catalogue name as upstream's MakeRaid spells levels: NORAID, RAID0, RAID1, ..."""
    spelled = (name or "").upper()
    if spelled in NO_RAID_NAMES:
        return "NORAID"
    return spelled.replace(" ", "").replace("-", "")


def _disk_hints(disk: dict) -> dict[str, str]:
    """How the agent finds a disk the device's volume was given: its serial, else its name."""
    if disk.get("serial"):
        return {"serial": str(disk["serial"])}
    return {"name": str(disk.get("name") or "")}


def _data_partitions(spec: dict) -> list[dict[str, Any]]:
    rows = []
    for number, part in enumerate(spec.get("data_partitions") or [], start=1):
        point = part.get("point", "")
        rows.append(
            {
                "id": f"ipt-data-{number}",
                "number": number,
                "fs_type": part.get("fs_type", ""),
                "size": part.get("size_mb", 0),
                "label": _label(point),
                "mountpoint": point,
                "options": DATA_MOUNT_OPTIONS,
            }
        )
    return rows


def data_volumes(spec: dict) -> list[dict[str, Any]]:
    """Each data volume as the agent builds it: its disks (the device's disks chosen for it),
    the chosen level, and on the first one the data partitions (upstream's dataPartition names
    no volume). Data partitions and no data volume chosen: one volume of no RAID, on a disk the
    system does not use (the agent picks it)."""
    keep_data = bool(spec.get("keep_data"))
    volumes = [
        {
            "volume_id": volume.get("volume_id", ""),
            "volume_name": volume.get("volume_name", ""),
            "raid_level": raid_level(volume.get("raid_name", "")),
            "volume_amount": int(volume.get("volume_amount") or 0),
            "keep_data": keep_data,
            "disk_hints": [_disk_hints(disk) for disk in volume.get("disks") or []],
            "partitions": [],
        }
        for volume in spec.get("volume_raids") or []
        if (volume.get("volume_type") or "data") == "data"
    ]
    partitions = _data_partitions(spec)
    if partitions and not volumes:
        volumes.append(
            {
                "volume_id": "",
                "volume_name": "data",
                "raid_level": "NORAID",
                "volume_amount": 1,
                "keep_data": keep_data,
                "disk_hints": [],
                "partitions": [],
            }
        )
    if partitions:
        volumes[0]["partitions"] = partitions
    return volumes


def make_raid(spec: dict) -> dict[str, Any]:
    """The system volume's level, and each data volume (the console's VolumeRaids) with its
    disks; the agent builds the data volumes first, so the system never takes their disks."""
    raid = spec.get("raid") or {}
    return {
        "raid_id": raid.get("raid_id", ""),
        "raid_name": raid.get("name", ""),
        "raid_datas": [],
        "data_volumes": data_volumes(spec),
    }


def clean_raid() -> dict[str, Any]:
    return {"raid_datas": []}  # the agent detects the controllers itself


def collect_disk_locations(allow_override: bool) -> dict[str, Any]:
    return {"version": VERSION, "allow_override": allow_override, "raid_driver": ""}


def init_node(spec: dict) -> dict[str, Any]:
    image = spec.get("image") or {}
    return {
        "node_data": {
            "root_device_hints": {},
            "os_type": image.get("os_type", ""),
            "os_version": image.get("os_version", ""),
        }
    }


def make_partitions(spec: dict) -> dict[str, Any]:
    boot_mode = spec.get("boot_mode") or "uefi"
    data = [
        {
            "volume_id": volume["volume_id"],
            "volume_name": volume["volume_name"],
            "keep_data": volume["keep_data"],
            "is_root_device": False,
            "is_data_device": True,
            "disk_label": "gpt",
            "partitions": volume["partitions"],
        }
        for volume in data_volumes(spec)
        if volume["partitions"]
    ]
    return {
        "version": VERSION,
        "boot_mode": boot_mode,
        "auto_create_efi": boot_mode == "uefi",
        "auto_create_bios_grub": boot_mode == "bios",
        "volumes": [
            {
                "keep_data": bool(spec.get("keep_data")),
                "is_root_device": True,
                "disk_hints": {},
                "disk_label": "gpt",
                "partitions": [
                    {
                        "id": part["id"],
                        "part_type": "primary",
                        "fs_type": part["fs_type"],
                        "boot_flag": None,
                        "number": part["number"],
                        "size": part["size"],
                    }
                    for part in _partitions(spec)
                ],
            },
            *data,
        ],
    }


def format_partitions(spec: dict) -> dict[str, Any]:
    return {
        "version": VERSION,
        "partitions": [
            {
                "volume": part["id"],
                "fs_type": part["fs_type"],
                "label": part["label"],
                "is_root": part["point"] == "/",
            }
            for part in _partitions(spec)
        ],
    }


def mount_partitions(spec: dict) -> dict[str, Any]:
    return {
        "version": VERSION,
        "auto_mount_efi": (spec.get("boot_mode") or "uefi") == "uefi",
        "mounts": [
            {
                "is_root_device": True,
                "disk_hints": {},
                "label": part["label"],
                "options": "defaults",
                "mountpoint": part["point"],
            }
            for part in _partitions(spec)
            if part["point"].startswith("/")
        ],
    }


def write_image(spec: dict) -> dict[str, Any]:
    image = spec.get("image") or {}
    params = {
        key: image.get(key, "")
        for key in ("url", "format", "hash", "filename", "os_type", "os_version")
    }
    # Upstream's image records say "{host}/<file>": the agent gets the whole URL.
    params["url"] = params["url"].replace("{host}", settings.BMP_IMAGE_URL)
    return params


def sha512_crypt(password: str) -> str:
    """``$6$<random salt>$<hash>``: what /etc/shadow holds, so the agent never needs the
    password itself."""
    with warnings.catch_warnings():
        # crypt leaves the standard library in 3.13; Debian 12's 3.11 has it, and libxcrypt's
        # sha512-crypt is what every Linux login checks against.
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt
    return crypt.crypt(password, crypt.mksalt(crypt.METHOD_SHA512))


def set_password(spec: dict) -> dict[str, Any]:
    return {"username": "root", "password_encrypted": spec.get("password_encrypted") or ""}


def set_cloudinit_conf(spec: dict) -> dict[str, Any]:
    return {"version": VERSION, "ssh_pwauth": "no" if spec.get("ssh_keys") else "yes"}


def set_meta_data(submit: JobSubmit) -> dict[str, Any]:
    spec = submit.spec
    return {
        "version": VERSION,
        "meta_data": {
            "instance-id": submit.instance_id,
            "local-hostname": spec.get("hostname", ""),
            "public-keys": list(spec.get("ssh_keys") or []),
        },
    }


def set_network(node: dict) -> dict[str, Any]:
    ip, mask = node.get("private_ipv4", ""), node.get("mask", "")
    try:
        prefix = ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen
        addresses = [f"{ip}/{prefix}"]
    except ValueError:
        addresses = []
    eth0 = {
        "match": {"macaddress": node.get("mac1", "")},
        "set-name": "eth0",
        "addresses": addresses,
        "netmask": mask,
        "gateway4": node.get("gateway", ""),
        "nameservers": {"addresses": NAMESERVERS},
    }
    return {"version": VERSION, "network": {"version": 2, "ethernets": {"eth0": eth0}}}


def set_user_data(spec: dict) -> dict[str, Any]:
    return {"version": VERSION, "user_data": spec.get("user_data") or ""}


def install_monitor_agent(spec: dict) -> dict[str, Any]:
    """Where the bundle is and where the agent reports; the credential stays encrypted here
    (the gateway decrypts it for this step only, when it hands the step to the agent)."""
    return {
        "version": VERSION,
        "bundle_url": f"{settings.BMP_IMAGE_URL}/{settings.BMP_MONITOR_AGENT_BUNDLE}",
        "proxy_url": settings.BMP_MONITOR_AGENT_PROXY_URL,
        "interval_s": settings.BMP_MONITOR_AGENT_INTERVAL_S,
        "credential_encrypted": (spec.get("monitor_agent") or {}).get("credential_encrypted", ""),
    }
