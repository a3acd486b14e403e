"""Bearer API keys: what a caller sees with no, bad, good and read-only credentials."""

import pytest

from bmp_openapi.accounts.choices import ROLE_ADMIN, ROLE_USER


def test_no_credentials_is_a_401_envelope(api):
    answer = api.get("/v1/local/users")

    assert answer.status_code == 401
    assert answer.json()["error"]["status"] == "AUTH_ERROR_OR_PERMISSION_DENIED"
    assert answer["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-key", "Basic YWRtaW46YWRtaW4=", "Bearer ", "Bearer " + "x" * 300, "token"],
)
def test_bad_credentials_are_a_401_envelope(api, admin, header):
    answer = api.get("/v1/local/users", HTTP_AUTHORIZATION=header)

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == 401


def test_admin_key_describes_the_admin(admin_api):
    answer = admin_api.get("/v1/local/users")

    assert answer.status_code == 200
    user = answer.json()["result"]["user"]
    assert user["userName"] == "admin"
    assert user["roleId"] == ROLE_ADMIN
    assert user["roleName"] == "Owner"
    assert user["userId"].startswith("user-")
    assert "password" not in user


def test_name_twins_follow_the_request_language(admin_api):
    english = admin_api.get("/v1/local/users").json()["result"]["user"]
    chinese = admin_api.get("/v1/local/users", HTTP_BMPLANGUAGE="zh_CN").json()["result"]["user"]

    assert (english["roleName"], english["languageName"]) == ("Owner", "English")
    assert (chinese["roleName"], chinese["languageName"]) == ("平台拥有者", "英文")


def test_messages_fall_back_to_the_users_own_language(api, make_user):
    _, token = make_user("li", language="zh_CN")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    answer = api.delete("/v1/local/users")

    assert answer.status_code == 405
    assert answer.json()["error"]["message"] == "此处不允许 DELETE 方法"


def test_the_header_language_wins_over_the_users(api, make_user):
    _, token = make_user("li", language="zh_CN")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    answer = api.delete("/v1/local/users", HTTP_BMPLANGUAGE="en_US")

    assert answer.json()["error"]["message"] == "Method DELETE is not allowed here"


def test_times_are_rendered_in_the_users_timezone(api, make_user):
    user, token = make_user("tz")
    user.timezone = "UTC"
    user.save(update_fields=["timezone"])
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    answer = api.get("/v1/local/users")

    assert answer.json()["result"]["user"]["createdTime"] == user.created_at.strftime(
        "%Y-%m-%d %H:%M:%S"
    )


def test_a_read_only_key_may_read(api, make_user):
    _, token = make_user("reader", read_only=True)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    assert api.get("/v1/local/users").status_code == 200


def test_a_read_only_key_may_not_write(api, make_user):
    _, token = make_user("reader", read_only=True)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    answer = api.put("/v1/local/users", {"email": "a@b.c"}, format="json")

    assert answer.status_code == 403
    assert answer.json()["error"]["status"] == "PERMISSION_DENIED"


def test_a_key_works_only_on_the_profile_it_was_made_for(api, make_user, settings):
    _, console_key = make_user("tenant", role_id=ROLE_USER, source="console")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {console_key}")

    assert api.get("/v1/local/users").status_code == 401  # this process serves "operation"
    settings.BMP_OPENAPI_PROFILE = "console"
    assert api.get("/v1/local/users").json()["result"]["user"]["userName"] == "tenant"


def test_a_system_key_acts_as_the_user_named_in_bmp_user_id(api, make_user):
    _, system_key = make_user("console-bff", key_type="system")
    operator, _ = make_user("olga")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {system_key}")

    answer = api.get("/v1/local/users", HTTP_BMPUSERID=operator.user_id)

    assert answer.json()["result"]["user"]["userName"] == "olga"


def test_a_system_key_may_check_a_login_before_it_knows_the_user(api, make_user):
    """What a console BFF does at login: verifyUser, then getUserByName, with no bmpUserId."""
    _, system_key = make_user("console-bff", key_type="system")
    tenant, _ = make_user("tina", role_id=ROLE_USER)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {system_key}")

    verified = api.post(
        "/v1/users/verify",
        {"userName": "tina", "password": "Pass-word-123", "roleId": ROLE_USER},
        format="json",
    )
    found = api.get("/v1/users/getUserByName", {"userName": "tina"})

    assert verified.json()["result"] == {"success": True}
    assert found.json()["result"]["user"]["userId"] == tenant.user_id


def test_a_user_key_may_not_check_logins_on_the_console(api, make_user, settings):
    settings.BMP_OPENAPI_PROFILE = "console"
    _, token = make_user("tina", role_id=ROLE_USER, source="console")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    answer = api.post(
        "/v1/users/verify",
        {"userName": "tina", "password": "Pass-word-123", "roleId": ROLE_USER},
        format="json",
    )

    assert answer.status_code == 403


@pytest.mark.parametrize("user_id", [None, "user-nobody"])
def test_a_system_key_without_a_known_bmp_user_id_is_refused(api, make_user, user_id):
    _, system_key = make_user("console-bff", key_type="system")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {system_key}")
    headers = {"HTTP_BMPUSERID": user_id} if user_id else {}

    assert api.get("/v1/local/users", **headers).status_code == 401


def test_bmp_user_id_is_ignored_with_a_user_key(api, make_user):
    _, token = make_user("olga")
    other, _ = make_user("mallory")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    answer = api.get("/v1/local/users", HTTP_BMPUSERID=other.user_id)

    assert answer.json()["result"]["user"]["userName"] == "olga"


def test_a_tenant_may_not_use_the_operation_profile(api, make_user):
    _, token = make_user("tenant", role_id=ROLE_USER)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    answer = api.get("/v1/local/users")

    assert answer.status_code == 403
