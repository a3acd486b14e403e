"""The audit trail says which API key made a write, so a BFF's system key shows behind its user."""

from bmp_openapi.accounts.models import ApiKey
from bmp_openapi.audit.models import AuditLog


def test_a_write_through_a_system_key_names_the_key_and_the_user_it_acted_for(
    api, admin, make_user
):
    _, system_token = make_user("console-bff", key_type="system")
    bff_key = ApiKey.objects.get(name="console-bff-key")
    operator, _ = make_user("olga")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {system_token}")

    answer = api.put(
        "/v1/local/users",
        {"description": "set by the BFF"},
        format="json",
        HTTP_BMPUSERID=operator.user_id,
    )

    assert answer.status_code == 200
    row = AuditLog.objects.get(operation="ModifyLocalUser")
    assert (row.user_id, row.user_name, row.apikey_id) == (
        operator.user_id,
        "olga",
        bff_key.apikey_id,
    )
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {admin.api_key}")
    trail = api.get("/v1/auditLogs", {"operation": "ModifyLocalUser"}).json()["result"]
    (entry,) = trail["auditLogs"]
    assert (entry["userName"], entry["apiKeyId"]) == ("olga", bff_key.apikey_id)


def test_a_write_with_a_user_key_names_that_key(api, make_user):
    _, token = make_user("olga")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    api.put("/v1/local/users", {"description": "mine"}, format="json")

    row = AuditLog.objects.get(operation="ModifyLocalUser")
    assert row.apikey_id == ApiKey.objects.get(name="olga-key").apikey_id
