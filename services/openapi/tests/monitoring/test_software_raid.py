"""reportSoftwareRaid: the monitor-proxy forwards the arrays an instance's agent found in
/proc/mdstat; the instance's detail (and list) shows them as softwareRaid, a degraded mirror
as such. A reinstall forgets them (the new system reports its own); users cannot report."""

from __future__ import annotations

import pytest

from bmp_openapi.instances.models import Instance

from ..catalog.data import ok
from ..instances.conftest import finish_job
from ..projects.helpers import Caller, error
from .test_agent_check import TOKEN

ROUTE = "/v1/offline/monitorAgent/softwareRaid"
HEALTHY = {
    "name": "md127",
    "level": "raid1",
    "devices": ["vda2", "vdb2"],
    "state": "active",
    "degraded": False,
}
DEGRADED = {**HEALTHY, "devices": ["vda2"], "degraded": True}


@pytest.fixture
def proxy(settings):
    settings.BMP_MONITOR_TOKEN = TOKEN
    return Caller(None, TOKEN)


def report(proxy, instance_id, arrays):
    return proxy.post(ROUTE, {"instanceId": instance_id, "softwareRaid": arrays})


def detail(api, instance_id):
    return ok(api.get(f"/v1/project/instances/{instance_id}"))["instance"]


def test_nothing_until_the_agent_reports(admin_api, instances):
    assert detail(admin_api, instances[0])["softwareRaid"] == []


def test_the_detail_shows_a_degraded_array_once_reported(admin_api, proxy, instances, caplog):
    instance_id = instances[0]
    assert ok(report(proxy, instance_id, [HEALTHY])) == {"success": True}
    assert detail(admin_api, instance_id)["softwareRaid"] == [HEALTHY]

    assert ok(report(proxy, instance_id, [DEGRADED, {**HEALTHY, "name": "md126"}]))

    shown = detail(admin_api, instance_id)["softwareRaid"]
    assert shown == [DEGRADED, {**HEALTHY, "name": "md126"}]
    assert [a["name"] for a in shown if a["degraded"]] == ["md127"]
    assert f"instance {instance_id}: software RAID degraded: md127" in caplog.text
    listed = ok(admin_api.get("/v1/project/instances", {"instanceId": instance_id}))["instances"]
    assert listed[0]["softwareRaid"] == shown
    # the other instance is untouched
    assert detail(admin_api, instances[1])["softwareRaid"] == []


def test_a_reinstall_forgets_the_old_systems_arrays(admin_api, proxy, instances):
    instance_id = instances[0]
    ok(report(proxy, instance_id, [DEGRADED]))
    ok(admin_api.put(f"/v1/project/instances/{instance_id}/stop", {}, format="json"))
    assert finish_job(Instance.objects.get(instance_id=instance_id).job_id, power="off")
    described = detail(admin_api, instance_id)
    body = {
        "imageId": described["imageId"],
        "systemVolumeRaidId": described["systemVolumeRaidId"],
        "instanceName": "again",
        "password": "Other-Pass-22",
    }

    ok(admin_api.put(f"/v1/project/instances/{instance_id}/reinstallInstance", body, format="json"))

    assert detail(admin_api, instance_id)["softwareRaid"] == []


@pytest.mark.parametrize(
    "arrays",
    [
        [{**HEALTHY, "name": "sda"}],  # not an md device
        [{**HEALTHY, "devices": ["vda 2"]}],
        [{**HEALTHY, "degraded": "maybe"}],
        [{**HEALTHY, "extra": 1}],
        [{k: v for k, v in HEALTHY.items() if k != "state"}],
    ],
)
def test_what_is_not_an_array_is_refused(proxy, instances, arrays):
    assert error(report(proxy, instances[0], arrays), 400)
    assert Instance.objects.get(instance_id=instances[0]).software_raid == []


def test_an_unknown_instance_is_not_found(proxy, instances):
    assert error(report(proxy, "i-nosuchinstance", [HEALTHY]), 404)


def test_users_keys_are_refused_and_so_is_no_token(admin_api, instances):
    body = {"instanceId": instances[0], "softwareRaid": [DEGRADED]}

    assert admin_api.post(ROUTE, body, format="json").status_code == 403
    assert Caller(None, "nope").post(ROUTE, body).status_code == 401
    assert Instance.objects.get(instance_id=instances[0]).software_raid == []
