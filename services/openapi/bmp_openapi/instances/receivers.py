"""What the instances app answers the apps below it (``core.events``, connected in
``InstancesConfig.ready``): in-use checks, counters, searches, and the ends of its jobs."""

from __future__ import annotations

from django.db.models import Count
from django.db.models.signals import post_save

from bmp_common.errors import BmpError
from bmp_openapi.core import events
from bmp_openapi.devices.models import Device
from bmp_openapi.instances import states
from bmp_openapi.instances.models import Instance
from bmp_openapi.instances.selectors import (
    instance_name_search,
    visible_instance_ids,
)
from bmp_openapi.instances.services.job_events import on_instance_job_event
from bmp_openapi.instances.services.lifecycle import instance_transition
from bmp_openapi.instances.services.live import LIVE_COLUMNS, instances_live_publish
from bmp_openapi.jobs.error_codes import JOB_SUPERSEDED

INSTANCES = ("instances", "实例")  # what an in-use refusal names


def image_in_use(sender, *, image, **kwargs):
    return INSTANCES if Instance.objects.filter(image=image).exists() else None


def project_in_use(sender, *, project, **kwargs):
    return INSTANCES if Instance.objects.filter(project=project).exists() else None


def user_in_use(sender, *, user, **kwargs):
    """A user with live instances is not deleted: their projects would go from under them."""
    return INSTANCES if Instance.objects.filter(user=user).exists() else None


def project_instance_counts(sender, *, projects, actor, **kwargs) -> dict[int, int]:
    """What ``actor`` sees of each project: a project shared in part counts its shared ones."""
    rows = (
        Instance.objects.filter(project__in=projects, instance_id__in=visible_instance_ids(actor))
        .values("project")
        .annotate(count=Count("id"))
    )
    return {row["project"]: row["count"] for row in rows}


def project_instance_ids(sender, *, projects, **kwargs) -> dict[int, list[str]]:
    ids: dict[int, list[str]] = {}
    rows = Instance.objects.filter(project__in=projects).order_by("created_at", "id")
    for project_pk, instance_id in rows.values_list("project", "instance_id"):
        ids.setdefault(project_pk, []).append(instance_id)
    return ids


def sshkey_instance_ids(sender, *, sshkey, **kwargs) -> list[str]:
    """The instances the key is on that its owner may still see: an instance of a project given
    away since is someone else's now."""
    visible = visible_instance_ids(sshkey.user).filter(ssh_keys=sshkey)
    return [row["instance_id"] for row in visible]


def instance_ids_named(sender, *, name, **kwargs):
    return instance_name_search(name)


def instance_ids_visible(sender, *, principal, **kwargs):
    return visible_instance_ids(principal)


def project_moved(sender, *, project, old_owner, new_owner, **kwargs) -> None:
    """Instances follow their project to its new owner, and so do their devices' user columns."""
    instances = Instance.objects.filter(project=project)
    Device.objects.filter(instance_id__in=instances.values("instance_id")).update(
        user_id=new_owner.user_id, user_name=new_owner.user_name
    )
    instances.update(user=new_owner)


def device_removing(sender, *, device, **kwargs) -> None:
    """removeDevice forgets the instance on the device: only one at rest (the table's
    ``REMOVE_DEVICE`` edges, upstream's rule); any other status refuses the removal."""
    instance = Instance.objects.select_for_update().filter(instance_id=device.instance_id).first()
    if instance is None:
        return
    instance_transition(instance, states.REMOVE_DEVICE, actor_name="removeDevice")
    instance.mark_deleted(actor="removeDevice")


def job_event_applied(sender, *, job, event, **kwargs) -> None:
    if job.task in states.JOB_OUTCOMES:
        on_instance_job_event(job, event)


def job_retrying(sender, *, job, actor_name: str, **kwargs) -> None:
    """A retried job puts its instance back in the job's transitional status."""
    if job.task not in states.JOB_OUTCOMES:
        return
    failed = states.JOB_OUTCOMES[job.task][3]
    instance = Instance.objects.select_for_update().filter(instance_id=job.instance_id).first()
    if instance is None or instance.job_id != job.job_id or instance.status != failed:
        raise BmpError(JOB_SUPERSEDED, job_id=job.job_id, resource="instance", resource_zh="实例")
    instance_transition(
        instance, states.JOB_RETRIED, actor_name=actor_name, reason="", reason_message=""
    )


def instance_saved(sender, *, instance, created, update_fields=None, **kwargs) -> None:
    """Tells the consoles of its owner and of the users it is shared with, after the commit,
    that the instance changed. (A create writes its instances in one statement, without this
    signal, and tells them itself: services.create.)"""
    if not created and update_fields is not None and not LIVE_COLUMNS & set(update_fields):
        return
    instances_live_publish([instance])


def connect() -> None:
    post_save.connect(instance_saved, sender=Instance, dispatch_uid="instances.instance_saved")
    for signal, receiver in (
        (events.image_in_use, image_in_use),
        (events.project_in_use, project_in_use),
        (events.user_in_use, user_in_use),
        (events.project_instance_counts, project_instance_counts),
        (events.project_instance_ids, project_instance_ids),
        (events.sshkey_instance_ids, sshkey_instance_ids),
        (events.instance_ids_named, instance_ids_named),
        (events.instance_ids_visible, instance_ids_visible),
        (events.project_moved, project_moved),
        (events.device_removing, device_removing),
        (events.job_event_applied, job_event_applied),
        (events.job_retrying, job_retrying),
    ):
        signal.connect(receiver, dispatch_uid=f"instances.{receiver.__name__}")
