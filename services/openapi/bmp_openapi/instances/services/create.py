"""createProjectInstance: check everything, take free devices, write the instances, hand the
jobs to the scheduler — in one transaction, so a refusal leaves nothing behind.

Devices are taken with ``SELECT ... FOR UPDATE SKIP LOCKED``: concurrent creates of the same
device type each get other devices, and the stock check is the allocation itself (fewer free
rows than asked means 409, with nothing written).
"""

from __future__ import annotations

import logging
import secrets
import string

from django.db import connection, transaction

from bmp_common.crypto import encrypt_secret
from bmp_common.db import unique_or_conflict
from bmp_common.errors import BmpError
from bmp_common.ids import new_id
from bmp_common.messages import jobs
from bmp_common.messages.jobs import NO_RAID_NAME
from bmp_openapi.catalog import choices as catalog_choices
from bmp_openapi.catalog.models import DeviceTypeImage, Raid, Volume, VolumeRaid
from bmp_openapi.catalog.selectors.device_type import device_type_get
from bmp_openapi.catalog.selectors.image import image_get, image_partitions
from bmp_openapi.catalog.selectors.raid import raid_get
from bmp_openapi.devices import states as device_states
from bmp_openapi.devices.models import Device
from bmp_openapi.devices.services.lifecycle import devices_transition
from bmp_openapi.idcs.selectors import idc_get
from bmp_openapi.instances import choices
from bmp_openapi.instances.error_codes import (
    BOOT_MODE_UNSUPPORTED,
    CREDENTIALS_REQUIRED,
    IMAGE_NOT_BOUND,
    NAME_TAKEN,
    OTHER_IDC,
    RAID_NOT_OFFERED,
    SSHKEY_NOT_FOUND,
    STOCK_INSUFFICIENT,
    SYSTEM_VOLUME_RAID_MISMATCH,
    VOLUME_CHOSEN_TWICE,
    VOLUME_NOT_IN_DEVICE_TYPE,
    VOLUME_RAID_NOT_OFFERED,
    VOLUME_TYPE_MISMATCH,
)
from bmp_openapi.instances.models import Instance, InstancePartition, InstanceVolumeRaid
from bmp_openapi.instances.services.jobs import install_specs, submit_instance_jobs
from bmp_openapi.instances.services.live import instances_live_publish
from bmp_openapi.projects.selectors import project_get_owned
from bmp_openapi.sshkeys.models import SshKey

log = logging.getLogger(__name__)

_ID_ALPHABET = string.digits + string.ascii_lowercase


def new_instance_id() -> str:
    """Upstream's format: ``bmp-`` and 28 random characters of [0-9a-z]."""
    return "bmp-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(28))


def resolve_ssh_keys(*, actor, sshkey_ids: list[str]) -> list[SshKey]:
    keys = {
        key.sshkey_id: key for key in SshKey.objects.filter(user=actor, sshkey_id__in=sshkey_ids)
    }
    for sshkey_id in sshkey_ids:
        if sshkey_id not in keys:
            raise BmpError(SSHKEY_NOT_FOUND, sshkey_id=sshkey_id)
    return [keys[sshkey_id] for sshkey_id in sshkey_ids]


def check_credentials(password: str, sshkey_ids: list[str]) -> None:
    if bool(password) == bool(sshkey_ids):
        raise BmpError(CREDENTIALS_REQUIRED)


def check_boot_mode(boot_mode: str, *, device_type, image, current: str = "") -> str:
    """The boot mode asked for, else ``current`` (a reinstall keeps the server's firmware
    setting) if still supported, else the first both the image and the device type support."""
    supported = [
        mode
        for mode in choices.BOOT_MODES
        if mode in image.boot_mode.split(",") and mode in device_type.boot_mode.split(",")
    ]
    if not boot_mode:
        if current in supported:
            return current
        if supported:
            return supported[0]
        boot_mode = image.boot_mode
    if boot_mode not in supported:
        raise BmpError(
            BOOT_MODE_UNSUPPORTED, boot_mode=boot_mode, supported=", ".join(supported) or "-"
        )
    return boot_mode


def check_image(*, device_type, image_id: str):
    image = image_get(image_id=image_id)
    if not DeviceTypeImage.objects.filter(device_type=device_type, image=image).exists():
        raise BmpError(
            IMAGE_NOT_BOUND, image_id=image_id, device_type_id=device_type.device_type_id
        )
    return image


def check_raid(*, device_type, raid_id: str):
    raid = raid_get(raid_id=raid_id)
    offered = VolumeRaid.objects.filter(device_type=device_type, raid=raid).exists()
    if not offered and raid.name != NO_RAID_NAME:
        raise BmpError(RAID_NOT_OFFERED, raid_id=raid_id, device_type_id=device_type.device_type_id)
    return raid


def data_volume_raids(*, device_type, system_raid, asked: list[dict]) -> list[tuple[Volume, Raid]]:
    """VolumeRaids checked against the device type: each a volume of it, once, offering the
    level. A system volume's choice must repeat systemVolumeRaidId (that is where it is kept);
    the data volumes' choices are returned."""
    volumes = {volume.volume_id: volume for volume in device_type.volumes.all()}
    chosen: list[tuple[Volume, Raid]] = []
    seen: set[str] = set()
    for item in asked:
        volume_id, raid_id = item["volumeId"], item["raidId"]
        volume = volumes.get(volume_id)
        if volume is None:
            raise BmpError(
                VOLUME_NOT_IN_DEVICE_TYPE,
                volume_id=volume_id,
                device_type_id=device_type.device_type_id,
            )
        if volume_id in seen:
            raise BmpError(VOLUME_CHOSEN_TWICE, volume_id=volume_id)
        seen.add(volume_id)
        if item.get("volumeType", volume.volume_type) != volume.volume_type:
            raise BmpError(
                VOLUME_TYPE_MISMATCH, volume_id=volume_id, volume_type=volume.volume_type
            )
        raid = next(
            (link.raid for link in volume.raid_links.all() if link.raid.raid_id == raid_id), None
        )
        if raid is None:
            raise BmpError(VOLUME_RAID_NOT_OFFERED, volume_id=volume_id, raid_id=raid_id)
        if volume.volume_type == catalog_choices.VOLUME_SYSTEM:
            if raid.pk != system_raid.pk:
                raise BmpError(
                    SYSTEM_VOLUME_RAID_MISMATCH, volume_id=volume_id, raid_id=system_raid.raid_id
                )
            continue
        chosen.append((volume, raid))
    return chosen


def partition_rows(rows: list[dict]) -> list[dict]:
    """Request partitions ({format, point, size}) as InstancePartition fields, numbered."""
    return [
        {"number": index, "point": row["point"], "fs_type": row["format"], "size_mb": row["size"]}
        for index, row in enumerate(rows, start=1)
    ]


def partitions_for(*, device_type, image, asked: list[dict] | None) -> list[dict]:
    """The system partitions asked for, else the defaults of the (device type, image) binding."""
    rows = (
        asked
        if asked
        else image_partitions(device_type=device_type, image=image)["systemPartition"]
    )
    return partition_rows(rows)


def _default_hostname(idc, device_type, index: int) -> str:
    base = f"{idc.shortname or 'bmp'}-{device_type.device_type}-{index}"
    return base.replace(".", "-").replace("_", "-").lower()[:64]


def _names(name: str, count: int) -> list[str]:
    return [name] if count == 1 else [f"{name}-{index}" for index in range(1, count + 1)]


def _name_taken(actor, names: list[str]) -> BmpError:
    """The 409 of a create whose insert a concurrent create's names refused (committed after
    this create's own check): the name found taken now."""
    taken = Instance.objects.filter(user=actor, instance_name__in=names).first()
    return BmpError(NAME_TAKEN, name=taken.instance_name if taken is not None else names[0])


def _insert(instances: list[Instance]) -> None:
    """The instances in one INSERT, with their primary keys (read back where the database
    does not return them: MySQL)."""
    Instance.objects.bulk_create(instances)
    if instances and instances[0].pk is None:
        pks = dict(
            Instance.objects.filter(
                instance_id__in=[instance.instance_id for instance in instances]
            ).values_list("instance_id", "pk")
        )
        for instance in instances:
            instance.pk = pks[instance.instance_id]
            instance._state.adding = False


def _take_devices(*, idc, device_type, count: int) -> list[Device]:
    free = Device.objects.filter(
        idc=idc, device_type=device_type, manage_status=device_states.PUTAWAY, instance_id=""
    ).order_by("id")
    if connection.features.has_select_for_update_skip_locked:
        free = free.select_for_update(skip_locked=True)
    else:  # SQLite: one writer at a time already
        free = free.select_for_update()
    taken = list(free[:count])
    if len(taken) < count:
        raise BmpError(
            STOCK_INSUFFICIENT,
            device_type_id=device_type.device_type_id,
            idc_id=idc.idc_id,
            stock=len(taken),
            count=count,
        )
    return taken


@transaction.atomic(durable=True)
def instances_create(
    *,
    actor,
    idc_id: str,
    project_id: str,
    device_type_id: str,
    image_id: str,
    system_volume_raid_id: str,
    instance_name: str,
    count: int = 1,
    hostname: str = "",
    password: str = "",
    sshkey_ids: list[str] | None = None,
    boot_mode: str = "",
    system_partitions: list[dict] | None = None,
    volume_raids: list[dict] | None = None,
    description: str = "",
    user_data: str = "",
    install_bmp_agent: bool = False,
) -> list[Instance]:
    """``count`` instances named from ``instance_name``. Partitions are ``{format, point,
    size}`` (none: the image's defaults); ``volume_raids`` are ``{volumeId, raidId}``, a data
    volume's RAID choice."""
    idc = idc_get(idc_id=idc_id)
    project = project_get_owned(project_id=project_id, actor=actor)
    device_type = device_type_get(device_type_id=device_type_id)
    if device_type.idc_id != idc.pk:
        raise BmpError(OTHER_IDC, device_type_id=device_type.device_type_id, idc_id=idc.idc_id)
    image = check_image(device_type=device_type, image_id=image_id)
    raid = check_raid(device_type=device_type, raid_id=system_volume_raid_id)
    sshkey_ids = sshkey_ids or []
    check_credentials(password, sshkey_ids)
    ssh_keys = resolve_ssh_keys(actor=actor, sshkey_ids=sshkey_ids)
    boot_mode = check_boot_mode(boot_mode, device_type=device_type, image=image)
    partitions = partitions_for(device_type=device_type, image=image, asked=system_partitions)
    volume_raids = data_volume_raids(
        device_type=device_type, system_raid=raid, asked=volume_raids or []
    )
    names = _names(instance_name, count)
    taken_name = Instance.objects.filter(user=actor, instance_name__in=names).first()
    if taken_name is not None:
        raise BmpError(NAME_TAKEN, name=taken_name.instance_name)
    devices = _take_devices(idc=idc, device_type=device_type, count=count)
    password_encrypted = encrypt_secret(password) if password else ""
    # Every row of the batch in one statement per table, reads done once for all: a create
    # of 100 was ~1,700 statements, each a round trip to MariaDB. The job ids are chosen
    # first, so each instance is written once, with its job.
    created = []
    for index, (name, device) in enumerate(zip(names, devices, strict=True), start=1):
        device.idc = idc  # taken from this IDC: its facts without a query per device
        created.append(
            Instance(
                instance_id=new_instance_id(),
                instance_name=name,
                hostname=hostname or _default_hostname(idc, device_type, index),
                description=description,
                project=project,
                user=actor,
                idc=idc,
                device=device,
                device_type=device_type,
                image=image,
                system_volume_raid=raid,
                boot_mode=boot_mode,
                password_encrypted=password_encrypted,
                user_data=user_data,
                install_bmp_agent=install_bmp_agent,
                job_id=new_id("job"),
                progress={},
                created_by=actor.user_name,
                updated_by=actor.user_name,
            )
        )
    with unique_or_conflict(lambda: _name_taken(actor, names)):
        _insert(created)
    Instance.ssh_keys.through.objects.bulk_create(
        Instance.ssh_keys.through(instance_id=instance.pk, sshkey_id=key.pk)
        for instance in created
        for key in ssh_keys
    )
    InstancePartition.objects.bulk_create(
        InstancePartition(instance=instance, **partition)
        for instance in created
        for partition in partitions
    )
    InstanceVolumeRaid.objects.bulk_create(
        InstanceVolumeRaid(instance=instance, volume=volume, raid=volume_raid)
        for instance in created
        for volume, volume_raid in volume_raids
    )
    devices_transition(
        devices=devices,
        action=device_states.SELL,
        actor_name=actor.user_name,
        changes=[
            {
                "instance_id": instance.instance_id,
                "user_id": actor.user_id,
                "user_name": actor.user_name,
            }
            for instance in created
        ],
    )
    submit_instance_jobs(
        created,
        task=jobs.CREATE_INSTANCES,
        specs=install_specs(created),
        actor_name=actor.user_name,
    )
    instances_live_publish(created)
    log.info("%d instance(s) created for %s", len(created), actor.user_id)
    return created
