"""Sharing projects, and the console's extras: shares, description, moving a project."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bmp_openapi.accounts.choices import ROLE_ADMIN
from bmp_openapi.accounts.models import User
from bmp_openapi.accounts.services import user_delete
from bmp_openapi.audit.models import AuditLog
from bmp_openapi.projects.models import Project, SharingProject

from .helpers import Caller, error, ok


@pytest.fixture
def alice(console_user):
    return console_user("alice")


@pytest.fixture
def bob(console_user):
    return console_user("bob")


@pytest.fixture
def project_id(alice):
    return ok(alice.post("/v1/user/projects", {"projectName": "web"}))["projectId"]


def share(owner, project_id, sharer, **extra):
    body = {"ownerID": owner.user.user_id, "sharerID": sharer.user.user_id, **extra}
    return owner.put(f"/v1/user/projects/{project_id}/share", body)


def cancel(caller, project_id, owner, sharer):
    body = {"ownerID": owner.user.user_id, "sharerID": sharer.user.user_id}
    return caller.put(f"/v1/user/projects/{project_id}/cancelShare", body)


def test_a_shared_project_is_listed_for_the_user_it_is_shared_with(alice, bob, project_id):
    assert ok(share(alice, project_id, bob)) == {"success": True}

    listed = ok(bob.get("/v1/user/projects?owned=2"))["projects"]
    seen_by_bob = ok(bob.get(f"/v1/user/projects/{project_id}", HTTP_BMPLANGUAGE="zh_CN"))[
        "project"
    ]
    seen_by_alice = ok(alice.get(f"/v1/user/projects/{project_id}"))["project"]

    assert [p["projectId"] for p in listed] == [project_id]
    assert (seen_by_bob["owned"], seen_by_bob["isDefault"], seen_by_bob["ownedBy"]) == (
        2,
        0,
        "alice",
    )
    [entry] = seen_by_bob["shareProjects"]
    assert (entry["sharedUserName"], entry["ownerUserName"], entry["permission"]) == (
        "bob",
        "alice",
        "read",
    )
    assert entry["permissionName"] == "只读"
    assert [s["sharedUserId"] for s in seen_by_alice["shareProjects"]] == [bob.user.user_id]
    # bob's own list: his default project first, then what is shared with him.
    everything = ok(bob.get("/v1/user/projects"))["projects"]
    assert [(p["projectName"], p["owned"]) for p in everything] == [
        ("default project", 1),
        ("web", 2),
    ]


def test_a_user_sees_only_their_own_share_of_a_project(alice, bob, console_user, project_id):
    carol = console_user("carol")
    ok(share(alice, project_id, bob))
    ok(share(alice, project_id, carol, permission="write"))

    seen_by_bob = ok(bob.get(f"/v1/user/projects/{project_id}"))["project"]["shareProjects"]
    seen_by_alice = ok(alice.get(f"/v1/user/projects/{project_id}/describeSharProject"))

    assert [s["sharedUserName"] for s in seen_by_bob] == ["bob"]
    assert seen_by_alice["projectId"] == project_id
    assert [
        (s["sharedUserName"], s["permission"], s["permissionName"]) for s in seen_by_alice["shares"]
    ] == [
        ("bob", "read", "Read only"),
        ("carol", "write", "Read and write"),
    ]
    # Upstream's console names for the same rows (its spelling of permission included).
    assert [(s["shared_user_name"], s["premission"]) for s in seen_by_alice["shares"]] == [
        ("bob", "read"),
        ("carol", "write"),
    ]
    assert [
        s["sharedUserName"]
        for s in ok(bob.get(f"/v1/user/projects/{project_id}/describeSharProject"))["shares"]
    ] == ["bob"]


def test_sharing_again_changes_the_permission(alice, bob, project_id):
    ok(share(alice, project_id, bob))

    ok(share(alice, project_id, bob, permission="write"))

    [row] = SharingProject.objects.filter(project__project_id=project_id)
    assert row.permission == "write"


def test_only_the_owner_shares_and_changes_the_project(alice, bob, console_user, project_id):
    carol = console_user("carol")
    ok(share(alice, project_id, bob, permission="write"))

    refusals = [
        share(bob, project_id, carol),
        bob.put(f"/v1/user/projects/{project_id}", {"projectName": "mine"}),
        bob.delete(f"/v1/user/projects/{project_id}"),
        bob.put(f"/v1/user/projects/{project_id}/description", {"description": "mine"}),
    ]

    for answer in refusals:
        assert error(answer, 403) == f"Only the owner of project {project_id} may do this"
    assert error(share(carol, project_id, bob), 404) == f"Project {project_id} does not exist"
    assert SharingProject.objects.count() == 1
    assert Project.objects.get(project_id=project_id).project_name == "web"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"sharerID": "user-nope"}, 404, "User user-nope does not exist"),
        ({"sharerID": "ALICE"}, 400, "Invalid argument: sharerID: a project cannot be shared"),
        ({"ownerID": "user-other"}, 400, "Invalid argument: ownerID: user-other is not the owner"),
        ({"permission": "admin"}, 400, "Invalid argument: permission"),
        ({"sharerID": ""}, 400, "Invalid argument: sharerID"),
        ({"colour": "red"}, 400, "Invalid argument: colour"),
    ],
)
def test_bad_shares_are_refused_and_write_nothing(alice, bob, project_id, body, status, message):
    body = {"ownerID": alice.user.user_id, "sharerID": bob.user.user_id, **body}
    if body["sharerID"] == "ALICE":
        body["sharerID"] = alice.user.user_id

    answer = alice.put(f"/v1/user/projects/{project_id}/share", body)

    assert error(answer, status).startswith(message)
    assert not SharingProject.objects.exists()


def test_the_owner_cancels_a_share(alice, bob, project_id):
    ok(share(alice, project_id, bob))

    assert ok(cancel(alice, project_id, alice, bob)) == {"success": True}

    assert error(bob.get(f"/v1/user/projects/{project_id}"), 404)
    assert ok(alice.get(f"/v1/user/projects/{project_id}"))["project"]["shareProjects"] == []
    ok(share(alice, project_id, bob))  # and may share again


def test_a_user_leaves_a_share(alice, bob, project_id):
    ok(share(alice, project_id, bob))

    ok(cancel(bob, project_id, alice, bob))

    assert ok(bob.get("/v1/user/projects?owned=2"))["totalCount"] == 0


def test_cancelling_what_is_not_shared_is_404(alice, bob, console_user, project_id):
    carol = console_user("carol")
    ok(share(alice, project_id, bob))

    missing = cancel(alice, project_id, alice, carol)
    not_hers = cancel(bob, project_id, alice, carol)

    assert error(missing, 404) == (
        f"Project {project_id} is not shared with user {carol.user.user_id}"
    )
    assert error(not_hers, 403)
    assert SharingProject.objects.count() == 1


def test_deleting_a_project_ends_its_shares(alice, bob, project_id):
    ok(share(alice, project_id, bob))

    ok(alice.delete(f"/v1/user/projects/{project_id}"))

    assert not SharingProject.objects.exists()
    assert ok(bob.get("/v1/user/projects?owned=2"))["totalCount"] == 0


def test_the_owner_describes_the_project_on_the_console(alice, project_id):
    ok(alice.put(f"/v1/user/projects/{project_id}/description", {"description": "Web tier"}))

    assert ok(alice.get(f"/v1/user/projects/{project_id}"))["project"]["description"] == "Web tier"
    assert error(alice.put(f"/v1/user/projects/{project_id}/description", {}), 400).startswith(
        "Invalid argument: description"
    )


def test_the_console_extras_are_not_served_on_the_operation_profile(make_user):
    user, token = make_user("olga")
    operator = Caller(user, token)
    project_id = Project.objects.get(user=user).project_id

    for answer in (
        operator.get(f"/v1/user/projects/{project_id}/describeSharProject"),
        operator.put(f"/v1/user/projects/{project_id}/description", {"description": "x"}),
        operator.put(f"/v1/user/projects/{project_id}/move", {"ownerID": "a", "moverID": "b"}),
    ):
        assert answer.status_code in (404, 405), answer.content


def move(caller, project_id, owner, mover):
    body = {"ownerID": owner.user.user_id, "moverID": mover.user.user_id}
    return caller.put(f"/v1/user/projects/{project_id}/move", body)


def test_moving_gives_the_project_to_another_user(alice, bob, project_id):
    ok(share(alice, project_id, bob))

    assert ok(move(alice, project_id, alice, bob)) == {"success": True}

    project = ok(bob.get(f"/v1/user/projects/{project_id}"))["project"]
    assert (project["owned"], project["ownedBy"], project["isDefault"]) == (1, "bob", 0)
    assert error(alice.get(f"/v1/user/projects/{project_id}"), 404)
    assert not SharingProject.objects.exists()  # bob's share ended: he owns it now
    assert User.objects.get(pk=bob.user.pk).default_project_id != project_id


def test_moving_the_default_project_makes_the_oldest_other_one_the_default(alice, bob, project_id):
    default_id = Project.objects.get(user=alice.user, is_default=True).project_id
    # bob has a "default project" too: names are unique per owner.
    ok(alice.put(f"/v1/user/projects/{default_id}", {"projectName": "alice-main"}))

    ok(move(alice, default_id, alice, bob))

    assert Project.objects.get(project_id=default_id).is_default is None
    assert ok(alice.get("/v1/user/projects"))["projects"][0]["projectId"] == project_id
    assert ok(alice.get(f"/v1/user/projects/{project_id}"))["project"]["isDefault"] == 1
    assert User.objects.get(pk=alice.user.pk).default_project_id == project_id
    assert ok(bob.get("/v1/user/projects?owned=1"))["totalCount"] == 2


def test_the_only_project_cannot_be_moved(bob, console_user):
    dave = console_user("dave")
    default_id = Project.objects.get(user=dave.user).project_id

    message = error(move(dave, default_id, dave, bob), 409)

    assert message == f"Project {default_id} is the only project of dave and cannot be moved"
    assert Project.objects.get(project_id=default_id).user == dave.user


def test_moving_to_a_user_with_a_project_of_that_name_is_409(alice, bob, project_id):
    ok(bob.post("/v1/user/projects", {"projectName": "web"}))

    message = error(move(alice, project_id, alice, bob), 409)

    assert message == "User bob already has a project named web"
    assert Project.objects.get(project_id=project_id).user == alice.user


def test_bad_moves_are_refused(alice, bob, console_user, project_id):
    carol = console_user("carol")
    ok(share(alice, project_id, bob, permission="write"))

    assert error(move(bob, project_id, alice, carol), 403)  # shared, not owned
    assert error(move(carol, project_id, alice, bob), 404)  # not even visible
    assert error(move(alice, project_id, alice, alice), 400).startswith("Invalid argument: moverID")
    assert error(move(alice, project_id, bob, carol), 400).startswith("Invalid argument: ownerID")
    nobody = alice.put(
        f"/v1/user/projects/{project_id}/move",
        {"ownerID": alice.user.user_id, "moverID": "user-nope"},
    )
    assert error(nobody, 404) == "User user-nope does not exist"
    assert Project.objects.get(project_id=project_id).user == alice.user


def test_the_admin_moves_anyones_project(alice, bob, project_id, make_user):
    user, token = make_user("root", role_id=ROLE_ADMIN, source="console")
    admin = Caller(user, token, console=True)

    ok(move(admin, project_id, alice, bob))

    assert Project.objects.get(project_id=project_id).user == bob.user
    assert error(admin.get(f"/v1/user/projects/{project_id}"), 404)  # still not the admin's


def test_a_deleted_users_projects_and_shares_go_with_them(alice, bob, project_id, admin):
    ok(share(alice, project_id, bob))
    bobs = ok(bob.post("/v1/user/projects", {"projectName": "api"}))["projectId"]
    ok(share(bob, bobs, alice))

    user_delete(user=bob.user, actor=User.objects.get(user_name="admin"))

    assert not Project.objects.filter(user=bob.user).exists()
    assert not SharingProject.objects.exists()
    assert Project.objects.filter(project_id=project_id).exists()


def test_sharing_and_moving_are_audited(alice, bob, project_id):
    share(alice, project_id, bob)
    cancel(alice, project_id, alice, bob)
    alice.put(f"/v1/user/projects/{project_id}/description", {"description": "x"})
    move(alice, project_id, alice, bob)

    entries = list(
        AuditLog.objects.filter(resource_id=project_id)
        .order_by("id")
        .values_list("operation", "result")
    )

    assert entries == [
        ("CreateProject", "success"),
        ("ShareProject", "success"),
        ("CancelShareProject", "success"),
        ("ModifyProjectDescription", "success"),
        ("MoveProject", "success"),
    ]


def test_listing_costs_the_same_queries_however_many_projects_and_shares(alice, bob):
    def add_shared_projects(count, start):
        for number in range(start, start + count):
            project_id = ok(alice.post("/v1/user/projects", {"projectName": f"p{number}"}))
            ok(share(alice, project_id["projectId"], bob))

    def queries_of_listing():
        with CaptureQueriesContext(connection) as captured:
            ok(alice.get("/v1/user/projects?isAll=1"))
        return len(captured)

    add_shared_projects(2, 0)
    few = queries_of_listing()
    add_shared_projects(8, 2)

    assert queries_of_listing() == few
