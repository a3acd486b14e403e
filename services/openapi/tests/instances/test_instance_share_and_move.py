"""The console's share and transfer dialogs: describeInstancesByProjectIdAndOwnerNameAndSharerName
(which instances of my project a user shares) and moveUserInstances (some instances of my
project go to another project, mine or another user's)."""

from __future__ import annotations

import pytest

from bmp_openapi.audit.models import AuditLog
from bmp_openapi.devices.models import Device
from bmp_openapi.instances.models import Instance

from ..catalog.data import ok
from .test_instance_access_and_batches import default_project, tenant

SHARE_LIST = "/v1/project/instances/share/describeInstances"
MOVE = "/v1/user/projects/move/instances"


@pytest.fixture
def tina(make_user):
    return tenant(make_user, "tina")


@pytest.fixture
def tom(make_user):
    return tenant(make_user, "tom")


def create_in(caller, stock, project_id, name="web") -> str:
    body = stock.create_body(project_id, instanceName=name)
    return ok(caller.post("/v1/project/instances", body))["instanceIds"][0]


def new_project(caller, name) -> str:
    return ok(caller.post("/v1/user/projects", {"projectName": name}))["projectId"]


def share_list(caller, project_id, sharer, **filters):
    query = "&".join(f"{k}={v}" for k, v in {"sharerName": sharer, **filters}.items())
    return caller.get(f"{SHARE_LIST}?projectId={project_id}&{query}")


def move_body(owner, owner_project, mover, mover_project, *instance_ids) -> dict:
    return {
        "instanceIDs": ",".join(instance_ids),
        "ownerProjectID": owner_project,
        "ownerID": owner.user.user_id,
        "moverProjectID": mover_project,
        "moverID": mover.user.user_id,
    }


def error_of(answer, status) -> dict:
    assert answer.status_code == status, answer.content
    body = answer.json()
    assert body["requestId"]
    return body["error"]


# -- describeInstancesByProjectIdAndOwnerNameAndSharerName -----------------------------------


def test_the_owner_sees_which_instances_a_user_shares(stock, tina, tom):
    project = default_project(tina)
    web, db = create_in(tina, stock, project, "web"), create_in(tina, stock, project, "db")

    before = ok(share_list(tina, project, "tom", ownerName="tina"))["instances"]
    tina.put(
        f"/v1/user/projects/{project}/share",
        {"ownerID": tina.user.user_id, "sharerID": tom.user.user_id},
    )
    after = ok(share_list(tina, project, "tom"))["instances"]
    only_db = ok(share_list(tina, project, "tom", instanceName="d"))["instances"]

    assert {(i["instanceId"], i["instanceName"], i["hasShared"]) for i in before} == {
        (web, "web", False),
        (db, "db", False),
    }
    assert {i["instanceId"] for i in after if i["hasShared"]} == {web, db}
    assert [i["instanceId"] for i in only_db] == [db]


def share(owner, project_id, sharer, **fields):
    body = {"ownerID": owner.user.user_id, "sharerID": sharer.user.user_id, **fields}
    return owner.put(f"/v1/user/projects/{project_id}/share", body)


def visible_ids(caller) -> set[str]:
    return {row["instanceId"] for row in ok(caller.get("/v1/project/instances"))["instances"]}


def test_a_project_shared_in_part_shows_only_the_instances_named(stock, tina, tom):
    project = default_project(tina)
    web, db = create_in(tina, stock, project, "web"), create_in(tina, stock, project, "db")

    ok(share(tina, project, tom, instanceIDs=db, permission="write"))
    seen = visible_ids(tom)
    listed = ok(share_list(tina, project, "tom"))["instances"]
    toms_project = ok(tom.get(f"/v1/user/projects/{project}"))["project"]
    hidden = tom.get(f"/v1/project/instances/{web}")
    later = create_in(tina, stock, project, "cache")  # a partial share does not grow

    assert seen == {db}
    assert [(i["instanceId"], i["hasShared"]) for i in listed] == [(db, True), (web, False)]
    assert toms_project["instanceCount"] == 1
    assert [
        (s["sharedInstanceIds"], s["sharedWholeProject"]) for s in toms_project["shareProjects"]
    ] == [(db, False)]
    assert error_of(hidden, 404)["status"] == "NOT_FOUND"
    assert visible_ids(tom) == {db} and later not in visible_ids(tom)


def test_sharing_again_replaces_what_is_shared(stock, tina, tom):
    project = default_project(tina)
    web, db = create_in(tina, stock, project, "web"), create_in(tina, stock, project, "db")

    ok(share(tina, project, tom, instanceIDs=f"{web}, {db}"))
    both = visible_ids(tom)
    ok(share(tina, project, tom, instanceIDs=web))
    one = visible_ids(tom)
    ok(share(tina, project, tom, instanceIDs="all"))
    later = create_in(tina, stock, project, "cache")
    whole = visible_ids(tom)
    shares = ok(tina.get(f"/v1/user/projects/{project}/describeSharProject"))["shares"]

    assert (both, one, whole) == ({web, db}, {web}, {web, db, later})
    assert [(s["shared_instance_ids"], s["sharedWholeProject"]) for s in shares] == [
        (f"{web},{db},{later}", True)
    ]


def test_an_instance_moved_out_of_the_project_leaves_its_share(stock, tina, tom):
    project = default_project(tina)
    web = create_in(tina, stock, project, "web")
    other = new_project(tina, "other")
    ok(share(tina, project, tom, instanceIDs=web))

    ok(tina.put(MOVE, move_body(tina, project, tina, other, web)))

    assert visible_ids(tom) == set()


def test_a_share_naming_an_instance_outside_the_project_changes_nothing(stock, tina, tom):
    project = default_project(tina)
    web = create_in(tina, stock, project, "web")
    other = new_project(tina, "other")
    elsewhere = create_in(tina, stock, other, "db")
    ok(share(tina, project, tom, instanceIDs="all"))

    refused = share(tina, project, tom, instanceIDs=f"{web},{elsewhere}")
    blank = share(tina, project, tom, instanceIDs=" , ")

    assert error_of(refused, 400)["message"] == (
        f"Invalid argument: instanceIDs: {elsewhere} is not an instance of project {project}"
    )
    assert error_of(blank, 400)["status"] == "INVALID_ARGUMENT"
    assert visible_ids(tom) == {web}  # still the whole project, as before


def test_another_tenants_project_is_not_listed(stock, tina, tom):
    project = default_project(tina)
    create_in(tina, stock, project)

    hidden = share_list(tom, project, "tina")
    tina.put(
        f"/v1/user/projects/{project}/share",
        {"ownerID": tina.user.user_id, "sharerID": tom.user.user_id},
    )
    shared_only = share_list(tom, project, "tina")

    assert error_of(hidden, 404)["status"] == "NOT_FOUND"
    assert error_of(shared_only, 403)["status"] == "PERMISSION_DENIED"


def test_share_list_bad_input_is_400(tina):
    project = default_project(tina)

    unknown_sharer = share_list(tina, project, "nobody-here")
    no_project = tina.get(f"{SHARE_LIST}?sharerName=tom")

    assert error_of(unknown_sharer, 400)["message"] == (
        "Invalid argument: sharerName: there is no user named nobody-here"
    )
    assert error_of(no_project, 400)["status"] == "INVALID_ARGUMENT"


# -- moveUserInstances -------------------------------------------------------------------------


def test_an_owner_moves_instances_between_their_projects(stock, tina):
    source, target = default_project(tina), new_project(tina, "staging")
    web, db = create_in(tina, stock, source, "web"), create_in(tina, stock, source, "db")

    ok(tina.put(MOVE, move_body(tina, source, tina, target, web)))

    assert ok(tina.get(f"/v1/project/instances/{web}"))["instance"]["projectId"] == target
    assert ok(tina.get(f"/v1/project/instances/{db}"))["instance"]["projectId"] == source
    entry = AuditLog.objects.get(operation="MoveInstances")
    assert (entry.resource_id, entry.result, entry.user_name) == (source, "success", "tina")


def test_moving_to_another_users_project_gives_them_the_instances(stock, tina, tom):
    source, toms = default_project(tina), default_project(tom)
    web = create_in(tina, stock, source)

    ok(tina.put(MOVE, move_body(tina, source, tom, toms, web)))

    assert ok(tom.get(f"/v1/project/instances/{web}"))["instance"]["userId"] == tom.user.user_id
    assert tina.get(f"/v1/project/instances/{web}").status_code == 404
    device = Device.objects.get(instance_id=web)
    assert (device.user_id, device.user_name) == (tom.user.user_id, "tom")


def test_another_tenants_ids_are_refused(stock, tina, tom):
    tinas, toms = default_project(tina), default_project(tom)
    web = create_in(tina, stock, tinas)

    # tina's project as the source: tom cannot see it
    stolen = tom.put(MOVE, move_body(tina, tinas, tom, toms, web))
    # tom's own project as the source, tina's instance in it: not there
    smuggled = tom.put(MOVE, move_body(tom, toms, tom, toms, web))
    # a target project that is not the mover's
    pushed = tom.put(MOVE, move_body(tom, toms, tom, tinas, web))

    assert error_of(stolen, 404)["message"] == f"Project {tinas} does not exist"
    assert error_of(smuggled, 404)["message"] == f"Instance {web} does not exist"
    assert error_of(pushed, 400)["message"] == (
        f"Invalid argument: moverProjectID: {tinas} is not a project of user {tom.user.user_id}"
    )
    assert Instance.objects.get(instance_id=web).project.project_id == tinas


def test_all_or_nothing_and_names_stay_unique_per_owner(stock, tina, tom):
    source, toms = default_project(tina), default_project(tom)
    first, second = create_in(tina, stock, source, "web"), create_in(tina, stock, source, "db")
    create_in(tom, stock, toms, "db")

    clash = tina.put(MOVE, move_body(tina, source, tom, toms, first, second))

    assert error_of(clash, 409)["message"] == (
        f"User {tom.user.user_id} already has an instance named db"
    )
    assert set(
        Instance.objects.filter(project__project_id=source).values_list("instance_id", flat=True)
    ) == {first, second}


def test_move_bad_input_is_400_in_the_envelope(stock, tina):
    source = default_project(tina)
    web = create_in(tina, stock, source)
    body = move_body(tina, source, tina, source, web)

    missing = tina.put(MOVE, {key: value for key, value in body.items() if key != "moverID"})
    blank = tina.put(MOVE, {**body, "instanceIDs": " , "})
    wrong_owner = tina.put(MOVE, {**body, "ownerID": "user-someone-else"})

    assert error_of(missing, 400)["status"] == "INVALID_ARGUMENT"
    assert error_of(blank, 400)["status"] == "INVALID_ARGUMENT"
    assert "ownerID" in error_of(wrong_owner, 400)["message"]
