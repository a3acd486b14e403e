"""The caller's own profile and password (local/users), as any user sees them."""

import pytest

from bmp_openapi.accounts.choices import ROLE_USER
from bmp_openapi.accounts.models import User
from bmp_openapi.audit.models import AuditLog


def test_a_user_changes_their_own_profile(make_user, as_user, console):
    _, token = make_user("tina", role_id=ROLE_USER, source="console")
    client = as_user(token)

    answer = client.put(
        "/v1/local/users",
        {
            "email": "tina@example.com",
            "phonePrefix": "86",
            "phoneNumber": "13800000000",
            "language": "zh_CN",
            "timezone": "Europe/Berlin",
            "description": "ops on call",
        },
        format="json",
    )

    assert answer.json()["result"] == {"success": True}
    me = client.get("/v1/local/users").json()["result"]["user"]
    assert (me["email"], me["phonePrefix"], me["phoneNumber"]) == (
        "tina@example.com",
        "86",
        "13800000000",
    )
    assert (me["language"], me["languageName"], me["timezone"]) == (
        "zh_CN",
        "中文",
        "Europe/Berlin",
    )
    assert me["description"] == "ops on call"
    assert me["updatedBy"] == "tina"


def test_only_what_is_sent_changes_and_empty_clears(admin_api):
    admin_api.put("/v1/local/users", {"email": "a@b.io", "phoneNumber": "123"}, format="json")

    admin_api.put("/v1/local/users", {"email": ""}, format="json")

    me = admin_api.get("/v1/local/users").json()["result"]["user"]
    assert (me["email"], me["phoneNumber"]) == ("", "123")


def test_the_new_timezone_renders_the_times(admin_api):
    admin_api.put("/v1/local/users", {"timezone": "UTC"}, format="json")

    me = admin_api.get("/v1/local/users").json()["result"]["user"]
    created = User.objects.get(user_name="admin").created_at

    assert me["createdTime"] == created.strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": " UTC"}, "timezone"),
        ({"language": "fr_FR"}, "language"),
        ({"email": "not-an-email"}, "email"),
        ({"phoneNumber": "12-34"}, "phoneNumber"),
        ({"phonePrefix": "+"}, "phonePrefix"),
        ({"description": "x" * 256}, "description"),
        ({"userName": "renamed"}, "userName"),
        ({"password": "Sneaky-Pass-1"}, "password"),
    ],
)
def test_bad_profile_input_is_400_and_changes_nothing(admin_api, body, field):
    before = User.objects.get(user_name="admin")

    answer = admin_api.put("/v1/local/users", body, format="json")

    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith(f"Invalid argument: {field}")
    after = User.objects.get(user_name="admin")
    assert (after.timezone, after.language, after.email, after.password) == (
        before.timezone,
        before.language,
        before.email,
        before.password,
    )


def test_a_write_without_a_body_is_400(admin_api):
    answer = admin_api.put("/v1/local/users")

    assert answer.status_code == 400
    assert "body" in answer.json()["error"]["message"]


def test_password_change_needs_the_old_password(admin_api, admin):
    answer = admin_api.put(
        "/v1/local/users/password",
        {"oldPassword": admin.password, "password": "New-Secret-2027"},
        format="json",
    )

    assert answer.json()["result"] == {"success": True}
    stored = User.objects.get(user_name="admin")
    assert stored.check_password("New-Secret-2027")
    assert "New-Secret-2027" not in stored.password


def test_a_wrong_old_password_is_403_in_both_languages(admin_api):
    body = {"oldPassword": "not-it", "password": "New-Secret-2027"}

    english = admin_api.put("/v1/local/users/password", body, format="json")
    chinese = admin_api.put(
        "/v1/local/users/password", body, format="json", HTTP_BMPLANGUAGE="zh_CN"
    )

    assert english.status_code == 403
    assert english.json()["error"]["message"] == "The old password is wrong"
    assert chinese.json()["error"]["message"] == "旧密码输入错误"
    assert User.objects.get(user_name="admin").check_password("Admin-Pass-2026")


def test_five_wrong_old_passwords_lock_the_change_for_a_while(admin_api, admin):
    wrong = {"oldPassword": "guess", "password": "New-Secret-2027"}
    for _ in range(5):
        assert admin_api.put("/v1/local/users/password", wrong, format="json").status_code == 403

    right = {"oldPassword": admin.password, "password": "New-Secret-2027"}
    answer = admin_api.put("/v1/local/users/password", right, format="json")

    assert answer.status_code == 429
    assert answer.json()["error"]["status"] == "RATE_LIMIT"
    assert User.objects.get(user_name="admin").check_password(admin.password)


@pytest.mark.parametrize(
    "password",
    [
        "Short-1",  # 7 characters
        "abcdefgh1",  # two kinds only
        "ABCDEFGH-",  # two kinds only
        "Abc defg-1",  # a space
        "Pässword-12",  # not ASCII
        "A" * 20 + "b1-" + "c" * 10,  # 33 characters
        "Valid-Pass-1\n",  # a newline
    ],
)
def test_a_new_password_must_follow_the_policy(admin_api, admin, password):
    answer = admin_api.put(
        "/v1/local/users/password",
        {"oldPassword": admin.password, "password": password},
        format="json",
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith("Invalid argument: password")
    assert User.objects.get(user_name="admin").check_password(admin.password)


@pytest.mark.parametrize("password", ["abcdefg1-", "ABCDEFG1-", "Abcdefgh1", "Abcdefgh-"])
def test_any_three_kinds_of_characters_make_a_good_password(admin_api, admin, password):
    answer = admin_api.put(
        "/v1/local/users/password",
        {"oldPassword": admin.password, "password": password},
        format="json",
    )

    assert answer.status_code == 200


def test_profile_and_password_changes_are_audited_without_secrets(admin_api, admin):
    admin_api.put("/v1/local/users", {"description": "me"}, format="json")
    admin_api.put(
        "/v1/local/users/password",
        {"oldPassword": "wrong-one", "password": "New-Secret-2027"},
        format="json",
    )

    entries = list(AuditLog.objects.order_by("id").values_list("operation", "result", "user_name"))

    assert entries == [
        ("ModifyLocalUser", "success", "admin"),
        ("ModifyLocalUserPassword", "fail", "admin"),
    ]
    assert not AuditLog.objects.filter(fail_reason__contains="wrong-one").exists()
    assert not AuditLog.objects.filter(fail_reason__contains="New-Secret").exists()
