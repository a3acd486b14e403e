"""The monitor-proxy's check of an agent's credential: with the monitoring token only, for the
instance's own SN, and never again once the instance is reinstalled or deleted."""

from __future__ import annotations

import pytest

from bmp_openapi.instances.models import Instance
from bmp_openapi.monitoring.models import AgentCredential
from bmp_openapi.monitoring.services import agent_credential_issue

from ..catalog.data import ok
from ..instances.conftest import finish_job
from ..projects.helpers import Caller, error

TOKEN = "monitoring-token-for-tests"


@pytest.fixture
def proxy(settings):
    settings.BMP_MONITOR_TOKEN = TOKEN
    return Caller(None, TOKEN)


@pytest.fixture
def credential(instances):
    return agent_credential_issue(instance=Instance.objects.get(instance_id=instances[0]))


def sn_of(instance_id):
    return Instance.objects.select_related("device").get(instance_id=instance_id).device.sn


def check(proxy, sn, credential):
    return proxy.post("/v1/offline/monitorAgent/check", {"sn": sn, "credential": credential})


def test_the_credential_names_its_instance(proxy, instances, credential):
    found = ok(check(proxy, sn_of(instances[0]), credential))["instance"]

    assert found["instanceId"] == instances[0] and found["sn"] == sn_of(instances[0])


def test_it_is_kept_as_a_digest_only(instances, credential):
    row = AgentCredential.objects.get(instance_id=instances[0])

    assert credential not in row.digest and len(row.digest) == 64


def test_another_servers_sn_or_a_wrong_credential_is_refused(proxy, instances, credential):
    assert error(check(proxy, sn_of(instances[1]), credential), 401)
    assert error(check(proxy, sn_of(instances[0]), credential + "x"), 401)


def test_a_reissued_credential_replaces_the_old_one(proxy, instances, credential):
    new = agent_credential_issue(instance=Instance.objects.get(instance_id=instances[0]))

    assert error(check(proxy, sn_of(instances[0]), credential), 401)
    assert ok(check(proxy, sn_of(instances[0]), new))


def test_reinstall_revokes_it(admin_api, proxy, instances, credential):
    instance_id = instances[0]
    ok(admin_api.put(f"/v1/project/instances/{instance_id}/stop", {}, format="json"))
    assert finish_job(Instance.objects.get(instance_id=instance_id).job_id, power="off")
    described = ok(admin_api.get(f"/v1/project/instances/{instance_id}"))["instance"]
    body = {
        "imageId": described["imageId"],
        "systemVolumeRaidId": described["systemVolumeRaidId"],
        "instanceName": "again",
        "password": "Other-Pass-22",
    }

    ok(admin_api.put(f"/v1/project/instances/{instance_id}/reinstallInstance", body, format="json"))

    assert error(check(proxy, sn_of(instance_id), credential), 401)


def test_users_keys_are_refused_and_so_is_no_token(admin_api, instances, credential):
    body = {"sn": sn_of(instances[0]), "credential": credential}

    assert admin_api.post("/v1/offline/monitorAgent/check", body, format="json").status_code == 403
    assert Caller(None, "nope").post("/v1/offline/monitorAgent/check", body).status_code == 401
