"""The answer policy, packet in and packet out: no sockets."""

import struct
from pathlib import Path

import pytest

from bmp_dhcp_agent.dhcp import codec
from bmp_dhcp_agent.dhcp.policy import PolicyConfig, decide, destination
from bmp_dhcp_agent.hosts import Lookup, Reservation, Subnet
from bmp_dhcp_agent.testing import client_message

MAC = "52:54:00:aa:bb:01"
IP = "10.0.0.5"
SERVER = "10.0.0.2"
CONFIG = PolicyConfig(server_ip=SERVER, tftp_host="10.0.0.3", gateway_url="http://10.0.0.2:8803/")
SUBNET = Subnet("10.0.0.0", "255.255.255.0", ("10.0.0.1",), ("10.0.0.53", "10.0.0.54"))
HOST = Lookup(Reservation(MAC, IP, "node-1"), SUBNET)
SCRIPT_URL = "http://10.0.0.2:8803/v1/boot/ipxe?mac=52:54:00:aa:bb:01"


def discover(**kwargs):
    return client_message(codec.DISCOVER, MAC, 0x1234, **kwargs)


def ip(packet, code):
    return packet.option_ip(code)


def test_a_reserved_mac_gets_an_offer_with_its_subnet_settings():
    reply = decide(discover(), HOST, CONFIG).reply
    assert reply.op == codec.BOOTREPLY
    assert reply.message_type == codec.OFFER
    assert (reply.xid, reply.mac, reply.yiaddr) == (0x1234, MAC, IP)
    assert ip(reply, codec.OPT_SUBNET_MASK) == "255.255.255.0"
    assert ip(reply, codec.OPT_ROUTERS) == "10.0.0.1"
    assert reply.options[codec.OPT_DNS_SERVERS] == codec.ip_list(["10.0.0.53", "10.0.0.54"])
    assert ip(reply, codec.OPT_SERVER_ID) == SERVER
    assert struct.unpack("!I", reply.options[codec.OPT_LEASE_TIME]) == (600,)
    assert reply.options[codec.OPT_HOSTNAME] == b"node-1"
    # A plain DHCP client (udhcpc) gets no boot data.
    assert reply.siaddr == codec.ZERO_IP and reply.file == b""
    assert codec.OPT_BOOTFILE not in reply.options


def test_an_unknown_mac_gets_nothing():
    decision = decide(discover(), None, CONFIG)
    assert decision.reply is None and decision.reason == "unknown_mac"


def test_a_host_outside_every_known_subnet_gets_nothing():
    decision = decide(discover(), Lookup(HOST.host, None), CONFIG)
    assert decision.reply is None and decision.reason == "no_subnet"


def test_ipxe_from_the_real_rom_gets_its_script_url_and_no_pxeclient_echo():
    rom_discover = Path(__file__).parent / "fixtures" / "ipxe-bios-discover.bin"
    request = codec.parse(rom_discover.read_bytes())
    reply = decide(request, HOST, CONFIG).reply
    assert reply.file.decode() == SCRIPT_URL
    assert reply.options[codec.OPT_BOOTFILE].decode() == SCRIPT_URL
    assert reply.options[codec.OPT_IPXE_ENCAP] == bytes((176, 1, 1))
    assert codec.OPT_VENDOR_CLASS not in reply.options
    assert codec.OPT_VENDOR_SPECIFIC not in reply.options
    assert reply.siaddr == "10.0.0.3"
    assert reply.options[codec.OPT_TFTP_SERVER] == b"10.0.0.3"
    assert reply.options[codec.OPT_CLIENT_ID] == request.options[codec.OPT_CLIENT_ID]


def test_ipxe_is_also_recognised_by_option_175_alone():
    reply = decide(discover(ipxe_encap=True, vendor="PXEClient:Arch:00007"), HOST, CONFIG).reply
    assert reply.file.decode() == SCRIPT_URL
    assert codec.OPT_VENDOR_CLASS not in reply.options


@pytest.mark.parametrize(
    ("arch", "config", "file"),
    [
        (0, CONFIG, "undionly.kpxe"),
        (None, CONFIG, "undionly.kpxe"),
        (7, CONFIG, "snponly.efi"),
        (9, CONFIG, "snponly.efi"),
        (7, PolicyConfig(SERVER, SERVER, "http://x", efi_file="ipxe.efi"), "ipxe.efi"),
        (11, CONFIG, "snponly-arm64.efi"),
    ],
)
def test_firmware_pxe_gets_the_file_of_its_architecture_and_option_43(arch, config, file):
    request = discover(vendor=f"PXEClient:Arch:{arch or 0:05d}:UNDI:003016", arch=arch)
    request.options[codec.OPT_CLIENT_UUID] = b"\x00" + bytes(16)
    reply = decide(request, HOST, config).reply
    assert reply.file.decode() == file
    assert reply.options[codec.OPT_BOOTFILE].decode() == file
    assert reply.options[codec.OPT_VENDOR_CLASS] == b"PXEClient"
    assert reply.options[codec.OPT_VENDOR_SPECIFIC] == bytes.fromhex("060108ff")
    assert reply.options[codec.OPT_CLIENT_UUID] == b"\x00" + bytes(16)
    assert codec.OPT_IPXE_ENCAP not in reply.options


def test_an_architecture_without_a_boot_file_still_gets_its_address():
    reply = decide(discover(vendor="PXEClient:Arch:00006", arch=6), HOST, CONFIG).reply
    assert reply.yiaddr == IP and reply.file == b""


def test_uefi_http_boot_gets_a_url_when_configured():
    config = PolicyConfig(SERVER, SERVER, "http://x", efi_http_url="http://10.0.0.2/ipxe.efi")
    reply = decide(discover(vendor="HTTPClient:Arch:00016", arch=16), HOST, config).reply
    assert reply.options[codec.OPT_VENDOR_CLASS] == b"HTTPClient"
    assert reply.file == b"http://10.0.0.2/ipxe.efi"


def test_a_long_script_url_goes_in_option_67_only():
    config = PolicyConfig(SERVER, SERVER, "http://boot.example/" + "x" * 120)
    reply = decide(discover(user_class=b"iPXE"), HOST, config).reply
    assert reply.file == b"" and len(reply.options[codec.OPT_BOOTFILE]) > 127


def request(**kwargs):
    return client_message(codec.REQUEST, MAC, 0x99, **kwargs)


def test_a_request_for_the_offered_address_is_acked():
    reply = decide(request(requested=IP, server_id=SERVER), HOST, CONFIG).reply
    assert reply.message_type == codec.ACK and reply.yiaddr == IP
    assert ip(reply, codec.OPT_ROUTERS) == "10.0.0.1"


def test_a_request_to_another_server_is_ignored():
    decision = decide(request(requested=IP, server_id="10.0.0.9"), HOST, CONFIG)
    assert decision.reply is None and decision.reason == "other_server"


def test_a_request_for_another_address_is_nakked():
    reply = decide(request(requested="10.0.0.77"), HOST, CONFIG).reply
    assert reply.message_type == codec.NAK and reply.yiaddr == codec.ZERO_IP
    assert codec.OPT_LEASE_TIME not in reply.options
    assert destination(request(), reply) == ("255.255.255.255", 68)


def test_a_renewal_is_acked_by_unicast_to_the_client():
    renew = request(ciaddr=IP, broadcast=False)
    reply = decide(renew, HOST, CONFIG).reply
    assert reply.message_type == codec.ACK
    assert destination(renew, reply) == (IP, 68)


def test_an_inform_gets_settings_but_no_lease():
    inform = client_message(codec.INFORM, MAC, 5, ciaddr=IP)
    reply = decide(inform, HOST, CONFIG).reply
    assert reply.message_type == codec.ACK
    assert (reply.yiaddr, reply.ciaddr) == (codec.ZERO_IP, IP)
    assert codec.OPT_LEASE_TIME not in reply.options
    assert ip(reply, codec.OPT_SUBNET_MASK) == "255.255.255.0"


@pytest.mark.parametrize("kind", [codec.RELEASE, codec.DECLINE])
def test_release_and_decline_are_only_recorded(kind):
    decision = decide(client_message(kind, MAC, 1, ciaddr=IP), HOST, CONFIG)
    assert decision.reply is None and decision.reason == "recorded"


def test_a_relayed_request_is_answered_to_the_relay_with_its_agent_info():
    relayed = discover(giaddr="10.0.0.1", broadcast=False)
    relayed.options[codec.OPT_RELAY_AGENT] = bytes((1, 3)) + b"sw1"
    reply = decide(relayed, HOST, CONFIG).reply
    assert reply.giaddr == "10.0.0.1"
    assert reply.options[codec.OPT_RELAY_AGENT] == bytes((1, 3)) + b"sw1"
    assert destination(relayed, reply) == ("10.0.0.1", 67)
    assert destination(relayed, reply, relay_port=6767) == ("10.0.0.1", 6767)


def test_a_relayed_nak_asks_the_relay_to_broadcast():
    reply = decide(request(requested="10.0.0.77", giaddr="10.0.0.1"), HOST, CONFIG).reply
    assert reply.message_type == codec.NAK and reply.broadcast


def test_replies_to_clients_without_an_address_are_broadcast():
    reply = decide(discover(broadcast=False), HOST, CONFIG).reply
    assert destination(discover(), reply) == ("255.255.255.255", 68)
    assert destination(discover(), reply, broadcast_address="127.0.0.1", client_port=9) == (
        "127.0.0.1",
        9,
    )


def test_bootp_and_replies_are_not_answered():
    bootp = discover()
    del bootp.options[codec.OPT_MESSAGE_TYPE]
    assert decide(bootp, HOST, CONFIG).reason == "bootp"
    echo = discover()
    echo.op = codec.BOOTREPLY
    assert decide(echo, HOST, CONFIG).reason == "not_a_request"


# -- ProxyDHCP ---------------------------------------------------------------------------------

PROXY = PolicyConfig(SERVER, SERVER, "http://10.0.0.2:8803", proxy=True)


def test_proxy_offers_boot_data_without_an_address_to_firmware_pxe():
    reply = decide(discover(vendor="PXEClient:Arch:00007", arch=7), HOST, PROXY).reply
    assert reply.message_type == codec.OFFER
    assert reply.yiaddr == codec.ZERO_IP
    assert reply.file == b"snponly.efi"
    assert reply.options[codec.OPT_VENDOR_CLASS] == b"PXEClient"
    assert ip(reply, codec.OPT_SERVER_ID) == SERVER
    assert codec.OPT_SUBNET_MASK not in reply.options
    assert codec.OPT_LEASE_TIME not in reply.options


def test_proxy_gives_ipxe_its_script_and_the_pxeclient_echo_it_needs_there():
    reply = decide(discover(vendor="PXEClient:Arch:00000", user_class=b"iPXE"), HOST, PROXY).reply
    assert reply.options[codec.OPT_VENDOR_CLASS] == b"PXEClient"
    assert reply.file.decode().startswith("http://10.0.0.2:8803/v1/boot/ipxe?mac=")
    assert codec.OPT_IPXE_ENCAP not in reply.options


def test_proxy_boot_server_acks_requests_on_4011():
    boot_request = request(vendor="PXEClient:Arch:00000", arch=0, ciaddr="192.168.1.50")
    reply = decide(boot_request, HOST, PROXY, port="proxy").reply
    assert reply.message_type == codec.ACK and reply.file == b"undionly.kpxe"
    assert decide(boot_request, HOST, PROXY).reason == "proxy_ignored"  # on 67: not ours


def test_proxy_ignores_plain_clients_and_unknown_macs():
    assert decide(discover(), HOST, PROXY).reason == "proxy_not_pxe"
    assert decide(discover(vendor="PXEClient"), None, PROXY).reason == "unknown_mac"


def test_port_4011_is_silent_without_proxy_mode():
    assert decide(request(vendor="PXEClient"), HOST, CONFIG, port="proxy").reply is None


def test_ipxe_gets_the_gateways_plain_http_boot_url_when_the_agents_is_https(monkeypatch):
    from bmp_dhcp_agent.serve import parse_args, server_config

    monkeypatch.setenv("BMP_GATEWAY_URL", "https://10.0.0.2:8443")
    monkeypatch.setenv("BMP_GATEWAY_BOOT_URL", "http://10.0.0.2:8803")
    monkeypatch.setenv("BMP_DHCP_ALLOW_NO_INTERFACE", "1")
    args = parse_args(["--idc", "idc-1", "--server-ip", SERVER])
    assert server_config(args).policy.script_url(MAC) == SCRIPT_URL
    monkeypatch.delenv("BMP_GATEWAY_BOOT_URL")
    # Unset, the gateway's plain-HTTP port on this server: never the agents' HTTPS URL.
    assert server_config(args).policy.script_url(MAC).startswith("http://10.0.0.2:8803/")
