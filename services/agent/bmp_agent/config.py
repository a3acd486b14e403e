"""Who this agent is and whom it talks to: the kernel command line and the server's DMI data.

The gateway's iPXE script writes ``bmp.gateway=… bmp.token=… bmp.sn=…`` (values %XX-quoted).
Optional: ``bmp.image=`` (replaces ``{host}`` in image URLs), ``bmp.heartbeat=`` (seconds),
``bmp.lldp_wait=`` (seconds to listen for LLDP during CollectHardwareInfo).
"""

from __future__ import annotations

import os
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

_ARG = re.compile(r"(?:^|\s)bmp\.([a-z_]+)=(\S+)")


@dataclass(frozen=True)
class AgentConfig:
    gateway: str
    token: str = field(repr=False)  # never printed
    sn: str
    macs: tuple[str, ...] = ()
    image_host: str = ""
    heartbeat_s: float = 3.0
    lldp_wait_s: float = 0.0


class ConfigError(Exception):
    pass


def parse_cmdline(text: str) -> dict[str, str]:
    return {key: urllib.parse.unquote(value) for key, value in _ARG.findall(text)}


def read_macs(sys_root: Path) -> tuple[str, ...]:
    net = sys_root / "class" / "net"
    macs = []
    for name in sorted(os.listdir(net)) if net.exists() else []:
        if (net / name / "device").exists():  # physical NICs only (not lo, bridges, veth)
            macs.append((net / name / "address").read_text().strip().lower())
    return tuple(macs)


def dmi_serial(sys_root: Path) -> str:
    try:
        return (sys_root / "class" / "dmi" / "id" / "product_serial").read_text().strip()
    except OSError:
        return ""


def load(cmdline_path: Path, sys_root: Path = Path("/sys")) -> AgentConfig:
    args = parse_cmdline(cmdline_path.read_text())
    gateway, token = args.get("gateway", ""), args.get("token", "")
    if urllib.parse.urlsplit(gateway).scheme not in ("http", "https"):
        raise ConfigError(f"bmp.gateway must be an http(s) URL, not {gateway!r}")
    if not token:
        raise ConfigError("bmp.token is missing from the kernel command line")
    sn = args.get("sn") or dmi_serial(sys_root)
    if not sn:
        raise ConfigError("no serial number: neither bmp.sn nor a DMI product serial")
    return AgentConfig(
        gateway=gateway.rstrip("/"),
        token=token,
        sn=sn,
        macs=read_macs(sys_root),
        image_host=args.get("image", ""),
        heartbeat_s=float(args.get("heartbeat", 3)),
        lldp_wait_s=float(args.get("lldp_wait", 0)),
    )
