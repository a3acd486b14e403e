"""What the monitoring app does when the apps below it delete things (``core.events``,
connected in ``MonitoringConfig.ready``): a deleted instance leaves its rules and loses its
agent's credential; a deleted project takes its rules; a reinstall revokes the credential.

These follow Django's post_save of Instance and Project (a soft delete saves
``delete_marker``; a reinstall saves the status), as instances' live events do: the writes
stay in this app's services, and the instances and projects apps need not know of it."""

from __future__ import annotations

from django.db.models.signals import post_save

from bmp_openapi.instances import states
from bmp_openapi.instances.models import Instance
from bmp_openapi.monitoring.services import (
    agent_credential_revoke,
    rules_forget_instance,
    rules_of_project_delete,
)
from bmp_openapi.projects.models import Project


def _deleted(row, update_fields) -> bool:
    return (
        bool(row.delete_marker) and update_fields is not None and "delete_marker" in update_fields
    )


def instance_saved(sender, *, instance, update_fields=None, **kwargs) -> None:
    if _deleted(instance, update_fields):
        rules_forget_instance(instance_id=instance.instance_id)
    elif instance.status == states.REINSTALLING and "status" in (update_fields or ()):
        # The new system gets a new agent (and credential) if asked: the old one is done.
        agent_credential_revoke(instance_id=instance.instance_id)


def project_saved(sender, *, instance, update_fields=None, **kwargs) -> None:
    if _deleted(instance, update_fields):
        rules_of_project_delete(project_id=instance.project_id)


def connect() -> None:
    post_save.connect(instance_saved, sender=Instance, dispatch_uid="monitoring.instance_saved")
    post_save.connect(project_saved, sender=Project, dispatch_uid="monitoring.project_saved")
