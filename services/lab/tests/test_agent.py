"""The simulated LiveOS agent against a protocol-following fake gateway."""

from __future__ import annotations

import time

import pytest

from bmp_lab.agent import parse_boot_script
from bmp_lab.fleet import Fleet

from .conftest import connect, wait_until
from .fake_gateway import FakeGateway


@pytest.fixture
def gateway():
    with FakeGateway() as running:
        yield running


@pytest.fixture
def lab(gateway, password):
    options = {"heartbeat_interval": 0.05}
    with Fleet(
        2,
        base_port=0,
        username="admin",
        password=password,
        gateway=gateway.url,
        agent_options=options,
    ) as fleet:
        yield fleet


def pxe_boot(server, password):
    """What the driver's SetPXEBoot does: boot device pxe (next boot), then power on."""
    ipmi = connect(server, password)
    try:
        from pyipmi.chassis import BootDevice

        ipmi.set_boot_options(BootDevice.PXE, "efi", False)
        ipmi.chassis_control_power_up()
    finally:
        ipmi.close()


def test_parse_boot_script_reads_the_kernel_line_and_the_token_archive():
    script = parse_boot_script(
        "#!ipxe\nkernel http://g/vmlinuz initrd=initrd.img initrd=bmp-agent.cpio "
        "bmp.gateway=https://g:8443 bmp.sn=LAB-0001 quiet\n"
        "initrd --name initrd.img http://g/initrd.img\n"
        "initrd --name bmp-agent.cpio http://g:8803/v1/boot/agent.cpio?mac=52:54:00:00:00:01\n"
        "boot\n"
    )
    assert (script.gateway, script.sn) == ("https://g:8443", "LAB-0001")
    assert script.agent_cpio == "http://g:8803/v1/boot/agent.cpio?mac=52:54:00:00:00:01"
    assert script.boots_liveos is True
    assert parse_boot_script("sanboot --drive 0x80").boots_liveos is False


def test_pxe_boot_runs_the_steps_and_posts_results(lab, gateway, password):
    server = lab.nodes[0]
    gateway.expect(server.sn, server.mac, ["Ping", "CollectDiskLocations", "CollectHardwareInfo"])
    pxe_boot(server, password)
    assert wait_until(lambda: len(gateway.results) == 3)
    assert [r["status"] for r in gateway.results] == ["ok", "ok", "ok"]
    assert gateway.reports == [3]  # quick steps: their results went together
    assert server.mac in gateway.scripts
    assert gateway.heartbeats[0]["sn"] == server.sn
    assert gateway.heartbeats[0]["token"] == gateway.tokens[server.sn]  # read from agent.cpio
    # The first answer gave the session token: every call after carries it, never the ticket.
    assert gateway.tokens_sent[0] == gateway.tokens[server.sn]
    assert set(gateway.tokens_sent[1:]) == {gateway.sessions[server.sn]}
    # Every request left from the node's reserved address, as the gateway demands.
    assert server.private_ipv4.startswith("127.200.")
    assert {source for _path, source in gateway.sources} == {server.private_ipv4}
    assert [path for path, _ in gateway.sources][:2] == ["/v1/boot/ipxe", "/v1/boot/agent.cpio"]
    disks = gateway.results[1]["data"]["controllers"][0]["disks"]
    assert {"enclosure", "slot", "size", "size_unit", "pd_type", "media_type"} <= set(disks[0])
    info = gateway.results[2]["data"]
    assert info["system_vendor"]["serial_number"] == server.sn
    assert {"count", "model_name", "frequency", "architecture"} <= set(info["cpu"])
    assert {"physical_mb", "total"} <= set(info["memory"])
    assert info["interfaces"][0]["mac_address"] == server.mac
    assert info["boot"]["current_boot_mode"] == "uefi"
    # the other node was never booted: it fetched nothing
    assert lab.nodes[1].mac not in gateway.scripts


def test_power_off_stops_the_agent(lab, gateway, password):
    server = lab.nodes[0]
    gateway.expect(server.sn, server.mac, ["Ping"])
    pxe_boot(server, password)
    assert wait_until(lambda: len(gateway.results) == 1)
    server.node.power_down()
    assert server.agent.wait_for("stopped", "node left the LiveOS", timeout=5)
    count = len(gateway.heartbeats)
    time.sleep(0.3)
    assert len(gateway.heartbeats) == count


def test_revoked_token_stops_the_agent(lab, gateway, password):
    server = lab.nodes[0]
    gateway.expect(server.sn, server.mac, [])
    pxe_boot(server, password)
    assert wait_until(lambda: len(gateway.heartbeats) >= 2)
    gateway.revoke(server.sn)
    assert server.agent.wait_for("stopped", "token rejected", timeout=5)
    assert server.power == "on"  # the node stays up; only the agent gave up


def test_a_disk_script_means_the_node_boots_its_os(lab, gateway, password):
    server = lab.nodes[1]  # no job expected: the gateway answers the local-disk script
    pxe_boot(server, password)
    assert server.agent.wait_for("boot", "disk", timeout=5)
    time.sleep(0.2)
    assert gateway.heartbeats == []


def test_a_second_boot_without_a_token_runs_nothing(lab, gateway, password):
    server = lab.nodes[0]
    gateway.expect(server.sn, server.mac, ["Ping"])
    pxe_boot(server, password)
    assert wait_until(lambda: len(gateway.results) == 1)
    # The server boots from the network again on its own (nothing began a new SetPXEBoot).
    server.node.set_boot_flags(device="pxe", valid=True, persistent=False, efi=True)
    server.node.reset()
    assert server.agent.wait_for("boot", "no token", timeout=5)  # agent.cpio answered 403
    count = len(gateway.heartbeats)
    time.sleep(0.3)
    assert len(gateway.heartbeats) == count


def test_reset_to_disk_ends_the_liveos(lab, gateway, password):
    server = lab.nodes[0]
    gateway.expect(server.sn, server.mac, [])
    pxe_boot(server, password)
    assert wait_until(lambda: len(gateway.heartbeats) >= 1)
    server.node.reset()  # the one-time PXE override was consumed: this boot is from disk
    assert server.node.booted_from == "disk"
    assert server.agent.wait_for("stopped", "node left the LiveOS", timeout=5)


def test_injected_failure_and_death(lab, gateway, password):
    server = lab.nodes[0]
    server.agent.fail_action("MakeRaid", times=1)
    server.agent.die_during("InitNode")
    gateway.expect(server.sn, server.mac, ["MakeRaid", "MakeRaid", "InitNode", "SetNetwork"])
    pxe_boot(server, password)
    assert server.agent.wait_for("stopped", "died during InitNode", timeout=5)
    assert [(r["step_id"], r["status"]) for r in gateway.results] == [
        ("s-0", "failed"),
        ("s-1", "ok"),
    ]
    assert "injected" in gateway.results[0]["error"]
    assert gateway.reports == [1, 1]  # a failure is reported at once; then what ran before death
    count = len(gateway.heartbeats)
    time.sleep(0.3)
    assert len(gateway.heartbeats) == count  # a dead agent is silent


def test_make_raid_with_data_volumes_answers_as_the_liveos_agent(lab, gateway, password):
    """The scheduler's MakeRaid params for a data volume (VolumeRaids, its disks, keepData):
    the lab's agent takes them and reports each data volume."""
    server = lab.nodes[0]
    data_volume = {
        "volume_id": "vl-data",
        "volume_name": "data",
        "raid_level": "RAID5",
        "volume_amount": 3,
        "keep_data": False,
        "disk_hints": [{"serial": "S1"}, {"serial": "S2"}, {"name": "/dev/sdd"}],
        "partitions": [
            {
                "id": "ipt-data-1",
                "number": 1,
                "fs_type": "xfs",
                "size": 1000,
                "label": "l_data",
                "mountpoint": "/data",
                "options": "defaults,nofail",
            }
        ],
    }
    params = {"raid_id": "r-0", "raid_name": "NO RAID", "raid_datas": []}
    gateway.expect(server.sn, server.mac, [("MakeRaid", {**params, "data_volumes": [data_volume]})])
    pxe_boot(server, password)
    assert wait_until(lambda: len(gateway.results) == 1)
    (result,) = gateway.results
    assert result["status"] == "ok"
    assert result["data"]["data_volumes"] == [
        {
            "volume_id": "vl-data",
            "level": "RAID5",
            "members": ["S1", "S2", "/dev/sdd"],
            "kept": False,
        }
    ]
