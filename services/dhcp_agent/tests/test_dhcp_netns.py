"""Real clients over a real link: busybox udhcpc and raw packets in a namespace pair (root).

The server runs as ``python -m bmp_dhcp_agent serve`` in one namespace, bound to its veth with
SO_BINDTODEVICE and answering on 255.255.255.255:68, exactly as in production.
"""

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bmp_common.testing.requirements import require_root, require_tools
from bmp_dhcp_agent.dhcp.events import read_events
from bmp_dhcp_agent.hosts import HostTable, table_path
from bmp_dhcp_agent.testing import VethPair

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("namespaces_possible")]


@pytest.fixture(scope="module")
def namespaces_possible():
    require_root("network namespaces")
    require_tools("ip", install="apt-get install iproute2")


IDC = "idc-netns"
MAC = "52:54:00:aa:bb:01"
STRANGER = "52:54:00:aa:bb:99"
IP = "10.77.0.50"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    state = tmp_path_factory.mktemp("dhcp-netns")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BMP_DHCP_STATE_DIR", str(state))
        path = table_path(IDC)
    with HostTable(path) as table:
        table.add_subnet(
            network="10.77.0.0", mask="16", routers="10.77.0.1", dns_servers=["10.77.0.53"]
        )
        table.add_host(mac=MAC, ip=IP, hostname="node-50")
    with VethPair() as pair:
        env = {
            **os.environ,
            "BMP_DHCP_STATE_DIR": str(state),
            # iPXE gets the plain-HTTP boot URL, never the agents' HTTPS gateway.
            "BMP_GATEWAY_BOOT_URL": "http://10.77.0.1:8803",
            "BMP_GATEWAY_URL": "https://10.77.0.1:8813",
        }
        command = pair.server_cmd(
            sys.executable, "-m", "bmp_dhcp_agent", "serve", "--idc", IDC,
            "--interface", pair.server_if, "--server-ip", pair.server_ip,
        )  # fmt: skip
        server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
        try:
            banner = server.stdout.readline()
            assert "dhcp-server" in banner, f"the server did not start: {banner!r}"
            pair.table_path = path
            pair.server = server
            yield pair
        finally:
            server.terminate()
            server.wait(10)


def udhcpc(pair, tmp_path, mac, tries=3):
    require_tools("busybox", install="apt-get install busybox-static")
    pair.set_client_mac(mac)
    out = tmp_path / "lease.env"
    script = tmp_path / "udhcpc.sh"
    script.write_text(
        "#!/bin/sh\n"
        '[ "$1" = bound ] && env | grep -E "^(ip|subnet|router|dns|serverid|lease|hostname)="'
        f" > {out}\n"
        "exit 0\n"
    )
    script.chmod(0o755)
    command = pair.client_cmd(
        "busybox", "udhcpc", "-f", "-q", "-n", "-i", pair.client_if,
        "-t", str(tries), "-T", "1", "-s", str(script),
    )  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    lease = (
        dict(line.split("=", 1) for line in out.read_text().splitlines()) if out.exists() else {}
    )
    return result, lease


def test_udhcpc_gets_the_reserved_address_mask_and_router(net, tmp_path):
    result, lease = udhcpc(net, tmp_path, MAC)
    assert result.returncode == 0, result.stderr
    assert lease["ip"] == IP
    assert lease["subnet"] == "255.255.0.0"
    assert lease["router"] == "10.77.0.1"
    assert lease["dns"] == "10.77.0.53"
    assert lease["serverid"] == net.server_ip
    assert lease["hostname"] == "node-50"
    kinds = wait_for_kinds(net.table_path, MAC, 4)
    assert kinds[-4:] == ["DISCOVER", "OFFER", "REQUEST", "ACK"]


def test_an_unreserved_mac_gets_nothing(net, tmp_path):
    result, lease = udhcpc(net, tmp_path, STRANGER, tries=2)
    assert result.returncode != 0 and lease == {}
    assert set(wait_for_kinds(net.table_path, STRANGER, 2)) == {"DISCOVER"}


def wait_for_kinds(path, mac, count, timeout=3.0):
    deadline = time.monotonic() + timeout
    while True:
        kinds = [event.kind for event in read_events(path, mac)]
        if len(kinds) >= count or time.monotonic() > deadline:
            return kinds
        time.sleep(0.05)


CLIENT = textwrap.dedent(
    """
    import json, socket, sys
    interface, packet = sys.argv[1], bytes.fromhex(sys.argv[2])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, interface.encode())
    sock.bind(("0.0.0.0", 68))
    sock.settimeout(3)
    sock.sendto(packet, ("255.255.255.255", 67))
    data, sender = sock.recvfrom(4096)
    print(json.dumps({"reply": data.hex(), "sender": sender[0]}))
    """
)


def test_ipxe_from_the_real_rom_gets_its_script_url_by_broadcast(net):
    from bmp_dhcp_agent.dhcp import codec

    packet = (FIXTURES / "ipxe-bios-discover.bin").read_bytes()
    command = net.client_cmd(sys.executable, "-c", CLIENT, net.client_if, packet.hex())
    result = subprocess.run(command, capture_output=True, text=True, timeout=20, check=True)
    answer = json.loads(result.stdout)
    offer = codec.parse(bytes.fromhex(answer["reply"]))
    assert answer["sender"] == net.server_ip
    assert offer.message_type == codec.OFFER and offer.yiaddr == IP
    assert offer.file == b"http://10.77.0.1:8803/v1/boot/ipxe?mac=52:54:00:aa:bb:01"
    assert offer.options[codec.OPT_IPXE_ENCAP] == bytes((176, 1, 1))
    assert codec.OPT_VENDOR_CLASS not in offer.options


SOLICIT = textwrap.dedent(
    """
    import json, socket, struct, sys
    interface = sys.argv[1]
    index = socket.if_nametoindex(interface)
    sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, interface.encode())
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    sock.settimeout(3)
    sock.sendto(struct.pack("!BBHI", 133, 0, 0, 0), ("ff02::2", 0, 0, index))
    while True:
        data, sender = sock.recvfrom(1500)
        if data[0] == 134:
            break
    hop, flags, lifetime = struct.unpack_from("!BBH", data, 4)
    answer = {"length": len(data), "lifetime": lifetime, "flags": flags, "sender": sender[0]}
    print(json.dumps(answer))
    """
)


def test_a_router_solicitation_gets_an_ra_with_lifetime_zero_and_no_prefix(net):
    command = net.client_cmd(sys.executable, "-c", SOLICIT, net.client_if)
    result = subprocess.run(command, capture_output=True, text=True, timeout=20, check=True)
    answer = json.loads(result.stdout)
    assert answer["lifetime"] == 0 and answer["flags"] == 0
    assert answer["length"] == 16  # the bare RA header: no prefix or other options
    assert answer["sender"].startswith("fe80:")
