"""What the apps below instances ask of it, answered by its real receivers (core/events.py):
a project, user or image with instances is not deleted, a device's removal takes its instance,
and a moved project takes its instances along."""

from __future__ import annotations

from bmp_openapi.accounts.models import User
from bmp_openapi.core import events
from bmp_openapi.projects.models import Project

from ..catalog.data import ok
from .test_instance_access_and_batches import tenant
from .test_instance_share_and_move import create_in, new_project


def test_a_project_with_instances_is_not_deleted(make_user, stock):
    tina = tenant(make_user, "tina")
    project_id = new_project(tina, "web")
    create_in(tina, stock, project_id)

    english = tina.delete(f"/v1/user/projects/{project_id}")
    chinese = tina.delete(f"/v1/user/projects/{project_id}", HTTP_BMPLANGUAGE="zh_CN")

    assert english.status_code == chinese.status_code == 409
    assert english.json()["error"]["message"] == (
        f"Project {project_id} still has instances: remove them first"
    )
    assert chinese.json()["error"]["message"] == f"项目 {project_id} 下仍有实例，请先删除"
    assert Project.objects.filter(project_id=project_id).exists()


def test_a_user_with_instances_is_not_deleted(admin_api, make_user, stock):
    victor = tenant(make_user, "victor")
    create_in(victor, stock, new_project(victor, "web"))

    answer = admin_api.delete(f"/v1/users/{victor.user.user_id}")

    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == (
        f"User {victor.user.user_id} still has instances: release or transfer them first"
    )
    assert User.objects.filter(user_name="victor").exists()


def test_an_image_with_instances_is_not_deleted(admin_api, make_user, stock):
    tina = tenant(make_user, "tina")
    create_in(tina, stock, new_project(tina, "web"))
    unbind = {"deviceTypeId": stock.device_type_id, "imageId": stock.image_id}
    ok(admin_api.delete("/v1/images/dissociatedDeviceType", unbind, format="json"))

    answer = admin_api.delete(f"/v1/images/{stock.image_id}")

    assert answer.status_code == 409
    assert "instances" in answer.json()["error"]["message"]


def test_a_user_without_instances_takes_projects_and_keys_along(admin_api, make_user):
    gone = tenant(make_user, "gone")
    project_id = new_project(gone, "web")

    ok(admin_api.delete(f"/v1/users/{gone.user.user_id}"))

    assert not Project.objects.filter(project_id=project_id).exists()


def test_every_event_has_its_receivers_connected():
    """The registry's receivers are connected once at start-up, none faked or missing."""
    expected = {
        "idc_in_use": {"catalog.idc_in_use", "devices.idc_in_use"},
        "device_type_in_use": {"devices.device_type_in_use"},
        "image_in_use": {"instances.image_in_use"},
        "project_in_use": {"instances.project_in_use"},
        "user_in_use": {"instances.user_in_use"},
        "user_deleting": {"projects.user_deleting", "sshkeys.user_deleting"},
        "project_moved": {"instances.project_moved"},
        "idc_credentials_changed": {"devices.idc_credentials_changed"},
        "device_removing": {"instances.device_removing"},
        "job_event_applied": {"devices.job_event_applied", "instances.job_event_applied"},
        "job_retrying": {"devices.job_retrying", "instances.job_retrying"},
        "project_instance_counts": {"instances.project_instance_counts"},
        "project_instance_ids": {"instances.project_instance_ids"},
        "sshkey_instance_ids": {"instances.sshkey_instance_ids"},
        "instance_ids_named": {"instances.instance_ids_named"},
        "instance_ids_visible": {"instances.instance_ids_visible"},
    }
    signals = {
        name: signal for name, signal in vars(events).items() if isinstance(signal, events.Signal)
    }

    connected = {
        name: {lookup_key[0] for lookup_key, *_ in signal.receivers}
        for name, signal in signals.items()
    }

    assert connected == expected
