"""A mixed lab: one server behind a Redfish BMC, one set to ``auto``, one with IPMI only.

The lab's Redfish BMC is sushy-tools' emulator over https with the lab's own CA, which enrol
puts in the IDC's ``bmcCaBundle``; the driver verifies the BMC's certificate against it. The
installs, stop and start go through the same platform, and land on the same virtual nodes,
whatever protocol each device's BMC speaks.
"""

from __future__ import annotations

import secrets

import pytest

pytest.importorskip("sushy")
pytest.importorskip("sushy_tools")

from bmp_lab.fleet import Fleet
from bmp_lab.platform import Platform

from .conftest import PLATFORM_SERVICES, TEST_SETTINGS, Lab

pytestmark = [pytest.mark.integration, pytest.mark.slow]

INTERFACES = {"LAB-0001": "redfish", "LAB-0002": "auto", "LAB-0003": "native"}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    platform = Platform(tmp_path_factory.mktemp("platform"), settings=TEST_SETTINGS)
    password = secrets.token_urlsafe(12)
    try:
        platform.up(*PLATFORM_SERVICES)
        with Fleet(
            3,
            base_port=0,
            username="admin",
            password=password,
            gateway=f"http://127.0.0.1:{platform.gateway_port}",
            agent_options={
                "heartbeat_interval": 0.1,
                "step_delay": 0,
                "gateway_ca": str(platform.gateway_ca),
            },
            redfish={1: "redfish", 2: "auto"},
            state_dir=tmp_path_factory.mktemp("lab"),
        ) as fleet:
            lab = Lab(platform, fleet)
            lab.start_workers()
            lab.enrol(fleet, password, count=3)
            yield lab
    except BaseException:
        print(platform.log_tails())
        raise
    finally:
        platform.stop()


def test_enrolment_names_each_bmc_and_the_idc_trusts_the_lab_ca(lab):
    devices = {sn: lab.device(sn) for sn in INTERFACES}

    assert {sn: d["bmcInterface"] for sn, d in devices.items()} == INTERFACES
    # The put-away checks logged in to each BMC, over what each speaks.
    assert {sn: d["bmcCredentialState"] for sn, d in devices.items()} == dict.fromkeys(
        INTERFACES, "ok"
    )
    assert devices["LAB-0002"]["bmcInterfaceDetected"] == "redfish"  # probed once, kept
    assert devices["LAB-0001"]["iloPort"] == lab.fleet.by_sn("LAB-0001").redfish_port
    idc = lab.api.get(f"/idcs/{lab.idc_id}")["idc"]
    assert idc["bmcCaBundle"] == lab.fleet.redfish.ca_path.read_text()


def test_installs_stop_and_start_over_redfish_ipmi_and_auto(lab):
    instance_ids = lab.create("mixed", count=3)

    instances = [lab.wait_status(i, ("running", "Creation failed")) for i in instance_ids]

    assert sorted((i["sn"], i["status"], i["power"]) for i in instances) == [
        (sn, "running", "on") for sn in sorted(INTERFACES)
    ]
    for sn in INTERFACES:
        node = lab.fleet.by_sn(sn).node
        assert (node.power_on, node.booted_from) == (True, "disk"), sn

    for instance_id in instance_ids:
        lab.api.put(f"/project/instances/{instance_id}/stop")
    for instance_id in instance_ids:
        assert lab.wait_status(instance_id, ("stopped", "Shutdown failed"))["status"] == "stopped"
    assert {sn: lab.fleet.by_sn(sn).power for sn in INTERFACES} == dict.fromkeys(INTERFACES, "off")

    for instance_id in instance_ids:
        lab.api.put(f"/project/instances/{instance_id}/start")
    for instance_id in instance_ids:
        assert lab.wait_status(instance_id, ("running", "Startup failed"))["status"] == "running"
    assert {sn: lab.fleet.by_sn(sn).power for sn in INTERFACES} == dict.fromkeys(INTERFACES, "on")
    # The Redfish emulator saw the Redfish devices' calls; the IPMI-only server never had one.
    assert lab.fleet.redfish.stats["logins"] > 0
    assert lab.fleet.by_sn("LAB-0003").redfish is None
