"""Roles through the API: the administrator manages them, everyone may see their own."""

import pytest

from bmp_openapi.accounts.choices import ROLE_ADMIN, ROLE_OPERATOR, ROLE_USER
from bmp_openapi.accounts.models import Role
from bmp_openapi.audit.models import AuditLog

NEW_ROLE = {
    "roleNameEn": "Auditor",
    "roleNameCn": "审计员",
    "descriptionEn": "Reads the audit trail",
    "descriptionCn": "查看审计日志",
}


def create(api, **changes):
    answer = api.post("/v1/roles", {**NEW_ROLE, **changes}, format="json")
    assert answer.status_code == 200, answer.content
    return answer.json()["result"]["roleId"]


def test_the_seeded_roles_are_listed_with_their_user_counts(admin_api, make_user):
    make_user("olga", role_id=ROLE_OPERATOR)
    make_user("oscar", role_id=ROLE_OPERATOR)

    roles = admin_api.get("/v1/roles").json()["result"]

    assert roles["totalCount"] == 3
    counts = {r["roleId"]: r["userCount"] for r in roles["roles"]}
    assert counts == {ROLE_ADMIN: 1, ROLE_OPERATOR: 2, ROLE_USER: 0}


def test_create_then_describe_with_names_in_the_request_language(admin_api):
    role_id = create(admin_api)

    english = admin_api.get(f"/v1/roles/{role_id}").json()["result"]["role"]
    chinese = admin_api.get(f"/v1/roles/{role_id}", HTTP_BMPLANGUAGE="zh_CN").json()["result"][
        "role"
    ]

    assert role_id.startswith("role-")
    assert (english["roleNameEn"], english["roleNameCn"]) == ("Auditor", "审计员")
    assert (english["roleName"], english["permission"]) == ("Auditor", "Reads the audit trail")
    assert (chinese["roleName"], chinese["permission"]) == ("审计员", "查看审计日志")
    assert (english["userCount"], english["createdBy"]) == (0, "admin")


def test_list_pages(admin_api):
    for number in range(4):
        create(admin_api, roleNameEn=f"r{number}", roleNameCn=f"角色{number}")

    page = admin_api.get("/v1/roles?pageSize=5&pageNumber=2").json()["result"]

    assert (page["totalCount"], len(page["roles"])) == (7, 2)


@pytest.mark.parametrize("field", ["roleNameEn", "roleNameCn"])
def test_a_taken_name_is_409_and_writes_nothing(admin_api, field):
    create(admin_api)
    other = {"roleNameEn": "Other", "roleNameCn": "其他", field: NEW_ROLE[field]}

    answer = admin_api.post("/v1/roles", other, format="json", HTTP_BMPLANGUAGE="zh_CN")

    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == f"名为 {NEW_ROLE[field]} 的角色已存在"
    assert Role.objects.count() == 4


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"roleNameCn": "审计员"}, "roleNameEn"),
        ({**NEW_ROLE, "roleNameEn": "  "}, "roleNameEn"),
        ({**NEW_ROLE, "roleNameCn": "x" * 65}, "roleNameCn"),
        ({**NEW_ROLE, "descriptionEn": 5}, "descriptionEn"),
        ({**NEW_ROLE, "permission": "all"}, "permission"),
    ],
)
def test_bad_input_is_400_and_writes_nothing(admin_api, body, field):
    answer = admin_api.post("/v1/roles", body, format="json")

    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith(f"Invalid argument: {field}")
    assert Role.objects.count() == 3


def test_modify_renames_a_custom_role(admin_api):
    role_id = create(admin_api)

    answer = admin_api.put(f"/v1/roles/{role_id}", {"roleNameEn": "Inspector"}, format="json")

    assert answer.json()["result"] == {"success": True}
    role = admin_api.get(f"/v1/roles/{role_id}").json()["result"]["role"]
    assert (role["roleNameEn"], role["roleNameCn"], role["updatedBy"]) == (
        "Inspector",
        "审计员",
        "admin",
    )


@pytest.mark.parametrize("role_id", [ROLE_ADMIN, ROLE_OPERATOR, ROLE_USER])
def test_built_in_roles_keep_their_names_and_cannot_be_deleted(admin_api, role_id):
    before = Role.objects.get(role_id=role_id)

    renamed = admin_api.put(f"/v1/roles/{role_id}", {"roleNameEn": "Boss"}, format="json")
    deleted = admin_api.delete(f"/v1/roles/{role_id}", HTTP_BMPLANGUAGE="zh_CN")

    assert renamed.status_code == 409
    assert renamed.json()["error"]["message"] == (
        f"Role {role_id} is built in: it cannot be deleted or renamed"
    )
    assert deleted.status_code == 409
    assert deleted.json()["error"]["message"] == f"角色 {role_id} 为内置角色，不能删除或重命名"
    after = Role.objects.get(role_id=role_id)
    assert (after.role_name_en, after.deleted_at) == (before.role_name_en, None)


def test_a_built_in_roles_description_may_change(admin_api):
    answer = admin_api.put(
        f"/v1/roles/{ROLE_USER}",
        {"roleNameEn": "User", "descriptionEn": "Tenants, console only"},
        format="json",
    )

    assert answer.status_code == 200
    assert Role.objects.get(role_id=ROLE_USER).description_en == "Tenants, console only"


def test_delete_hides_the_role_and_frees_its_names(admin_api):
    role_id = create(admin_api)

    assert admin_api.delete(f"/v1/roles/{role_id}").json()["result"] == {"success": True}

    assert admin_api.get(f"/v1/roles/{role_id}").status_code == 404
    assert Role.all_objects.get(role_id=role_id).deleted_at is not None
    create(admin_api)


def test_a_role_that_users_have_is_not_deleted(admin_api):
    role_id = create(admin_api)
    admin_api.post(
        "/v1/users",
        {"userName": "ada", "password": "Ada-Pass-2026", "roleId": role_id},
        format="json",
    )

    answer = admin_api.delete(f"/v1/roles/{role_id}")

    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == (
        f"Role {role_id} still has 1 users: move them to another role first"
    )
    assert Role.objects.filter(role_id=role_id).exists()


def test_a_deleted_role_cannot_be_given_to_a_new_user(admin_api):
    role_id = create(admin_api)
    admin_api.delete(f"/v1/roles/{role_id}")

    answer = admin_api.post(
        "/v1/users",
        {"userName": "ada", "password": "Ada-Pass-2026", "roleId": role_id},
        format="json",
    )

    assert answer.status_code == 404


def test_unknown_role_is_404_in_the_request_language(admin_api):
    answer = admin_api.get("/v1/roles/role-nope", HTTP_BMPLANGUAGE="zh_CN")

    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == "角色 role-nope 不存在"


@pytest.mark.parametrize(("role_id", "name"), [(ROLE_OPERATOR, "Operator"), (ROLE_USER, "User")])
def test_everyone_sees_their_own_role(api, make_user, console, role_id, name):
    _, token = make_user("someone", role_id=role_id, source="console")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    role = api.get("/v1/roles/roleInfo/current").json()["result"]["role"]

    assert (role["roleId"], role["roleName"], role["userCount"]) == (role_id, name, 1)


def test_role_writes_are_audited(admin_api):
    role_id = create(admin_api)
    admin_api.put(f"/v1/roles/{role_id}", {"roleNameEn": ""}, format="json")
    admin_api.delete(f"/v1/roles/{role_id}")

    entries = list(
        AuditLog.objects.order_by("id").values_list("operation", "resource_id", "result")
    )

    assert entries == [
        ("CreateRole", role_id, "success"),
        ("ModifyRole", role_id, "fail"),
        ("DeleteRole", role_id, "success"),
    ]
