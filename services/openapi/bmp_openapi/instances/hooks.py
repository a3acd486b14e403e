"""What the instances app tells the other apps: in-use checks, counters, searches, job events."""

from __future__ import annotations

from django.db.models import Count


def _instance_counts(projects) -> dict[int, int]:
    from bmp_openapi.instances.models import Instance

    rows = (
        Instance.objects.filter(project__in=projects).values("project").annotate(count=Count("id"))
    )
    return {row["project"]: row["count"] for row in rows}


def _project_has_instances(project) -> bool:
    from bmp_openapi.instances.models import Instance

    return Instance.objects.filter(project=project).exists()


def _image_has_instances(image) -> bool:
    from bmp_openapi.instances.models import Instance

    return Instance.objects.filter(image=image).exists()


def _sshkey_instance_ids(sshkey) -> list[str]:
    """The instances the key is on that its owner may still see: an instance of a project given
    away since is someone else's now."""
    from bmp_openapi.instances.selectors import visible_instance_ids

    visible = visible_instance_ids(sshkey.user).filter(ssh_keys=sshkey)
    return [row["instance_id"] for row in visible]


def _follow_project(project, old_owner, new_owner) -> None:
    """Instances follow their project to its new owner, and so do their devices' user columns."""
    from bmp_openapi.devices.models import Device
    from bmp_openapi.instances.models import Instance

    instances = Instance.objects.filter(project=project)
    Device.objects.filter(instance_id__in=instances.values("instance_id")).update(
        user_id=new_owner.user_id, user_name=new_owner.user_name
    )
    instances.update(user=new_owner)


def _before_device_remove(device) -> None:
    from bmp_openapi.instances import states
    from bmp_openapi.instances.models import Instance
    from bmp_openapi.instances.services.lifecycle import instance_transition

    instance = Instance.objects.select_for_update().filter(instance_id=device.instance_id).first()
    if instance is None:
        return
    instance_transition(instance, states.REMOVE_DEVICE, actor_name="removeDevice")
    instance.mark_deleted(actor="removeDevice")


def _retry_instance_job(job, actor_name: str) -> None:
    """A retried job puts its instance back in the job's transitional status."""
    from bmp_common.errors import BmpError
    from bmp_openapi.instances import states
    from bmp_openapi.instances.models import Instance
    from bmp_openapi.instances.services.lifecycle import instance_transition
    from bmp_openapi.jobs.error_codes import JOB_SUPERSEDED

    _running, _done, _power, failed = states.JOB_OUTCOMES[job.task]
    instance = Instance.objects.select_for_update().filter(instance_id=job.instance_id).first()
    if instance is None or instance.job_id != job.job_id or instance.status != failed:
        raise BmpError(JOB_SUPERSEDED, job_id=job.job_id, resource="instance", resource_zh="实例")
    instance_transition(
        instance, states.JOB_RETRIED, actor_name=actor_name, reason="", reason_message=""
    )


def _add_once(registry: list, item) -> None:
    if not any(existing == item for existing in registry):
        registry.append(item)


def register() -> None:
    from bmp_openapi.catalog.services.image import IN_USE_CHECKS as IMAGE_IN_USE
    from bmp_openapi.devices.selectors import INSTANCE_NAME_SEARCHES, VISIBLE_INSTANCE_IDS
    from bmp_openapi.devices.services.lifecycle import BEFORE_REMOVE
    from bmp_openapi.instances import states
    from bmp_openapi.instances.selectors import instance_name_search, visible_instance_ids
    from bmp_openapi.instances.services.job_events import on_instance_job_event
    from bmp_openapi.jobs.events import HANDLERS
    from bmp_openapi.jobs.operator import RETRY_HOOKS
    from bmp_openapi.projects.selectors import INSTANCE_COUNTERS
    from bmp_openapi.projects.services import IN_USE_CHECKS as PROJECT_IN_USE
    from bmp_openapi.projects.services import MOVE_HOOKS
    from bmp_openapi.sshkeys.selectors import INSTANCE_LOOKUPS

    _add_once(INSTANCE_COUNTERS, _instance_counts)
    _add_once(INSTANCE_NAME_SEARCHES, instance_name_search)
    _add_once(VISIBLE_INSTANCE_IDS, visible_instance_ids)
    _add_once(INSTANCE_LOOKUPS, _sshkey_instance_ids)
    _add_once(PROJECT_IN_USE, (("instances", "实例"), _project_has_instances))
    _add_once(IMAGE_IN_USE, (("instances", "实例"), _image_has_instances))
    _add_once(MOVE_HOOKS, _follow_project)
    _add_once(BEFORE_REMOVE, _before_device_remove)
    for task in states.JOB_OUTCOMES:
        HANDLERS[task] = on_instance_job_event
        RETRY_HOOKS[task] = _retry_instance_job
