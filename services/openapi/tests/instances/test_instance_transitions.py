"""An instance's status changes only in ``instance_transition``, by the table in states.py:
every path that moves it (API actions, a job's end and retry, removeDevice, release) refuses an
edge the table lacks with 409, and a write anywhere else raises."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import transaction

import bmp_openapi
from bmp_common.errors import BmpError
from bmp_openapi.instances import states
from bmp_openapi.instances.models import Instance, StatusWriteRefused
from bmp_openapi.instances.services.lifecycle import instance_transition
from bmp_openapi.instances.services.release import instance_release

from ..catalog.data import ok
from .conftest import finish_job


@pytest.fixture
def creating(admin_api, stock, project_id) -> Instance:
    body = stock.create_body(project_id)
    instance_id = ok(admin_api.post("/v1/project/instances", body, format="json"))["instanceIds"]
    return Instance.objects.get(instance_id=instance_id[0])


def _refused(event: str, instance: Instance) -> BmpError:
    with pytest.raises(BmpError) as refused, transaction.atomic():
        instance_transition(instance, event, actor_name="test")
    return refused.value


@pytest.mark.parametrize(
    "event", [states.JOB_SUCCEEDED, states.JOB_FAILED, states.JOB_RETRIED, states.REMOVE_DEVICE]
)
def test_the_platform_s_events_are_refused_with_409_off_the_table(creating, event):
    finish_job(creating.job_id, power="on")  # creating -> running
    running = Instance.objects.get(pk=creating.pk)
    if event == states.REMOVE_DEVICE:  # running may lose its device; creating may not
        running = creating

    refused = _refused(event, running)

    assert refused.spec.code == 409
    assert refused.spec.status == "CONFLICT"
    assert Instance.objects.get(pk=creating.pk).status == states.RUNNING


def test_release_refuses_an_instance_the_table_does_not_destroy(admin_api, stock, creating):
    with pytest.raises(BmpError) as refused, transaction.atomic():
        instance_release(creating, event=states.DELETE, actor_name="test")  # creating: no

    assert refused.value.spec.code == 409
    assert Instance.objects.get(pk=creating.pk).status == states.CREATING


def test_remove_device_of_an_instance_being_created_is_409(admin_api, creating):
    answer = admin_api.put(f"/v1/devices/{creating.device.device_id}/remove", {}, format="json")

    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == (
        f"Cannot remove the device of instance {creating.instance_id}: its status is creating; "
        "allowed now: modify"
    )


def test_a_job_retry_of_an_instance_that_did_not_fail_is_409(admin_api, creating):
    finish_job(creating.job_id, "failed", reason="MakeRaidError", message="no disks")
    ok(admin_api.put(f"/v1/jobs/{creating.job_id}/retry", {}, format="json"))  # failed -> creating

    again = admin_api.put(f"/v1/jobs/{creating.job_id}/retry", {}, format="json")

    assert again.status_code == 409
    assert Instance.objects.get(pk=creating.pk).status == states.CREATING


def test_a_status_saved_outside_instance_transition_raises(creating):
    creating.status = states.RUNNING
    with pytest.raises(StatusWriteRefused):
        creating.save()
    with pytest.raises(StatusWriteRefused):
        creating.save(update_fields=["status"])
    with pytest.raises(StatusWriteRefused):
        Instance.objects.filter(pk=creating.pk).update(status=states.RUNNING)
    with pytest.raises(StatusWriteRefused):
        Instance.all_objects.filter(pk=creating.pk).update(status=states.RUNNING)
    with pytest.raises(StatusWriteRefused):
        Instance.objects.bulk_update([creating], ["status"])

    assert Instance.objects.get(pk=creating.pk).status == states.CREATING


def test_a_new_instance_starts_in_the_initial_status_only(creating):
    born_running = Instance(instance_id="bmp-x", status=states.RUNNING)
    with pytest.raises(StatusWriteRefused):
        born_running.save()
    with pytest.raises(StatusWriteRefused):
        Instance.objects.bulk_create([born_running])


def test_other_columns_save_as_before(creating):
    creating.description = "kept"
    creating.save()

    assert Instance.objects.get(pk=creating.pk).description == "kept"


WRITER = Path(bmp_openapi.__file__).parent / "instances" / "services" / "lifecycle.py"
# `.status = x` on an object named like an instance, or `status=` in an update / create of one.
STATUS_WRITE = re.compile(
    r"instance\w*\.status\s*=[^=]|Instance\.\w+\.[^\n]*\b(update|create)\([^)]*\bstatus="
)


def test_no_module_but_lifecycle_writes_an_instance_status():
    """The runtime guard catches a write that runs; this catches one no test runs yet."""
    writers = [
        str(path.relative_to(WRITER.parents[3]))
        for path in Path(bmp_openapi.__file__).parent.rglob("*.py")
        if path != WRITER and STATUS_WRITE.search(path.read_text())
    ]
    guard_users = [
        path.name
        for path in Path(bmp_openapi.__file__).parent.rglob("*.py")
        if "STATUS_WRITER" in path.read_text()
    ]

    assert writers == []
    assert sorted(guard_users) == ["lifecycle.py", "models.py"]
