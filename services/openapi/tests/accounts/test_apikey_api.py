"""API keys through the API: each user manages their own, and a token is shown only once."""

import pytest

from bmp_common.ids import token_digest
from bmp_common.testing.contract import ContractClient
from bmp_openapi.accounts.choices import ROLE_OPERATOR, ROLE_USER
from bmp_openapi.accounts.models import ApiKey
from bmp_openapi.accounts.services import MAX_KEYS_PER_SOURCE
from bmp_openapi.audit.models import AuditLog
from bmp_openapi.idempotency.models import IdempotencyRecord


def create(api, name="ci", read_only=0, key_type="user", **headers):
    answer = api.post(
        "/v1/user/apikeys",
        {"name": name, "readOnly": read_only, "type": key_type},
        format="json",
        **headers,
    )
    assert answer.status_code == 200, answer.content
    return answer.json()["result"]


def client_with(token):
    client = ContractClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_the_token_is_shown_once_and_stored_as_a_digest(admin_api):
    created = create(admin_api)

    key = admin_api.get(f"/v1/user/apikeys/{created['apikeyId']}").json()["result"]["apikey"]
    listed = admin_api.get("/v1/user/apikeys").json()["result"]["apikeys"]

    assert created["apikeyId"].startswith("apikey-") and len(created["token"]) >= 32
    stored = ApiKey.objects.get(apikey_id=created["apikeyId"])
    assert stored.token_digest == token_digest(created["token"])
    assert created["token"] not in str(key) + str(listed)
    assert stored.token_digest not in str(key) + str(listed)
    # Upstream's clients require the field: present, and only ever the mask.
    assert key["token"] == "******"
    assert {row["token"] for row in listed} == {"******"}
    assert (key["name"], key["readOnly"], key["type"], key["source"]) == (
        "ci",
        0,
        "user",
        "operation",
    )
    assert key["createdBy"] == "admin"


def test_a_repeat_with_one_idempotency_key_makes_one_key_and_never_shows_the_token_again(
    admin_api,
):
    created = create(admin_api, HTTP_IDEMPOTENCY_KEY="make-ci-key")
    before = ApiKey.objects.count()

    again = admin_api.post(
        "/v1/user/apikeys",
        {"name": "ci", "readOnly": 0, "type": "user"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="make-ci-key",
    )

    assert again.status_code == 409
    assert again.json()["error"]["status"] == "IDEMPOTENCY_ANSWER_NOT_KEPT"
    assert created["token"] not in again.content.decode()
    assert ApiKey.objects.count() == before
    assert created["token"] not in str(list(IdempotencyRecord.objects.values()))


def test_the_new_token_works_and_a_read_only_one_only_reads(admin_api):
    writer = client_with(create(admin_api, name="writer")["token"])
    reader = client_with(create(admin_api, name="reader", read_only=1)["token"])

    assert writer.get("/v1/local/users").json()["result"]["user"]["userName"] == "admin"
    assert writer.put("/v1/local/users", {"description": "x"}, format="json").status_code == 200
    assert reader.get("/v1/local/users").status_code == 200
    assert reader.put("/v1/local/users", {"description": "y"}, format="json").status_code == 403


def test_a_caller_lists_only_their_own_keys_and_filters_them(admin_api, make_user):
    make_user("olga")  # has a key of her own
    create(admin_api, name="ci")
    create(admin_api, name="bff", key_type="system")

    everything = admin_api.get("/v1/user/apikeys").json()["result"]
    system = admin_api.get("/v1/user/apikeys?type=system").json()["result"]
    named = admin_api.get("/v1/user/apikeys?name=ci").json()["result"]

    assert sorted(k["name"] for k in everything["apikeys"]) == ["admin", "bff", "ci"]
    assert [k["name"] for k in system["apikeys"]] == ["bff"]
    assert [k["name"] for k in named["apikeys"]] == ["ci"]
    assert {k["userId"] for k in everything["apikeys"]} == {everything["apikeys"][0]["userId"]}


def test_keys_belong_to_the_portal_they_were_made_on(make_user, console):
    _, token = make_user("tina", role_id=ROLE_USER, source="console")
    tina = client_with(token)

    created = create(tina, name="laptop")
    listed = tina.get("/v1/user/apikeys").json()["result"]["apikeys"]

    assert {k["source"] for k in listed} == {"console"}
    assert ApiKey.objects.get(apikey_id=created["apikeyId"]).source == "console"
    assert client_with(created["token"]).get("/v1/local/users").status_code == 200


def test_another_users_key_is_404_and_untouched(admin_api, make_user):
    olga, olga_token = make_user("olga")
    olgas_key = ApiKey.objects.get(user=olga)
    url = f"/v1/user/apikeys/{olgas_key.apikey_id}"

    seen = admin_api.get(url)
    changed = admin_api.put(url, {"name": "mine"}, format="json", HTTP_BMPLANGUAGE="zh_CN")
    deleted = admin_api.delete(url)

    assert (seen.status_code, changed.status_code, deleted.status_code) == (404, 404, 404)
    assert changed.json()["error"]["message"] == f"API 密钥 {olgas_key.apikey_id} 不存在"
    assert ApiKey.objects.get(pk=olgas_key.pk).name == "olga-key"
    assert client_with(olga_token).get("/v1/local/users").status_code == 200


def test_only_the_administrator_creates_system_keys(make_user):
    _, token = make_user("olga", role_id=ROLE_OPERATOR)
    olga = client_with(token)

    answer = olga.post(
        "/v1/user/apikeys", {"name": "bff", "readOnly": 0, "type": "system"}, format="json"
    )

    assert answer.status_code == 403
    assert answer.json()["error"]["message"] == "Only the administrator may create system API keys"
    assert not ApiKey.objects.filter(name="bff").exists()
    assert create(olga, name="mine")["apikeyId"]


def test_a_taken_name_is_409(admin_api):
    create(admin_api, name="ci")

    answer = admin_api.post(
        "/v1/user/apikeys", {"name": "ci", "readOnly": 1, "type": "user"}, format="json"
    )

    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == "You already have an API key named ci"
    assert ApiKey.objects.filter(name="ci").count() == 1


def test_keys_per_user_and_portal_are_limited(admin_api):
    for number in range(MAX_KEYS_PER_SOURCE - 1):  # the admin has one already
        create(admin_api, name=f"k{number}")

    answer = admin_api.post(
        "/v1/user/apikeys", {"name": "one-more", "readOnly": 0, "type": "user"}, format="json"
    )

    assert answer.status_code == 409
    assert "At most 10 API keys" in answer.json()["error"]["message"]
    assert not ApiKey.objects.filter(name="one-more").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"readOnly": 0, "type": "user"}, "name"),
        ({"name": "has space", "readOnly": 0, "type": "user"}, "name"),
        ({"name": "x" * 65, "readOnly": 0, "type": "user"}, "name"),
        ({"name": "ci", "readOnly": 2, "type": "user"}, "readOnly"),
        ({"name": "ci", "readOnly": "1", "type": "user"}, "readOnly"),
        ({"name": "ci", "readOnly": True, "type": "user"}, "readOnly"),
        ({"name": "ci", "readOnly": 0, "type": "alert"}, "type"),
        ({"name": "ci", "readOnly": 0}, "type"),
        ({"name": "ci", "readOnly": 0, "type": "user", "token": "mine"}, "token"),
    ],
)
def test_bad_input_is_400_and_writes_nothing(admin_api, body, field):
    answer = admin_api.post("/v1/user/apikeys", body, format="json")

    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith(f"Invalid argument: {field}")
    assert ApiKey.objects.count() == 1


def test_a_chinese_name_is_fine(admin_api):
    created = create(admin_api, name="运维_key-1")

    key = admin_api.get(f"/v1/user/apikeys/{created['apikeyId']}").json()["result"]["apikey"]

    assert key["name"] == "运维_key-1"


def test_modify_renames_and_makes_read_only(admin_api):
    created = create(admin_api)
    url = f"/v1/user/apikeys/{created['apikeyId']}"

    answer = admin_api.put(url, {"name": "ci-ro", "readOnly": 1}, format="json")

    assert answer.json()["result"] == {"success": True}
    key = admin_api.get(url).json()["result"]["apikey"]
    assert (key["name"], key["readOnly"]) == ("ci-ro", 1)
    client = client_with(created["token"])
    assert client.put("/v1/local/users", {"description": "x"}, format="json").status_code == 403


def test_modify_to_a_taken_name_is_409(admin_api):
    created = create(admin_api)

    answer = admin_api.put(
        f"/v1/user/apikeys/{created['apikeyId']}", {"name": "admin"}, format="json"
    )

    assert answer.status_code == 409
    assert ApiKey.objects.get(apikey_id=created["apikeyId"]).name == "ci"


def test_a_deleted_key_stops_working_at_once(admin_api):
    created = create(admin_api)

    answer = admin_api.delete(f"/v1/user/apikeys/{created['apikeyId']}")

    assert answer.json()["result"] == {"success": True}
    assert not ApiKey.objects.filter(apikey_id=created["apikeyId"]).exists()
    assert client_with(created["token"]).get("/v1/local/users").status_code == 401
    assert admin_api.get(f"/v1/user/apikeys/{created['apikeyId']}").status_code == 404


def test_key_writes_are_audited_without_the_token(admin_api):
    created = create(admin_api)
    url = f"/v1/user/apikeys/{created['apikeyId']}"
    admin_api.put(url, {"readOnly": 3}, format="json")
    admin_api.delete(url)

    entries = list(
        AuditLog.objects.order_by("id").values_list("operation", "resource_id", "result")
    )

    assert entries == [
        ("CreateApikey", created["apikeyId"], "success"),
        ("ModifyApikey", created["apikeyId"], "fail"),
        ("DeleteApikey", created["apikeyId"], "success"),
    ]
    assert not AuditLog.objects.filter(fail_reason__contains=created["token"]).exists()
