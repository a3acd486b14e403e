"""A collect job PXE-boots a QEMU server into the LiveOS, through every real service.

API collectDeviceInfo → scheduler → dhcp-agent reserves the MAC → driver (IPMI over UDP to the
lab BMC) sets PXE and powers on → QEMU's firmware/iPXE gets our DHCP answer → the gateway's
script → kernel and initrd over HTTP → the LiveOS heartbeats with the boot ticket the gateway's
boot initrd put in /etc/bmp/agent-token → the job hands out its first agent step (Ping), over
HTTPS verified against the CA the LiveOS embeds, and the session token the LiveOS heartbeats
with from then on. Once with SeaBIOS (iPXE ROM), once with OVMF and firmware PXE chainloading
snponly.efi over TFTP.
"""

from __future__ import annotations

import os

import pytest

from bmp_common.messages import actions
from bmp_lab.platform import wait_for

from .conftest import wait_for_line

pytestmark = [pytest.mark.e2e]

BOOT_TIMEOUT = {"bios": 150, "uefi": 240}  # generous: TCG on 2 shared cores
# The minimal LiveOS prints the names of the steps it is handed, never the plan's parameters.
FIRST_AGENT_STEP = r"bmp-liveos: heartbeat \(ticket\): steps \[Ping\b"
# The next heartbeats carry the session token the first answer gave (the ticket is dead then).
WITH_SESSION = r"bmp-liveos: heartbeat \(session\): steps \[Ping\b"


FOLLOWS = {"OFFER": "DISCOVER", "REQUEST": "OFFER", "ACK": "REQUEST"}


def dhcp_exchanges(events: list[tuple[str, int]]) -> list[list[str]]:
    """Messages grouped by transaction id, in the order the transactions started."""
    by_xid: dict[int, list[str]] = {}
    for kind, xid in events:
        by_xid.setdefault(xid, []).append(kind)
    return list(by_xid.values())


def completed_in_order(kinds: list[str]) -> bool:
    """DISCOVER → OFFER → REQUEST → ACK, retransmissions allowed, nothing out of turn."""
    seen: set[str] = set()
    for kind in kinds:
        if kind in FOLLOWS and FOLLOWS[kind] not in seen:
            return False
        seen.add(kind)
    return kinds[:1] == ["DISCOVER"] and kinds[-1:] == ["ACK"]


@pytest.mark.parametrize(("sn", "firmware"), [("LAB-0001", "bios"), ("LAB-0002", "uefi")])
def test_collect_pxe_boots_the_server_into_the_liveos(netboot, sn, firmware, capsys):
    server = netboot.fleet.by_sn(sn)
    qemu = netboot.qemu[sn]
    assert qemu.machine.firmware == firmware
    netboot.api.put("/devices/unmount", {"deviceId": netboot.device_ids[sn]})

    netboot.api.post("/collect/collectDeviceInfo", {"collects": [{"sn": sn}]})

    try:
        assert wait_for(lambda: qemu.started_at, 60, f"{sn} powered on by the driver")
        seen = wait_for_line(qemu.machine.serial_log, FIRST_AGENT_STEP, BOOT_TIMEOUT[firmware])
        serial = qemu.machine.serial_log.read_text(errors="replace")
        assert seen is not None, f"no heartbeat answered with a step; serial log:\n{serial[-3000:]}"
        with capsys.disabled():  # shown even without -s: the number the acceptance asks for
            print(f"\n{firmware}: power-on to first heartbeat {seen - qemu.started_at:.1f} s")
        assert wait_for_line(qemu.machine.serial_log, WITH_SESSION, 30), "no session heartbeat"
        serial = qemu.machine.serial_log.read_text(errors="replace")

        assert server.node.booted_from == "pxe" and qemu.booted_device == "pxe"
        assert f"BMP: booting the LiveOS for {sn}" in serial  # the gateway's per-node script
        assert "bmp-liveos: eth0 is 10.200.0." in serial  # our DHCP lease inside the LiveOS
        assert "bmp.token" not in serial and '"params"' not in serial  # no secret on the console
        steps = netboot.steps(sn)
        assert [action for action, _ in steps[:4]] == [
            actions.DHCP_ADD_SUBNET,
            actions.DHCP_ADD_HOST,
            actions.SET_PXE_BOOT,
            actions.PING,
        ]
        assert [status for _, status in steps[:4]] == ["succeeded"] * 3 + ["running"]

        exchanges = dhcp_exchanges(netboot.services.dhcp_events(server.mac))
        complete = [kinds for kinds in exchanges if completed_in_order(kinds)]
        # firmware (iPXE ROM or OVMF), then snponly's iPXE for UEFI, then the LiveOS's udhcpc
        assert len(complete) >= (3 if firmware == "uefi" else 2), exchanges
        if firmware == "uefi":
            assert "snponly.efi" in netboot.services.tftp_log()
    finally:
        server.node.power_down()  # one TCG VM at a time
        assert qemu.wait_idle() and not qemu.running


def test_a_heartbeat_with_a_wrong_token_is_refused(netboot):
    heartbeat = {"sn": "LAB-0001", "token": "not-the-token"}
    ca = str(netboot.gateway_ca)
    status, body = netboot.net.http(
        f"{netboot.agent_gateway}/v1/agent/heartbeat", heartbeat, cafile=ca
    )
    plain, _ = netboot.net.http(f"{netboot.gateway}/v1/agent/heartbeat", heartbeat)

    assert status == 401, body
    assert plain == 403  # the plain-HTTP gateway refuses agent calls


def test_only_reserved_macs_get_a_dhcp_answer(netboot):
    """Runs after the collect tests, whose jobs keep their MACs reserved (they wait at Ping)."""
    reserved = netboot.fleet.by_sn("LAB-0001").mac  # still reserved: its collect job is at Ping
    stranger = "52:54:00:ee:ee:%02x" % (os.getpid() % 256)

    assert netboot.net.dhcp_probe(reserved)
    assert not netboot.net.dhcp_probe(stranger)

    kinds = [kind for kind, _ in netboot.services.dhcp_events(stranger)]
    assert kinds and set(kinds) == {"DISCOVER"}, kinds  # seen, recorded, never answered
