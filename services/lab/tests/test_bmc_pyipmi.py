"""The virtual BMC seen through python-ipmi's native RMCP+ client, and its fault injection."""

from __future__ import annotations

import socket
import struct
import time

import pytest
from pyipmi.chassis import BootDevice
from pyipmi.errors import AuthenticationError, IpmiConnectionError, MessageStatusCodeError

from .conftest import ASF_PING, asf_ping, connect, wait_until


def test_answers_the_rmcp_presence_ping(fleet):
    pong = asf_ping(fleet.nodes[0])
    assert pong is not None
    rmcp_class, (iana, asf_type, tag, length) = pong[3], struct.unpack("!IBBxB", pong[4:12])
    assert (rmcp_class, iana, asf_type, tag, length) == (0x06, 4542, 0x40, 7, 16)
    assert pong[20] & 0x80  # supported entities: IPMI


def test_session_reads_power_and_sets_the_boot_device(fleet, password):
    server = fleet.nodes[0]
    ipmi = connect(server, password)
    try:
        assert ipmi.get_chassis_status().power_on is False
        ipmi.chassis_control_power_up()
        assert ipmi.get_chassis_status().power_on is True
        ipmi.set_boot_options(BootDevice.PXE, "efi", True)
        assert ipmi.get_boot_device() == BootDevice.PXE
        assert ipmi.get_boot_persistency() is True
        assert ipmi.get_boot_mode() == "efi"
    finally:
        ipmi.close()
    assert server.power == "on"
    assert (server.node.boot_device, server.node.boot_persistent) == ("pxe", True)


def test_suite_17_is_refused_with_0x11_and_suite_3_works(fleet, password):
    server = fleet.nodes[0]
    with pytest.raises(MessageStatusCodeError) as refused:
        connect(server, password, cipher_suite=17)
    assert refused.value.msc == 0x11
    ipmi = connect(server, password)  # default: tries 17, falls back to 3
    try:
        assert ipmi.get_chassis_status().power_on is False
    finally:
        ipmi.close()


def test_wrong_password_is_an_authentication_error(fleet, password):
    with pytest.raises(AuthenticationError):
        connect(fleet.nodes[0], password + "x")


def test_wrong_password_fault_makes_the_right_password_fail(fleet, password):
    server = fleet.nodes[0]
    server.set_wrong_password(True)
    with pytest.raises(AuthenticationError):
        connect(server, password)
    server.set_wrong_password(False)
    connect(server, password).close()


def test_unknown_user_is_refused_with_unauthorized_name(fleet, password):
    with pytest.raises(MessageStatusCodeError) as refused:
        connect(fleet.nodes[0], password, username="nobody")
    assert refused.value.msc == 0x0D


def test_latency_delays_every_reply(fleet):
    server = fleet.nodes[1]
    # A latency far above what a loaded machine adds to a local round trip (milliseconds, or a
    # few hundred under load), so a delayed reply and a prompt one cannot be mistaken.
    server.set_latency(2.0)
    began = time.monotonic()
    assert asf_ping(server, timeout=10) is not None
    assert time.monotonic() - began >= 2.0  # a lower bound: a loaded machine only adds to it
    server.set_latency(0)
    assert asf_ping(server, timeout=1.5) is not None  # still 2 s late would miss this


def test_packet_loss_drops_requests(fleet):
    server = fleet.nodes[1]
    server.set_loss(1.0)
    assert asf_ping(server, timeout=0.2) is None
    server.set_loss(0.5)
    stats = server.bmc.stats
    received, dropped = stats["received"], stats["dropped"]
    # Counted, not timed: 40 tagged pings from one socket, and every pong that comes back,
    # however late a loaded machine makes it. The BMC's own count says which it dropped.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for tag in range(40):
            ping = bytearray(ASF_PING)
            ping[9] = tag
            sock.sendto(ping, (server.bmc_address, server.bmc_port))
        assert wait_until(lambda: stats["received"] - received == 40)
        lost = stats["dropped"] - dropped
        answered = set()
        sock.settimeout(5)
        while len(answered) < 40 - lost:
            answered.add(sock.recv(512)[9])
        sock.settimeout(0.2)
        with pytest.raises(TimeoutError):
            sock.recv(512)  # and no answer to a dropped one
    assert 8 <= lost <= 32
    assert len(answered) == 40 - lost


def test_a_rebooting_bmc_stops_answering_then_comes_back(fleet, password):
    server = fleet.nodes[2]
    # 3 s: python-ipmi's connect pings and waits 2 s for the pong, and that ping must still
    # fall in the reboot on a loaded machine (with 1 s it had 0.7 s to be sent).
    server.reboot_bmc(3.0)
    assert wait_until(lambda: server.bmc.rebooting)  # the reactor has taken the reboot
    assert asf_ping(server, timeout=0.2) is None
    with pytest.raises(IpmiConnectionError):
        connect(server, password)
    assert wait_until(lambda: asf_ping(server) is not None)  # back after the reboot
    connect(server, password).close()
