"""Projects through the API, as their owner sees them."""

import pytest

from bmp_openapi.accounts.models import User
from bmp_openapi.audit.models import AuditLog
from bmp_openapi.projects.models import Project

from .helpers import error, ok


def create(caller, name="web", **changes):
    return ok(caller.post("/v1/user/projects", {"projectName": name, **changes}))["projectId"]


def default_project(user) -> Project:
    return Project.objects.get(user=user, is_default=True)


def test_every_user_starts_with_a_default_project(operator):
    default = default_project(operator.user)

    listed = ok(operator.get("/v1/user/projects"))
    me = ok(operator.get("/v1/local/users"))["user"]

    assert listed["totalCount"] == 1
    [project] = listed["projects"]
    assert project["projectId"] == default.project_id and default.project_id.startswith("project-")
    assert (project["projectName"], project["isDefault"], project["owned"]) == (
        "default project",
        1,
        1,
    )
    assert (project["instanceCount"], project["shareProjects"]) == (0, [])
    assert (project["userId"], project["ownedBy"]) == (operator.user.user_id, "olga")
    assert me["defaultProjectId"] == default.project_id
    assert (me["defaultProjectName"], me["projectCount"], me["instanceCount"]) == (
        "default project",
        1,
        0,
    )


def test_create_then_describe(operator):
    project_id = create(operator, "北京-web_01")

    project = ok(operator.get(f"/v1/user/projects/{project_id}"))["project"]

    assert project["projectId"] == project_id and project_id.startswith("project-")
    assert (project["projectName"], project["isDefault"], project["isSystem"]) == (
        "北京-web_01",
        0,
        0,
    )
    assert (project["owned"], project["description"], project["createdBy"]) == (1, "", "olga")
    assert project["createdTime"] and project["updatedTime"]


def test_list_puts_the_default_first_then_pages_and_filters(operator):
    for number in range(24):
        create(operator, f"p{number:02d}")

    first = ok(operator.get("/v1/user/projects"))
    second = ok(operator.get("/v1/user/projects?pageNumber=2&pageSize=20"))
    everything = ok(operator.get("/v1/user/projects?isAll=1"))
    one = ok(operator.get("/v1/user/projects?projectName=p07"))
    owned = ok(operator.get("/v1/user/projects?owned=1&pageSize=5"))
    shared = ok(operator.get("/v1/user/projects?owned=2"))

    assert (first["totalCount"], len(first["projects"]), len(second["projects"])) == (25, 20, 5)
    assert first["projects"][0]["projectName"] == "default project"
    assert [p["projectName"] for p in first["projects"][1:4]] == ["p00", "p01", "p02"]
    assert len(everything["projects"]) == 25
    assert [p["projectName"] for p in one["projects"]] == ["p07"]
    assert (owned["totalCount"], len(owned["projects"])) == (25, 5)
    assert shared["totalCount"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [("owned=3", "owned"), ("owned=x", "owned"), ("pageSize=0", "pageSize"), ("mine=1", "mine")],
)
def test_bad_list_queries_are_400(operator, query, field):
    assert field in error(operator.get(f"/v1/user/projects?{query}"), 400)


def test_names_are_unique_per_owner_among_live_projects(operator, console_user):
    project_id = create(operator, "web")
    tenant = console_user("tina")

    message = error(
        operator.post("/v1/user/projects", {"projectName": "web"}, HTTP_BMPLANGUAGE="zh_CN"), 409
    )
    create(tenant, "web")  # another owner may use the name

    assert message == "用户 olga 已有名为 web 的项目"
    assert Project.objects.filter(user=operator.user).count() == 2
    ok(operator.delete(f"/v1/user/projects/{project_id}"))
    create(operator, "web")  # the deleted project no longer holds the name


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "projectName"),
        ({"projectName": "bad name!"}, "projectName"),
        ({"projectName": " web"}, "projectName"),
        ({"projectName": "x" * 65}, "projectName"),
        ({"projectName": 12}, "projectName"),
        ({"projectName": "web", "isDefault": "1"}, "isDefault"),
        ({"projectName": "web", "isDefault": 2}, "isDefault"),
        ({"projectName": "web", "isSystem": True}, "isSystem"),
        ({"projectName": "web", "owner": "me"}, "owner"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(operator, body, field):
    message = error(operator.post("/v1/user/projects", body), 400)

    assert message.startswith(f"Invalid argument: {field}")
    assert Project.objects.filter(user=operator.user).count() == 1


def test_a_new_default_project_takes_over_from_the_old_one(operator):
    old_default = default_project(operator.user)

    project_id = create(operator, "main", isDefault=1, isSystem=1)

    listed = ok(operator.get("/v1/user/projects"))["projects"]
    assert [(p["projectId"], p["isDefault"]) for p in listed] == [
        (project_id, 1),
        (old_default.project_id, 0),
    ]
    assert listed[0]["isSystem"] == 1
    assert User.objects.get(pk=operator.user.pk).default_project_id == project_id
    ok(operator.delete(f"/v1/user/projects/{old_default.project_id}"))  # no longer the default


def test_modify_renames(operator):
    project_id = create(operator, "web")

    assert ok(operator.put(f"/v1/user/projects/{project_id}", {"projectName": "api"})) == {
        "success": True
    }

    assert ok(operator.get(f"/v1/user/projects/{project_id}"))["project"]["projectName"] == "api"


def test_renaming_to_a_name_taken_is_409_and_changes_nothing(operator):
    project_id = create(operator, "web")
    create(operator, "api")

    error(operator.put(f"/v1/user/projects/{project_id}", {"projectName": "api"}), 409)

    assert Project.objects.get(project_id=project_id).project_name == "web"


def test_delete_hides_the_project(operator):
    project_id = create(operator, "web")

    ok(operator.delete(f"/v1/user/projects/{project_id}"))

    assert operator.get(f"/v1/user/projects/{project_id}").status_code == 404
    assert ok(operator.get("/v1/user/projects"))["totalCount"] == 1
    assert Project.all_objects.filter(project_id=project_id, deleted_at__isnull=False).exists()


def test_the_default_project_cannot_be_deleted(operator):
    default = default_project(operator.user)

    english = error(operator.delete(f"/v1/user/projects/{default.project_id}"), 409)
    chinese = error(
        operator.delete(f"/v1/user/projects/{default.project_id}", HTTP_BMPLANGUAGE="zh_CN"), 409
    )

    assert english == f"Project {default.project_id} is the default project and cannot be deleted"
    assert chinese == f"项目 {default.project_id} 是默认项目，不能删除"
    assert Project.objects.filter(pk=default.pk).exists()


def test_another_users_project_does_not_exist_for_the_caller(operator, console_user):
    tenant = console_user("tina")
    project_id = create(tenant, "secret")

    for answer in (
        operator.get(f"/v1/user/projects/{project_id}"),
        operator.put(f"/v1/user/projects/{project_id}", {"projectName": "mine"}),
        operator.delete(f"/v1/user/projects/{project_id}"),
    ):
        assert error(answer, 404) == f"Project {project_id} does not exist"
    assert project_id not in {
        p["projectId"] for p in ok(operator.get("/v1/user/projects?isAll=1"))["projects"]
    }
    assert Project.objects.get(project_id=project_id).project_name == "secret"


def test_an_unknown_project_is_404_in_the_request_language(operator):
    answer = operator.get("/v1/user/projects/project-nope", HTTP_BMPLANGUAGE="zh_CN")

    assert error(answer, 404) == "项目 project-nope 不存在"


def test_every_write_is_audited_with_its_result(operator):
    project_id = create(operator, "web")
    operator.put(f"/v1/user/projects/{project_id}", {"projectName": "bad name!"})
    operator.delete(f"/v1/user/projects/{project_id}")

    entries = list(
        AuditLog.objects.order_by("id").values_list(
            "operation", "resource_id", "result", "user_name"
        )
    )

    assert entries == [
        ("CreateProject", project_id, "success", "olga"),
        ("ModifyProject", project_id, "fail", "olga"),
        ("DeleteProject", project_id, "success", "olga"),
    ]
    assert "projectName" in AuditLog.objects.get(operation="ModifyProject").fail_reason
