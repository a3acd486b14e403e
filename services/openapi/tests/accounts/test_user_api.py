"""Users through the API, as the administrator manages them."""

import pytest

from bmp_common.testing.contract import ContractClient
from bmp_openapi.accounts.choices import ROLE_ADMIN, ROLE_OPERATOR, ROLE_USER
from bmp_openapi.accounts.models import ApiKey, User
from bmp_openapi.audit.models import AuditLog

NEW_USER = {
    "userName": "olga_ops-1",
    "password": "Olga-Pass-2026",
    "roleId": ROLE_OPERATOR,
    "email": "olga@example.com",
    "phonePrefix": "86",
    "phoneNumber": "13900000000",
    "language": "zh_CN",
    "timezone": "Asia/Tokyo",
    "description": "night shift",
}


def create(api, **changes):
    answer = api.post("/v1/users", {**NEW_USER, **changes}, format="json")
    assert answer.status_code == 200, answer.content
    return answer.json()["result"]["userId"]


def test_create_then_describe(admin_api):
    user_id = create(admin_api)

    user = admin_api.get(f"/v1/users/{user_id}").json()["result"]["user"]

    assert user_id.startswith("user-")
    assert (user["userName"], user["roleId"], user["roleName"]) == (
        "olga_ops-1",
        ROLE_OPERATOR,
        "Operator",
    )
    assert (user["email"], user["phonePrefix"], user["phoneNumber"]) == (
        "olga@example.com",
        "86",
        "13900000000",
    )
    assert (user["language"], user["timezone"], user["description"]) == (
        "zh_CN",
        "Asia/Tokyo",
        "night shift",
    )
    assert user["createdBy"] == "admin"
    assert "password" not in user


def test_the_password_is_stored_as_a_hash(admin_api):
    user_id = create(admin_api)

    stored = User.objects.get(user_id=user_id)

    assert "Olga-Pass-2026" not in stored.password
    assert stored.check_password("Olga-Pass-2026")


def test_defaults_apply_to_what_is_not_sent(admin_api):
    user_id = create(
        admin_api, **dict.fromkeys(["email", "phonePrefix", "phoneNumber", "description"], "")
    )
    minimal = {"userName": "min", "password": "Min-Pass-2026", "roleId": ROLE_USER}
    other_id = admin_api.post("/v1/users", minimal, format="json").json()["result"]["userId"]

    user = admin_api.get(f"/v1/users/{other_id}").json()["result"]["user"]

    assert user_id != other_id
    assert (user["language"], user["timezone"], user["email"]) == ("en_US", "Asia/Shanghai", "")


def test_list_filters_and_pages(admin_api):
    for number in range(23):
        create(
            admin_api,
            userName=f"user{number:02d}",
            roleId=ROLE_USER if number % 2 else ROLE_OPERATOR,
        )

    first = admin_api.get("/v1/users").json()["result"]
    second = admin_api.get("/v1/users?pageNumber=2&pageSize=20").json()["result"]
    tenants = admin_api.get(f"/v1/users?roleId={ROLE_USER}").json()["result"]
    both = admin_api.get(f"/v1/users?roleId={ROLE_USER},{ROLE_ADMIN}&isAll=1").json()["result"]
    named = admin_api.get("/v1/users?userName=USER1").json()["result"]

    assert (first["totalCount"], len(first["users"]), len(second["users"])) == (24, 20, 4)
    assert {u["userId"] for u in first["users"]}.isdisjoint({u["userId"] for u in second["users"]})
    assert tenants["totalCount"] == 11
    assert {u["roleId"] for u in both["users"]} == {ROLE_USER, ROLE_ADMIN}
    assert len(both["users"]) == 12
    assert sorted(u["userName"] for u in named["users"]) == [f"user1{n}" for n in range(10)]


def test_list_filters_by_default_project(admin_api):
    user_id = create(admin_api)
    User.objects.filter(user_id=user_id).update(default_project_id="project-abc")

    found = admin_api.get("/v1/users?defaultProjectId=project-abc").json()["result"]

    assert [u["userId"] for u in found["users"]] == [user_id]
    assert found["users"][0]["defaultProjectId"] == "project-abc"


def test_a_taken_name_is_409_in_both_languages_and_writes_nothing(admin_api):
    create(admin_api)

    english = admin_api.post("/v1/users", NEW_USER, format="json")
    chinese = admin_api.post("/v1/users", NEW_USER, format="json", HTTP_BMPLANGUAGE="zh_CN")

    assert english.status_code == 409
    assert english.json()["error"]["message"] == "A user named olga_ops-1 already exists"
    assert chinese.json()["error"]["message"] == "用户名 olga_ops-1 已存在"
    assert User.objects.filter(user_name="olga_ops-1").count() == 1


def test_an_unknown_role_is_404_and_writes_nothing(admin_api):
    answer = admin_api.post("/v1/users", {**NEW_USER, "roleId": "role-nope"}, format="json")

    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == "Role role-nope does not exist"
    assert not User.objects.filter(user_name="olga_ops-1").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"userName": "bad name"}, "userName"),
        ({"userName": "名字"}, "userName"),
        ({"userName": "x" * 65}, "userName"),
        ({"userName": ""}, "userName"),
        ({"password": "weakpassword"}, "password"),
        ({"password": 12345678}, "password"),
        ({"timezone": "Asia/Atlantis"}, "timezone"),
        ({"language": "de_DE"}, "language"),
        ({"email": "olga@"}, "email"),
        ({"roleId": "  "}, "roleId"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(admin_api, changes, field):
    answer = admin_api.post("/v1/users", {**NEW_USER, **changes}, format="json")

    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith(f"Invalid argument: {field}")
    assert User.objects.count() == 1  # the admin


@pytest.mark.parametrize("missing", ["userName", "password", "roleId"])
def test_required_fields_are_required(admin_api, missing):
    body = {key: value for key, value in NEW_USER.items() if key != missing}

    answer = admin_api.post("/v1/users", body, format="json")

    assert answer.status_code == 400
    assert missing in answer.json()["error"]["message"]


def test_modify_changes_only_the_profile_fields_sent(admin_api):
    user_id = create(admin_api)

    answer = admin_api.put(
        f"/v1/users/{user_id}", {"email": "new@example.org", "description": ""}, format="json"
    )

    assert answer.json()["result"] == {"success": True}
    user = admin_api.get(f"/v1/users/{user_id}").json()["result"]["user"]
    assert (user["email"], user["description"], user["phoneNumber"]) == (
        "new@example.org",
        "",
        "13900000000",
    )
    assert user["updatedBy"] == "admin"


@pytest.mark.parametrize("field", ["roleId", "userName", "password", "language", "timezone"])
def test_modify_refuses_what_the_admin_may_not_change(admin_api, field):
    user_id = create(admin_api)

    answer = admin_api.put(f"/v1/users/{user_id}", {field: NEW_USER[field]}, format="json")

    assert answer.status_code == 400
    assert field in answer.json()["error"]["message"]


def test_unknown_user_is_404_in_the_request_language(admin_api):
    english = admin_api.get("/v1/users/user-nope")
    chinese = admin_api.put("/v1/users/user-nope", {}, format="json", HTTP_BMPLANGUAGE="zh_CN")
    deleted = admin_api.delete("/v1/users/user-nope")

    assert english.status_code == 404
    assert english.json()["error"]["message"] == "User user-nope does not exist"
    assert chinese.json()["error"]["message"] == "用户 user-nope 不存在"
    assert deleted.status_code == 404


def test_delete_is_soft_frees_the_name_and_kills_the_users_keys(admin_api, make_user):
    _, token = make_user("victor")
    victor = User.objects.get(user_name="victor")

    answer = admin_api.delete(f"/v1/users/{victor.user_id}")

    assert answer.json()["result"] == {"success": True}
    assert admin_api.get(f"/v1/users/{victor.user_id}").status_code == 404
    assert "victor" not in [
        u["userName"] for u in admin_api.get("/v1/users").json()["result"]["users"]
    ]
    kept = User.all_objects.get(user_id=victor.user_id)
    assert kept.deleted_at is not None and kept.updated_by == "admin"
    assert not ApiKey.objects.filter(user=kept).exists()
    victors_client = ContractClient()
    victors_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert victors_client.get("/v1/local/users").status_code == 401
    create(admin_api, userName="victor")  # the name is free again


def test_a_deleted_user_cannot_be_acted_as_by_a_system_key(api, make_user):
    _, system_key = make_user("bff", key_type="system")
    victor, _ = make_user("victor")
    victor.mark_deleted(actor="admin")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {system_key}")

    assert api.get("/v1/local/users", HTTP_BMPUSERID=victor.user_id).status_code == 401


def test_the_admin_user_cannot_be_deleted(admin, make_user, api):
    _, other_admin_key = make_user("root2", role_id=ROLE_ADMIN)
    admin = User.objects.get(user_name="admin")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {other_admin_key}")

    answer = api.delete(f"/v1/users/{admin.user_id}", HTTP_BMPLANGUAGE="zh_CN")

    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == "平台管理员 admin 不能被删除"
    assert User.objects.filter(user_name="admin").exists()


def test_nobody_deletes_themself(api, make_user):
    root2, key = make_user("root2", role_id=ROLE_ADMIN)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    answer = api.delete(f"/v1/users/{root2.user_id}")

    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == "You cannot delete yourself"
    assert User.objects.filter(user_name="root2").exists()


def test_describe_by_name(admin_api, make_user):
    make_user("victor")

    found = admin_api.get("/v1/users/getUserByName?userName=victor")
    missing = admin_api.get("/v1/users/getUserByName?userName=nobody", HTTP_BMPLANGUAGE="zh_CN")
    no_name = admin_api.get("/v1/users/getUserByName")

    assert found.json()["result"]["user"]["userName"] == "victor"
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "不存在名为 nobody 的用户"
    assert no_name.status_code == 400


def test_describe_by_name_needs_credentials(api, admin):
    assert api.get("/v1/users/getUserByName?userName=admin").status_code == 401


def test_user_writes_are_audited(admin_api):
    user_id = create(admin_api)
    admin_api.put(f"/v1/users/{user_id}", {"email": "bad"}, format="json")
    admin_api.delete(f"/v1/users/{user_id}")

    entries = list(
        AuditLog.objects.order_by("id").values_list("operation", "resource_id", "result")
    )

    assert entries == [
        ("CreateUser", user_id, "success"),
        ("ModifyUser", user_id, "fail"),
        ("DeleteUser", user_id, "success"),
    ]
    assert not AuditLog.objects.filter(fail_reason__contains="Olga-Pass").exists()
