"""``python3 -m bmp_agent [--cmdline /proc/cmdline]``: the LiveOS agent's entry point.

The boot ticket is read from ``--token-file`` (the gateway's boot initrd puts it at
/etc/bmp/agent-token), never from the command line; the session token the gateway gives for it
is kept in ``--session-file`` (tmpfs); the gateway is trusted only with a certificate of
``--gateway-ca`` (embedded by the LiveOS build)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from bmp_agent import config as agent_config
from bmp_agent import syslog
from bmp_agent.context import StepContext
from bmp_agent.runner import Agent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bmp_agent", description=__doc__)
    parser.add_argument("--cmdline", type=Path, default=Path("/proc/cmdline"))
    parser.add_argument("--token-file", type=Path, default=agent_config.TOKEN_FILE)
    parser.add_argument("--gateway-ca", type=Path, default=agent_config.GATEWAY_CA)
    parser.add_argument("--session-file", type=Path, default=agent_config.SESSION_FILE)
    parser.add_argument("--sys-root", type=Path, default=Path("/sys"))
    parser.add_argument("--target-root", type=Path, default=Path("/mnt/target"))
    parser.add_argument("--work-dir", type=Path, default=Path("/var/lib/bmp-agent"))
    parser.add_argument(
        "--disk",
        action="append",
        dest="disks",
        help="only these disks (repeatable); default: every disk the kernel lists",
    )
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        config = agent_config.load(
            args.cmdline,
            args.sys_root,
            token_file=args.token_file,
            gateway_ca=args.gateway_ca,
            session_file=args.session_file,
        )
    except (agent_config.ConfigError, OSError) as exc:
        logging.error("cannot start: %s", exc)
        return 2
    address = syslog.parse_address(config.rsyslog) if config.rsyslog else None
    if address:
        logging.getLogger().addHandler(syslog.Rfc5424Handler(address, hostname=config.sn))
    elif config.rsyslog:
        logging.warning("bmp.rsyslog=%s is not HOST:PORT: logs stay on the console", config.rsyslog)
    ctx = StepContext(
        target_root=args.target_root,
        work_dir=args.work_dir,
        sys_root=args.sys_root,
        disks=args.disks,
        image_host=config.image_host,
        lldp_wait_s=config.lldp_wait_s,
    )
    ctx.load_state()
    return 0 if Agent(config, ctx).run() == "stopped" else 3


if __name__ == "__main__":
    sys.exit(main())
