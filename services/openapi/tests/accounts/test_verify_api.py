"""verifyUser: the portals' login check, failed attempts rate-limited per user name and address."""

import pytest

from bmp_openapi.accounts.choices import ROLE_ADMIN, ROLE_OPERATOR, ROLE_USER
from bmp_openapi.accounts.models import User
from bmp_openapi.audit.models import AuditLog


def verify(api, user_name, password, role_id=ROLE_USER, **headers):
    return api.post(
        "/v1/users/verify",
        {"userName": user_name, "password": password, "roleId": role_id},
        format="json",
        **headers,
    )


@pytest.mark.parametrize(
    ("user_name", "password", "role_id", "success"),
    [
        ("tina", "Pass-word-123", ROLE_USER, True),
        ("tina", "Pass-word-123", ROLE_OPERATOR, False),  # not her portal
        ("tina", "pass-word-123", ROLE_USER, False),
        ("nobody", "Pass-word-123", ROLE_USER, False),
        ("admin", "Admin-Pass-2026", ROLE_USER, True),  # the admin may use every portal
        ("admin", "Admin-Pass-2026", ROLE_OPERATOR, True),
    ],
)
def test_verify_answers_whether_the_login_is_good(
    admin_api, make_user, user_name, password, role_id, success
):
    make_user("tina", role_id=ROLE_USER)

    answer = verify(admin_api, user_name, password, role_id)

    assert answer.status_code == 200
    assert answer.json()["result"] == {"success": success}


def test_five_failures_in_a_row_lock_the_name_for_five_minutes(admin_api, make_user):
    make_user("tina", role_id=ROLE_USER)
    for _ in range(5):
        assert verify(admin_api, "tina", "guess").json()["result"] == {"success": False}

    locked = verify(admin_api, "tina", "Pass-word-123")
    chinese = admin_api.post(
        "/v1/users/verify",
        {"userName": "tina", "password": "Pass-word-123", "roleId": ROLE_USER},
        format="json",
        HTTP_BMPLANGUAGE="zh_CN",
    )

    assert locked.status_code == 429
    assert locked.json()["error"] == {
        "code": 429,
        "status": "RATE_LIMIT",
        "message": "Too many failed password attempts for tina: retry in 5 minutes",
    }
    assert chinese.json()["error"]["message"] == "用户 tina 密码错误次数过多，请 5 分钟后重试"
    # Other names are not affected.
    assert verify(admin_api, "admin", "Admin-Pass-2026").json()["result"] == {"success": True}


def test_unknown_names_are_counted_too(admin_api):
    for _ in range(5):
        verify(admin_api, "ghost", "whatever")

    assert verify(admin_api, "ghost", "whatever").status_code == 429


def test_a_success_clears_the_failures(admin_api, make_user):
    make_user("tina", role_id=ROLE_USER)
    for _ in range(4):
        verify(admin_api, "tina", "guess")

    assert verify(admin_api, "tina", "Pass-word-123").json()["result"] == {"success": True}
    for _ in range(4):
        verify(admin_api, "tina", "guess")
    assert verify(admin_api, "tina", "Pass-word-123").json()["result"] == {"success": True}


def test_a_wrong_role_with_the_right_password_is_not_a_failed_password(admin_api, make_user):
    make_user("olga", role_id=ROLE_OPERATOR)
    for _ in range(6):
        assert verify(admin_api, "olga", "Pass-word-123", ROLE_USER).status_code == 200

    assert verify(admin_api, "olga", "Pass-word-123", ROLE_OPERATOR).json()["result"] == {
        "success": True
    }


def test_verify_needs_the_administrators_credentials(api, make_user):
    _, token = make_user("olga", role_id=ROLE_OPERATOR)

    anonymous = verify(api, "olga", "Pass-word-123")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    operator = verify(api, "olga", "Pass-word-123")

    assert anonymous.status_code == 401
    assert operator.status_code == 403


def test_a_system_key_acting_as_the_administrator_may_verify(api, make_user, admin):
    _, system_key = make_user("operation-bff", key_type="system")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {system_key}")
    admin_id = User.objects.get(user_name="admin").user_id

    answer = api.post(
        "/v1/users/verify",
        {"userName": "admin", "password": admin.password, "roleId": ROLE_ADMIN},
        format="json",
        HTTP_BMPUSERID=admin_id,
    )

    assert answer.json()["result"] == {"success": True}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": "x", "roleId": ROLE_USER}, "userName"),
        ({"userName": "tina", "roleId": ROLE_USER}, "password"),
        ({"userName": "tina", "password": "", "roleId": ROLE_USER}, "password"),
        ({"userName": "tina", "password": "x"}, "roleId"),
        ({"userName": "tina", "password": "x", "roleId": ROLE_USER, "otp": "1"}, "otp"),
    ],
)
def test_bad_input_is_400(admin_api, body, field):
    answer = admin_api.post("/v1/users/verify", body, format="json")

    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith(f"Invalid argument: {field}")


def test_verify_is_not_audited_and_never_logs_the_password(admin_api, make_user, caplog):
    make_user("tina", role_id=ROLE_USER)

    verify(admin_api, "tina", "Secret-Guess-1")

    assert not AuditLog.objects.exists()
    assert "Secret-Guess-1" not in caplog.text


def test_failures_from_one_address_do_not_lock_the_name_from_another(admin_api, make_user):
    make_user("tina", role_id=ROLE_USER)
    for _ in range(5):
        verify(admin_api, "tina", "guess", REMOTE_ADDR="10.6.6.6")

    assert verify(admin_api, "tina", "Pass-word-123", REMOTE_ADDR="10.6.6.6").status_code == 429
    elsewhere = verify(admin_api, "tina", "Pass-word-123", REMOTE_ADDR="10.1.1.1")
    assert elsewhere.json()["result"] == {"success": True}


def test_a_system_key_counts_failures_at_the_end_users_address(api, make_user, admin):
    _, system_key = make_user("console-bff", key_type="system")
    make_user("tina", role_id=ROLE_USER)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {system_key}")
    for _ in range(5):
        verify(api, "tina", "guess", HTTP_BMPCLIENTIP="203.0.113.9")

    locked = verify(api, "tina", "Pass-word-123", HTTP_BMPCLIENTIP="203.0.113.9")
    other_user = verify(api, "tina", "Pass-word-123", HTTP_BMPCLIENTIP="198.51.100.4")

    assert locked.status_code == 429
    assert other_user.json()["result"] == {"success": True}


def test_only_a_system_key_may_name_the_client_address(admin_api, make_user):
    """The admin's own key sending bmpClientIp is counted at its real address all the same."""
    make_user("tina", role_id=ROLE_USER)
    for index in range(5):
        verify(admin_api, "tina", "guess", HTTP_BMPCLIENTIP=f"192.0.2.{index}")

    assert verify(
        admin_api, "tina", "Pass-word-123", HTTP_BMPCLIENTIP="192.0.2.77"
    ).status_code == (429)


def test_a_client_address_that_is_not_an_ip_is_a_400(api, make_user):
    _, system_key = make_user("console-bff", key_type="system")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {system_key}")

    answer = verify(api, "tina", "guess", HTTP_BMPCLIENTIP="not-an-ip")

    assert answer.status_code == 400
    assert "bmpClientIp" in answer.json()["error"]["message"]
