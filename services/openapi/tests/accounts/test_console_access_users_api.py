"""describeConsoleAccessUsers: the console's share and move dialogs learn who the other tenants
are (ids and names), and nothing else of anyone."""

from __future__ import annotations

from bmp_openapi.accounts.choices import ROLE_ADMIN, ROLE_OPERATOR, ROLE_USER
from bmp_openapi.accounts.services import user_delete

from ..projects.helpers import Caller, ok

PATH = "/v1/user/consoleAccessUsers"


def test_a_tenant_gets_the_other_tenants_ids_and_names_only(make_user):
    tina, token = make_user("tina", role_id=ROLE_USER, source="console")
    tom, _ = make_user("tom", role_id=ROLE_USER, source="console")
    make_user("olga", role_id=ROLE_OPERATOR)
    make_user("adam", role_id=ROLE_ADMIN)
    console = Caller(tina, token, console=True)

    users = ok(console.get(PATH))["users"]

    assert users == [{"userId": tom.user_id, "userName": "tom"}]


def test_by_name_it_answers_that_exact_user_or_none(make_user):
    tina, token = make_user("tina", role_id=ROLE_USER, source="console")
    tom, _ = make_user("tom", role_id=ROLE_USER, source="console")
    console = Caller(tina, token, console=True)

    assert ok(console.get(f"{PATH}?userName=tom"))["users"] == [
        {"userId": tom.user_id, "userName": "tom"}
    ]
    assert ok(console.get(f"{PATH}?userName=to"))["users"] == []
    assert ok(console.get(f"{PATH}?userName=tina"))["users"] == []  # not oneself
    assert ok(console.get(f"{PATH}?userName=olga"))["users"] == []


def test_a_deleted_user_is_not_offered(make_user):
    tina, token = make_user("tina", role_id=ROLE_USER, source="console")
    tom, _ = make_user("tom", role_id=ROLE_USER, source="console")
    admin, _ = make_user("adam", role_id=ROLE_ADMIN)
    user_delete(user=tom, actor=admin)

    assert ok(Caller(tina, token, console=True).get(PATH))["users"] == []


def test_the_operator_portal_does_not_serve_it(make_user):
    olga, token = make_user("olga", role_id=ROLE_OPERATOR)

    assert Caller(olga, token).get(PATH).status_code == 404
