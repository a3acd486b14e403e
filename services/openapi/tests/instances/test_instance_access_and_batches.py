"""Who sees and acts on which instance, and the batch variants (all or nothing)."""

from __future__ import annotations

from bmp_openapi.accounts.choices import ROLE_USER
from bmp_openapi.instances.models import Instance

from ..catalog.data import ok
from ..projects.helpers import Caller
from .test_instance_lifecycle import create, describe, finish_instance_job, put


def tenant(make_user, name):
    user, token = make_user(name, role_id=ROLE_USER, source="console")
    return Caller(user, token, console=True)


def default_project(caller) -> str:
    return ok(caller.get("/v1/user/projects"))["projects"][0]["projectId"]


def test_tenants_see_their_own_instances_and_shared_ones_read_only(admin_api, stock, make_user):
    tina, tom = tenant(make_user, "tina"), tenant(make_user, "tom")
    project = default_project(tina)
    instance_id = ok(tina.post("/v1/project/instances", stock.create_body(project)))["instanceIds"][
        0
    ]
    finish_instance_job(instance_id, power="on")

    hidden = tom.get(f"/v1/project/instances/{instance_id}")
    assert hidden.status_code == 404
    assert ok(tina.get("/v1/local/users"))["user"]["instanceCount"] == 1
    assert ok(tom.get("/v1/local/users"))["user"]["instanceCount"] == 0
    assert ok(tom.get("/v1/project/instances"))["totalCount"] == 0

    ok(
        tina.put(
            f"/v1/user/projects/{project}/share",
            {
                "ownerID": tina.user.user_id,
                "sharerID": tom.user.user_id,
                "permission": "read",
            },
        )
    )
    assert ok(tom.get(f"/v1/project/instances/{instance_id}"))["instance"]["instanceName"] == "web"
    refused = tom.put(f"/v1/project/instances/{instance_id}/stop", {})
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == (
        f"Instance {instance_id} is in a project shared with you read-only"
    )
    # staff on the operator portal see every instance
    assert ok(admin_api.get("/v1/project/instances"))["totalCount"] == 1


def test_a_tenant_cannot_create_in_someone_elses_project(stock, make_user):
    tina, tom = tenant(make_user, "tina"), tenant(make_user, "tom")

    answer = tom.post("/v1/project/instances", stock.create_body(default_project(tina)))

    assert answer.status_code == 404
    assert Instance.objects.count() == 0


def test_batches_are_all_or_nothing(admin_api, stock, project_id):
    first, second, third = ok(create(admin_api, stock, project_id, count=3))["instanceIds"]
    for instance_id in (first, second, third):
        finish_instance_job(instance_id, power="on")
    ok(put(admin_api, third, "lock"))

    refused = admin_api.put(
        "/v1/project/instances/batch/instances:stopInstances",
        {"instanceIds": [first, second, third]},
        format="json",
    )
    assert refused.status_code == 409
    assert [describe(admin_api, i)["status"] for i in (first, second)] == ["running", "running"]

    ok(
        admin_api.put(
            "/v1/project/instances/batch/instances:stopInstances",
            {"instanceIds": [first, second]},
            format="json",
        )
    )
    assert [describe(admin_api, i)["status"] for i in (first, second)] == ["stopping"] * 2

    ok(
        admin_api.put(
            "/v1/project/instances/batch/instances:modifyInstances",
            {"instance_ids": [first, second], "description": "batch"},
            format="json",
        )
    )
    assert {describe(admin_api, i)["description"] for i in (first, second)} == {"batch"}


def test_renaming_to_a_name_taken_is_409(admin_api, stock, project_id):
    _first, second = ok(create(admin_api, stock, project_id, count=2))["instanceIds"]

    answer = admin_api.put(
        f"/v1/project/instances/{second}", {"instanceName": "web-1"}, format="json"
    )

    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == "You already have an instance named web-1"
    assert describe(admin_api, second)["instanceName"] == "web-2"


def test_a_key_no_longer_lists_the_instances_of_a_project_given_away(stock, make_user):
    from ..sshkeys.test_sshkey_api import ed25519_key

    tina, tom = tenant(make_user, "tina"), tenant(make_user, "tom")
    key_id = ok(tina.post("/v1/user/sshkeys", {"name": "laptop", "key": ed25519_key()}))["sshkeyId"]
    project = ok(tina.post("/v1/user/projects", {"projectName": "web"}))["projectId"]
    body = stock.create_body(project, password=None, sshKeyId=key_id)
    (instance_id,) = ok(tina.post("/v1/project/instances", body))["instanceIds"]
    assert ok(tina.get(f"/v1/user/sshkeys/instances/{key_id}"))["instanceIds"] == [instance_id]

    move = {"ownerID": tina.user.user_id, "moverID": tom.user.user_id}
    ok(tina.put(f"/v1/user/projects/{project}/move", move))

    assert ok(tina.get(f"/v1/user/sshkeys/instances/{key_id}"))["instanceIds"] == []
    assert (
        ok(tom.get(f"/v1/project/instances/{instance_id}"))["instance"]["userId"]
        == tom.user.user_id
    )
