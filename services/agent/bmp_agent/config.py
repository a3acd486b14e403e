"""Who this agent is and whom it talks to: the kernel command line, the files the boot put in
/etc/bmp, and the server's DMI data.

The gateway's iPXE script writes ``bmp.gateway=… bmp.sn=…`` (values %XX-quoted); it holds no
secret. The boot ticket arrives in a second initrd that the gateway makes for this boot (over
plain HTTP), which the kernel unpacks to ``/etc/bmp/agent-token``; the first answer of the
gateway, over HTTPS, gives the session token the agent works with from then on, kept in
``/run/bmp/agent-session`` (tmpfs, 0600) so that a restarted agent carries on with it (the ticket
is dead once the session token was used). The LiveOS build embeds the CA of the gateway's
certificate at ``/etc/bmp/gateway-ca.pem``: the agent talks only to a gateway whose HTTPS
certificate chains to it, so a machine that is not the gateway never gets the ticket.
Optional: ``bmp.image=`` (replaces ``{host}`` in image URLs), ``bmp.heartbeat=`` (seconds),
``bmp.lldp_wait=`` (seconds to listen for LLDP during CollectHardwareInfo),
``bmp.report_window=`` (seconds a finished step's result waits for the results of the steps after
it, to travel in one request; the lab's simulated agent uses the same default), ``bmp.silence=``
(the seconds of silence after which the scheduler gives the server up: the agent retries a
gateway it cannot reach at least four times within it),
``bmp.rsyslog=HOST:PORT`` (the syslog receiver the log lines also go to: bmp_agent.syslog).
"""

from __future__ import annotations

import os
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

TOKEN_FILE = Path("/etc/bmp/agent-token")  # the boot ticket
SESSION_FILE = Path("/run/bmp/agent-session")
GATEWAY_CA = Path("/etc/bmp/gateway-ca.pem")
_ARG = re.compile(r"(?:^|\s)bmp\.([a-z_]+)=(\S+)")


@dataclass(frozen=True)
class AgentConfig:
    gateway: str
    token: str = field(repr=False)  # the boot ticket; never printed
    sn: str
    # Where the session token is kept once the gateway gave it; None: in memory only.
    session_file: Path | None = None
    gateway_ca: Path = GATEWAY_CA
    macs: tuple[str, ...] = ()
    image_host: str = ""
    heartbeat_s: float = 3.0
    lldp_wait_s: float = 0.0
    report_window_s: float = 1.0
    silence_s: float = 120.0  # the scheduler's BMP_SCHEDULER_AGENT_SILENCE
    rsyslog: str = ""  # HOST:PORT of bmp-rsyslog; empty: the log stays on the console


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


def read_token(path: Path) -> str:
    """The boot ticket (the file's content, never part of an error message)."""
    try:
        token = path.read_text().strip()
    except FileNotFoundError:
        raise ConfigError(
            f"no agent token at {path}: the gateway's boot initrd puts it there"
        ) from None
    if not token:
        raise ConfigError(f"the agent token file {path} is empty")
    return token


def load(
    cmdline_path: Path,
    sys_root: Path = Path("/sys"),
    *,
    token_file: Path = TOKEN_FILE,
    gateway_ca: Path = GATEWAY_CA,
    session_file: Path | None = SESSION_FILE,
) -> AgentConfig:
    args = parse_cmdline(cmdline_path.read_text())
    gateway = args.get("gateway", "")
    # The ticket or session token goes in every request's body: never over plain HTTP.
    if urllib.parse.urlsplit(gateway).scheme != "https":
        raise ConfigError(f"bmp.gateway must be an https URL, not {gateway!r}")
    if not gateway_ca.is_file():
        raise ConfigError(f"no gateway CA certificate at {gateway_ca}: the LiveOS build embeds it")
    token = read_token(token_file)
    sn = args.get("sn") or dmi_serial(sys_root)
    if not sn:
        raise ConfigError("no serial number: neither bmp.sn nor a DMI product serial")
    return AgentConfig(
        gateway=gateway.rstrip("/"),
        token=token,
        sn=sn,
        session_file=session_file,
        gateway_ca=gateway_ca,
        macs=read_macs(sys_root),
        image_host=args.get("image", ""),
        heartbeat_s=float(args.get("heartbeat", 3)),
        lldp_wait_s=float(args.get("lldp_wait", 0)),
        report_window_s=float(args.get("report_window", 1)),
        silence_s=float(args.get("silence", 120)),
        rsyslog=args.get("rsyslog", ""),
    )
