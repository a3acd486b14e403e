"""Idempotency-Key on creates and actions: a repeated request returns the first answer and
allocates nothing; the same key on another request, or while the first runs, is 409."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from bmp_common.testing.contract import ContractClient
from bmp_openapi.accounts.models import User
from bmp_openapi.devices.models import Device
from bmp_openapi.idempotency.models import IdempotencyRecord
from bmp_openapi.idempotency.services import idempotency_claim
from bmp_openapi.instances.models import Instance
from bmp_openapi.jobs.models import Job

from ..catalog.data import ok
from .conftest import Stock, finish_job

KEY = "create-7c1f5d2e-0b7a-4f0e-9d43-3a1b2c4d5e6f"
INSTANCES = "/v1/project/instances"


def create(api, stock, project_id, key=KEY, headers=None, **changes):
    return api.post(
        INSTANCES,
        stock.create_body(project_id, **changes),
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
        **(headers or {}),
    )


def devices_taken() -> int:
    return Device.objects.exclude(instance_id="").count()


def test_a_repeated_create_returns_the_first_answer_and_takes_one_device(
    admin_api, stock, project_id
):
    first = create(admin_api, stock, project_id)
    again = create(admin_api, stock, project_id)

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()  # the first requestId too
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert again["TraceId"] != first["TraceId"]
    assert Instance.objects.count() == 1
    assert devices_taken() == 1


def test_key_order_and_spacing_of_the_body_do_not_make_another_request(
    admin_api, stock, project_id
):
    body = stock.create_body(project_id)
    ok(admin_api.post(INSTANCES, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY))
    shuffled = "{\n " + ", ".join(f'"{k}" : "{v}"' for k, v in reversed(body.items())) + "}"

    again = admin_api.post(
        INSTANCES, shuffled, content_type="application/json", HTTP_IDEMPOTENCY_KEY=KEY
    )

    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert devices_taken() == 1


def test_the_same_key_with_another_body_is_a_conflict_in_both_languages(
    admin_api, stock, project_id
):
    ok(create(admin_api, stock, project_id))

    other = create(admin_api, stock, project_id, instanceName="db")
    chinese = create(
        admin_api, stock, project_id, headers={"HTTP_BMPLANGUAGE": "zh_CN"}, instanceName="db"
    )

    assert other.status_code == 409
    assert other.json()["error"]["status"] == "IDEMPOTENCY_KEY_REUSED"
    assert "another request" in other.json()["error"]["message"]
    assert chinese.json()["error"]["message"].startswith("此 Idempotency-Key 已用于另一个请求")
    assert devices_taken() == 1


def test_the_same_key_on_another_path_is_a_conflict(admin_api, stock, project_id):
    instance_id = ok(create(admin_api, stock, project_id))["instanceIds"][0]

    lock = admin_api.put(
        f"{INSTANCES}/{instance_id}/lock", {}, format="json", HTTP_IDEMPOTENCY_KEY=KEY
    )

    assert lock.status_code == 409
    assert lock.json()["error"]["status"] == "IDEMPOTENCY_KEY_REUSED"
    assert Instance.objects.get(instance_id=instance_id).locked == "unlocked"


def test_keys_of_another_caller_are_independent(admin_api, stock, project_id, make_user, api):
    ok(create(admin_api, stock, project_id))
    _, token = make_user("bob")
    bob = ContractClient()
    bob.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    bob_project = ok(bob.get("/v1/user/projects"))["projects"][0]["projectId"]

    answer = create(bob, stock, bob_project)

    assert answer.status_code == 200
    assert not answer.has_header("Idempotent-Replayed")
    assert Instance.objects.count() == 2
    assert devices_taken() == 2


def test_a_system_key_acting_for_a_user_uses_that_users_keys(
    admin_api, stock, project_id, make_user
):
    _, system_key = make_user("console-bff", key_type="system")
    bff = ContractClient()
    bff.credentials(HTTP_AUTHORIZATION=f"Bearer {system_key}")

    acting_for_admin = {"HTTP_BMPUSERID": User.objects.get(user_name="admin").user_id}
    first = create(bff, stock, project_id, headers=acting_for_admin)
    again = create(bff, stock, project_id, headers=acting_for_admin)
    # The admin's own API key has keys of its own: this body would be REUSED for the BFF's.
    own = create(admin_api, stock, project_id, instanceName="db")

    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert own.status_code == 200
    assert not own.has_header("Idempotent-Replayed")
    assert devices_taken() == 2


def test_a_key_expires_after_its_ttl(admin_api, stock, project_id, settings):
    settings.BMP_IDEMPOTENCY_TTL_S = 1
    first = ok(create(admin_api, stock, project_id))
    assert ok(create(admin_api, stock, project_id)) == first

    time.sleep(1.05)
    # Before expiry this body would be IDEMPOTENCY_KEY_REUSED: now the key is free again.
    later = create(admin_api, stock, project_id, instanceName="db")

    assert later.status_code == 200
    assert not later.has_header("Idempotent-Replayed")
    assert later.json()["result"] != first
    assert devices_taken() == 2
    assert IdempotencyRecord.objects.count() == 1  # the expired one purged


def test_a_repeat_while_the_first_runs_is_a_conflict_and_runs_nothing(
    admin_api, admin, stock, project_id
):
    body = stock.create_body(project_id)
    # What a first request leaves while its write runs: the claim, without an answer yet.
    first = admin_api.post(INSTANCES, body, format="json", HTTP_IDEMPOTENCY_KEY="other")
    claimed = IdempotencyRecord.objects.get(key="other")
    # (the fingerprint leaves the key out: same method, path and body)
    idempotency_claim(caller=claimed.caller, key=KEY, fingerprint=claimed.fingerprint)

    again = admin_api.post(INSTANCES, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)

    assert first.status_code == 200
    assert again.status_code == 409
    assert again.json()["error"]["status"] == "IDEMPOTENCY_KEY_IN_PROGRESS"
    assert devices_taken() == 1


# serialized_rollback: another transactional test may have flushed the roles the migrations made.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_first_requests_with_one_key_allocate_once(admin, admin_api):
    stock = Stock(admin_api, 3)
    project_id = ok(admin_api.get("/v1/user/projects"))["projects"][0]["projectId"]
    body = stock.create_body(project_id)
    answers = []
    start = threading.Barrier(4)

    def post() -> None:
        try:
            client = ContractClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {admin.api_key}")
            start.wait()
            answers.append(client.post(INSTANCES, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert Instance.objects.count() == 1
    assert devices_taken() == 1
    created = [a for a in answers if a.status_code == 200]
    assert len(answers) == 4
    assert {a.json()["result"]["instanceIds"][0] for a in created} == {
        Instance.objects.get().instance_id
    }
    assert sum(not a.has_header("Idempotent-Replayed") for a in created) == 1
    others = [a for a in answers if a.status_code != 200]
    assert {a.json()["error"]["status"] for a in others} <= {"IDEMPOTENCY_KEY_IN_PROGRESS"}


def test_a_repeated_stop_starts_one_job(admin_api, stock, project_id):
    instance_id = ok(create(admin_api, stock, project_id))["instanceIds"][0]
    assert finish_job(Instance.objects.get(instance_id=instance_id).job_id, power="on")
    stop = f"{INSTANCES}/{instance_id}/stop"

    first = admin_api.put(stop, {}, format="json", HTTP_IDEMPOTENCY_KEY="stop-1")
    again = admin_api.put(stop, {}, format="json", HTTP_IDEMPOTENCY_KEY="stop-1")
    without_key = admin_api.put(stop, {}, format="json")

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert Job.objects.filter(instance_id=instance_id, task="StopInstances").count() == 1
    assert without_key.status_code == 409  # a second stop runs, and is refused: stopping


@pytest.mark.parametrize(
    "key", ["", " leading", "trailing ", "x" * 256, "ключ", "tab\there", "new\nline"]
)
def test_a_malformed_key_is_refused_and_runs_nothing(admin_api, stock, project_id, key):
    answer = create(admin_api, stock, project_id, key=key)

    assert answer.status_code == 400
    assert "Idempotency-Key" in answer.json()["error"]["message"]
    assert devices_taken() == 0


def test_a_read_ignores_the_key_and_keeps_nothing(admin_api):
    answer = admin_api.get(INSTANCES, HTTP_IDEMPOTENCY_KEY=" not checked on reads ")

    assert answer.status_code == 200
    assert IdempotencyRecord.objects.count() == 0
