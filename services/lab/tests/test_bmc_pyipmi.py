"""The virtual BMC seen through python-ipmi's native RMCP+ client, and its fault injection."""

from __future__ import annotations

import struct
import time

import pytest
from pyipmi.chassis import BootDevice
from pyipmi.errors import AuthenticationError, IpmiConnectionError, MessageStatusCodeError

from .conftest import asf_ping, connect


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
    server.set_latency(0.3)
    began = time.monotonic()
    assert asf_ping(server, timeout=2) is not None
    assert time.monotonic() - began >= 0.3
    server.set_latency(0)
    began = time.monotonic()
    assert asf_ping(server) is not None
    assert time.monotonic() - began < 0.2


def test_packet_loss_drops_requests(fleet):
    server = fleet.nodes[1]
    server.set_loss(1.0)
    assert asf_ping(server, timeout=0.2) is None
    server.set_loss(0.5)
    answered = sum(asf_ping(server, timeout=0.1) is not None for _ in range(40))
    assert 8 <= answered <= 32
    assert server.bmc.stats["dropped"] >= 8


def test_a_rebooting_bmc_stops_answering_then_comes_back(fleet, password):
    server = fleet.nodes[2]
    server.reboot_bmc(1.0)
    time.sleep(0.05)
    assert asf_ping(server, timeout=0.2) is None
    with pytest.raises(IpmiConnectionError):
        connect(server, password)
    time.sleep(1.0)
    assert asf_ping(server) is not None
    connect(server, password).close()
