"""``python -m bmp_dhcp_agent serve --idc IDC --interface IFACE --server-ip IP [--proxy]``.

The DHCP server of one IDC, answering from the host table the worker maintains. Flags win over
the environment; see the README for every ``BMP_DHCP_*`` key.
"""

from __future__ import annotations

import argparse
import logging
import logging.config
import signal

from bmp_common import env
from bmp_common.logging import logging_config
from bmp_dhcp_agent.dhcp.policy import PolicyConfig
from bmp_dhcp_agent.dhcp.server import DhcpServer, ServerConfig
from bmp_dhcp_agent.hosts import table_path

log = logging.getLogger(__name__)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bmp_dhcp_agent serve", description=__doc__)
    parser.add_argument("--idc", default=env.env_str("BMP_IDC_ID"), help="default $BMP_IDC_ID")
    parser.add_argument(
        "--interface",
        default=env.env_str("BMP_DHCP_INTERFACE"),
        help="provisioning interface (SO_BINDTODEVICE), default $BMP_DHCP_INTERFACE",
    )
    parser.add_argument(
        "--server-ip",
        default=env.env_str("BMP_DHCP_SERVER_IP"),
        help="this server's address on that segment (option 54), default $BMP_DHCP_SERVER_IP",
    )
    parser.add_argument(
        "--proxy",
        action="store_true",
        default=env.env_bool("BMP_DHCP_PROXY"),
        help="ProxyDHCP: boot data only, another server gives addresses ($BMP_DHCP_PROXY)",
    )
    parser.add_argument(
        "--listen-ip",
        default=env.env_str("BMP_DHCP_LISTEN_IP", "0.0.0.0"),  # noqa: S104 - see server.py
    )
    parser.add_argument("--port", type=int, default=env.env_int("BMP_DHCP_PORT", 67))
    parser.add_argument("--proxy-port", type=int, default=env.env_int("BMP_DHCP_PROXY_PORT", 4011))
    parser.add_argument("--client-port", type=int, default=env.env_int("BMP_DHCP_CLIENT_PORT", 68))
    parser.add_argument("--relay-port", type=int, default=env.env_int("BMP_DHCP_RELAY_PORT", 67))
    parser.add_argument("--loglevel", default=env.env_str("BMP_LOG_LEVEL", "INFO"))
    args = parser.parse_args(argv)
    if not args.idc:
        parser.error("--idc (or BMP_IDC_ID) is required")
    if not args.server_ip:
        parser.error("--server-ip (or BMP_DHCP_SERVER_IP) is required")
    if not args.interface and not env.env_bool("BMP_DHCP_ALLOW_NO_INTERFACE"):
        parser.error(
            "--interface (or BMP_DHCP_INTERFACE) is required: broadcast replies must leave "
            "through the provisioning interface"
        )
    return args


def server_config(args: argparse.Namespace) -> ServerConfig:
    server_ip = args.server_ip
    return ServerConfig(
        policy=PolicyConfig(
            server_ip=server_ip,
            tftp_host=env.env_str("BMP_TFTP_HOST", server_ip),
            # iPXE fetches its script over plain HTTP (it cannot verify our CA); the agent's
            # HTTPS gateway (BMP_GATEWAY_URL) is for the LiveOS.
            gateway_url=env.env_str("BMP_GATEWAY_BOOT_URL", f"http://{server_ip}:8803"),
            bios_file=env.env_str("BMP_DHCP_BOOT_BIOS", "undionly.kpxe"),
            efi_file=env.env_str("BMP_DHCP_BOOT_EFI", "snponly.efi"),
            arm64_file=env.env_str("BMP_DHCP_BOOT_ARM64", "snponly-arm64.efi"),
            efi_http_url=env.env_str("BMP_DHCP_BOOT_EFI_HTTP_URL", ""),
            lease_time=env.env_int("BMP_DHCP_LEASE_TIME", 600),
            proxy=args.proxy,
        ),
        table_path=table_path(args.idc),
        interface=args.interface,
        listen_ip=args.listen_ip,
        port=args.port,
        proxy_port=args.proxy_port,
        client_port=args.client_port,
        relay_port=args.relay_port,
        broadcast_address=env.env_str("BMP_DHCP_BROADCAST_ADDRESS", "255.255.255.255"),
        answer_router_solicitations=env.env_bool("BMP_DHCP_ANSWER_RS", True),
        max_events=env.env_int("BMP_DHCP_MAX_EVENTS", 100_000),
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.config.dictConfig(logging_config("dhcp-server", args.loglevel))
    config = server_config(args)
    server = DhcpServer(config)
    signal.signal(signal.SIGTERM, lambda *_: server.stop())
    signal.signal(signal.SIGINT, lambda *_: server.stop())
    print(
        f"dhcp-server: IDC {args.idc} on {args.interface or args.listen_ip}:{server.port}, "
        f"host table {config.table_path}",
        flush=True,
    )
    try:
        server.serve_forever()
    finally:
        log.info("DHCP server stopping; counters this run: %s", server.events.totals)
        server.close()
