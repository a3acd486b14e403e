"""The lifecycle actions of one instance, each one transaction: check the table, move to the
transitional status, hand the job over. Batch variants run them one by one, all or nothing."""

from __future__ import annotations

from django.db import transaction

from bmp_common.crypto import encrypt_secret
from bmp_common.db import unique_or_conflict
from bmp_common.errors import BmpError
from bmp_common.messages import jobs
from bmp_common.unset import UNSET, Unset, given
from bmp_openapi.catalog import choices as catalog_choices
from bmp_openapi.instances import choices, states
from bmp_openapi.instances.error_codes import (
    DATA_PARTITIONS_WITH_KEEP_DATA,
    MOUNT_POINT_REPEATED,
    NAME_TAKEN,
)
from bmp_openapi.instances.models import InstancePartition
from bmp_openapi.instances.selectors import instance_get_writable
from bmp_openapi.instances.services.create import (
    check_boot_mode,
    check_credentials,
    check_image,
    check_raid,
    partition_rows,
    partitions_for,
    resolve_ssh_keys,
)
from bmp_openapi.instances.services.jobs import install_spec, submit_instance_job
from bmp_openapi.instances.services.lifecycle import (
    instance_check,
    instance_lock,
    instance_transition,
)
from bmp_openapi.instances.services.release import instance_release


def _locked_writable(*, actor, instance_id: str):
    instance_get_writable(actor=actor, instance_id=instance_id)  # 404 / 403 first
    return instance_lock(instance_id=instance_id)


def _power_action(*, actor, instance_id: str, action: str):
    instance = _locked_writable(actor=actor, instance_id=instance_id)
    instance_transition(instance, action, actor_name=actor.user_name, reason="", reason_message="")
    submit_instance_job(instance, task=states.ACTION_TASKS[action], actor_name=actor.user_name)
    return instance


@transaction.atomic(durable=True)
def instances_power(*, actor, instance_ids: list[str], action: str) -> None:
    """start / stop / restart of one or more instances (all or nothing)."""
    for instance_id in instance_ids:
        _power_action(actor=actor, instance_id=instance_id, action=action)


def _delete(*, actor, instance_id: str) -> None:
    instance = _locked_writable(actor=actor, instance_id=instance_id)
    if instance_check(instance, states.DELETE) == states.DESTROYED:
        # never installed: give the device back now
        instance_release(instance, event=states.DELETE, actor_name=actor.user_name)
        return
    instance_transition(
        instance, states.DELETE, actor_name=actor.user_name, reason="", reason_message=""
    )
    submit_instance_job(instance, task=jobs.DELETE_INSTANCE, actor_name=actor.user_name)


@transaction.atomic(durable=True)
def instances_delete(*, actor, instance_ids: list[str]) -> None:
    for instance_id in instance_ids:
        _delete(actor=actor, instance_id=instance_id)


def _reset_password(*, actor, instance_id: str, password: str) -> None:
    instance = _locked_writable(actor=actor, instance_id=instance_id)
    instance_transition(
        instance,
        states.RESET_PASSWORD,
        actor_name=actor.user_name,
        reason="",
        reason_message="",
        password_encrypted=encrypt_secret(password),
    )
    spec = {"password_encrypted": instance.password_encrypted}
    submit_instance_job(instance, task=jobs.RESET_PASSWORD, spec=spec, actor_name=actor.user_name)


@transaction.atomic(durable=True)
def instances_reset_password(*, actor, instance_ids: list[str], password: str) -> None:
    for instance_id in instance_ids:
        _reset_password(actor=actor, instance_id=instance_id, password=password)


@transaction.atomic(durable=True)
def instance_reinstall(
    *,
    actor,
    instance_id: str,
    image_id: str,
    system_volume_raid_id: str,
    instance_name: str,
    hostname: str = "",
    password: str = "",
    sshkey_ids: list[str] | None = None,
    boot_mode: str = "",
    system_partitions: list[dict] | None = None,
    data_partitions: list[dict] | None = None,
    description: str | Unset = UNSET,
    install_bmp_agent: bool = False,
    keep_data: bool = False,
) -> None:
    """Partitions are ``{format, point, size}``: none asked keeps the image's defaults for the
    system disk; ``description`` not given keeps the instance's."""
    instance = _locked_writable(actor=actor, instance_id=instance_id)
    instance_check(instance, states.REINSTALL)  # refused before anything is read or written
    device_type = instance.device_type
    image = check_image(device_type=device_type, image_id=image_id)
    raid = check_raid(device_type=device_type, raid_id=system_volume_raid_id)
    sshkey_ids = sshkey_ids or []
    check_credentials(password, sshkey_ids)
    ssh_keys = resolve_ssh_keys(actor=instance.user, sshkey_ids=sshkey_ids)
    boot_mode = check_boot_mode(
        boot_mode, device_type=device_type, image=image, current=instance.boot_mode
    )
    partitions = partitions_for(device_type=device_type, image=image, asked=system_partitions)
    if keep_data and data_partitions:
        raise BmpError(DATA_PARTITIONS_WITH_KEEP_DATA)
    data_partitions = [
        {"volume_type": catalog_choices.VOLUME_DATA, **row}
        for row in partition_rows(data_partitions or [])
    ]
    points = [row["point"] for row in [*partitions, *data_partitions]]
    repeated = next((point for point in points if points.count(point) > 1), None)
    if data_partitions and repeated is not None:
        raise BmpError(MOUNT_POINT_REPEATED, point=repeated)
    instance.image = image
    instance.system_volume_raid = raid
    instance.boot_mode = boot_mode
    instance.instance_name = instance_name
    instance.hostname = hostname or instance.hostname
    if description is not UNSET:
        instance.description = description
    instance.install_bmp_agent = install_bmp_agent
    instance.software_raid = []  # the new system's agent reports its own
    instance.save()
    instance.ssh_keys.set(ssh_keys)
    rewritten = InstancePartition.objects.filter(instance=instance)
    if keep_data:  # the data disks keep their partitions, and so does their record
        rewritten = rewritten.filter(volume_type=catalog_choices.VOLUME_SYSTEM)
    rewritten.delete()
    InstancePartition.objects.bulk_create(
        InstancePartition(instance=instance, **partition)
        for partition in [*partitions, *data_partitions]
    )
    instance_transition(
        instance,
        states.REINSTALL,
        actor_name=actor.user_name,
        reason="",
        reason_message="",
        password_encrypted=encrypt_secret(password) if password else "",
    )
    submit_instance_job(
        instance,
        task=jobs.REINSTALL_INSTANCE,
        spec=install_spec(instance, keep_data=keep_data),
        actor_name=actor.user_name,
    )


@transaction.atomic(durable=True)
def instance_set_locked(*, actor, instance_id: str, locked: bool) -> None:
    instance = _locked_writable(actor=actor, instance_id=instance_id)
    instance_check(instance, states.LOCK if locked else states.UNLOCK)
    instance.locked = choices.LOCKED if locked else choices.UNLOCKED
    instance.updated_by = actor.user_name
    instance.save(update_fields=["locked", "updated_by", "updated_at"])


@transaction.atomic(durable=True)
def instances_modify(
    *,
    actor,
    instance_ids: list[str],
    instance_name: str | Unset = UNSET,
    description: str | Unset = UNSET,
) -> None:
    changes = given(instance_name=instance_name, description=description)
    for instance_id in instance_ids:
        instance = _locked_writable(actor=actor, instance_id=instance_id)
        instance_check(instance, states.MODIFY)
        # the name is unique among the owner's instances
        with unique_or_conflict(NAME_TAKEN, name=changes.get("instance_name")):
            instance_transition(instance, states.MODIFY, actor_name=actor.user_name, **changes)


@transaction.atomic(durable=True)
def instance_reset_status(*, actor, instance_id: str) -> None:
    instance = _locked_writable(actor=actor, instance_id=instance_id)
    instance_transition(
        instance, states.RESET_STATUS, actor_name=actor.user_name, reason="", reason_message=""
    )
