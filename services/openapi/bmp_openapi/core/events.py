"""The one registry of what an app asks of, or tells, the apps that build on it.

An app lower in the dependency order (idcs, catalog, accounts, projects, sshkeys, devices,
jobs) cannot import the apps that hang things off its rows (devices, instances...), so it sends
one of these signals and the others answer. Every event is here, with who sends it and who
receives it. Each receiver lives in its app's ``receivers.py``, is connected by that module's
``connect()`` from the app's ``AppConfig.ready()`` with a ``dispatch_uid``, and does one thing:
call its app's selector or service (STYLE rule 7: the logic lives in services, never in the
receiver). An app that can import the other calls it
directly instead; nothing else is registered anywhere.

Questions ("is it still in use?", "which instances?") are answered through ``answers`` /
``first_answer``; a receiver returns None when it has nothing to say. A receiver that raises
``BmpError`` refuses the operation (the sender's transaction rolls back).
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.dispatch import Signal

from bmp_common import live_events

# --- "Still in use?" before a delete: a receiver returns the (English, Chinese) label of what
# still uses the row, or None.

# Sender: idcs.services.idc_delete, kwargs idc. Receivers: catalog (device types), devices.
idc_in_use = Signal()
# Sender: catalog.services.device_type (delete, move to another IDC, new volumes), kwargs
# device_type. Receiver: devices.
device_type_in_use = Signal()
# Sender: catalog.services.image.image_delete, kwargs image. Receiver: instances.
image_in_use = Signal()
# Sender: projects.services.project_delete, kwargs project. Receiver: instances.
project_in_use = Signal()
# Sender: accounts.services.user_delete, kwargs user. Receiver: instances.
user_in_use = Signal()

# --- Things that happened, inside the sender's transaction.

# Sender: accounts.services.user_delete, kwargs user, actor (after the in-use checks passed).
# Receivers: projects (the user's projects and shares go), sshkeys (the user's keys go).
user_deleting = Signal()
# Sender: projects.services.project_move, kwargs project, old_owner, new_owner. Receiver:
# instances (the project's instances and their devices follow it).
project_moved = Signal()
# Sender: idcs.services.idc_modify when the BMC user or password changed, kwargs idc.
# Receiver: devices (forgets whether the BMCs accepted the old credentials).
idc_credentials_changed = Signal()
# Sender: devices.services.lifecycle device_remove, before the device forgets its instance,
# kwargs device. Receiver: instances (the instance is destroyed, or the removal refused).
device_removing = Signal()
# Sender: jobs.services.events.job_event_apply, after the job's own record, kwargs job, event (a
# bmp_common JobEvent). Receivers: instances (its tasks, states.JOB_OUTCOMES), devices
# (PutawayDevice, CollectHardwareInfo; and for every task, the BMC's verdict on its login).
job_event_applied = Signal()
# Sender: jobs.services.operator.job_retry, before the job runs again, kwargs job, actor_name.
# Receivers: instances and devices, each for its own tasks (the resource back to the job's
# transitional status, or a BmpError refusing the retry).
job_retrying = Signal()

# --- Lookups: a receiver returns what its app knows (a queryset or list of instance ids, or
# a {project pk: count} dict).

# Sender: projects.selectors.instance_counts, kwargs projects, actor. Receiver: instances.
project_instance_counts = Signal()
# Sender: projects.selectors.shared_instance_ids, kwargs projects (→ {project pk: [instance
# ids]}, oldest first). Receiver: instances.
project_instance_ids = Signal()
# Sender: sshkeys.selectors.sshkey_instance_ids, kwargs sshkey. Receiver: instances.
sshkey_instance_ids = Signal()
# Sender: devices.selectors (the instanceName filter), kwargs name. Receiver: instances.
instance_ids_named = Signal()
# Sender: devices.selectors and audit.selectors (what a tenant sees), kwargs principal.
# Receiver: instances.
instance_ids_visible = Signal()


# --- Live updates for the consoles (bmp_common.live_events; the BFFs' /events streams read
# them): published after the commit, so a console never sees a change that rolled back.
# Sender: Django's post_save of Instance (status, step progress, lock, name). Receiver:
# instances.receivers.instance_saved -> publish_live_many_on_commit(INSTANCE, ...) for its
# owner and sharers. A create inserts its instances in one statement (no post_save) and
# publishes them itself (instances.services.create -> instances.services.live).

# --- In-band monitoring follows deletions the same way (every path that soft-deletes saves
# ``delete_marker``, so no sender can forget to tell it):
# Sender: Django's post_save of Instance. Receiver: monitoring.receivers.instance_saved -> a
# deleted instance leaves its rules (a rule left with none is deleted) and its agent's
# credential is revoked; a reinstall (status reinstalling) revokes the credential.
# Sender: Django's post_save of Project. Receiver: monitoring.receivers.project_saved -> a
# deleted project's rules are deleted.


def publish_live_on_commit(event: str, data: dict, *, user_ids: list[str]) -> None:
    """Sends ``event`` to the users' live streams once the current transaction commits."""
    transaction.on_commit(partial(live_events.publish, event, data, user_ids=user_ids))


def publish_live_many_on_commit(event: str, items: list[tuple[dict, list[str]]]) -> None:
    """``publish_live_on_commit`` of each ``(data, user_ids)``, together."""
    transaction.on_commit(partial(live_events.publish_many, event, items))


def answers(signal: Signal, sender, **kwargs) -> list:
    """Every receiver's answer that is not None, in the order they were connected."""
    return [answer for _, answer in signal.send(sender=sender, **kwargs) if answer is not None]


def first_answer(signal: Signal, sender, **kwargs):
    """The first receiver's answer that is not None (e.g. what still uses a row), or None."""
    found = answers(signal, sender, **kwargs)
    return found[0] if found else None
