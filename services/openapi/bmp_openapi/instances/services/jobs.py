"""What an instance's jobs carry to the scheduler."""

from __future__ import annotations

from django.db.models import Prefetch, prefetch_related_objects

from bmp_common.crypto import encrypt_secret
from bmp_openapi.catalog import choices as catalog_choices
from bmp_openapi.devices.models import DeviceVolumeDisk
from bmp_openapi.instances import choices
from bmp_openapi.instances.models import Instance, InstanceVolumeRaid
from bmp_openapi.jobs.services.submission import job_submit, jobs_submit
from bmp_openapi.monitoring.services import agent_credential_issue


def install_spec(instance: Instance, *, keep_data: bool = False) -> dict:
    """Everything an install (create or reinstall) needs; the password stays encrypted. With
    installBmpAgent, the new system's agent gets a new credential (issued here, inside the
    caller's transaction)."""
    return install_specs([instance], keep_data=keep_data)[0]


def install_specs(instances: list[Instance], *, keep_data: bool = False) -> list[dict]:
    """``install_spec`` of each of ``instances``, their rows read once for all: a create of
    100 read its keys, partitions, RAID choices and disks with four queries, not 500."""
    prefetch_related_objects(
        instances,
        "ssh_keys",
        "partitions",
        Prefetch(
            "volume_raids", queryset=InstanceVolumeRaid.objects.select_related("volume", "raid")
        ),
    )
    disks = _volume_disks([instance.device_id for instance in instances])
    return [
        _install_spec(instance, disks.get(instance.device_id, {}), keep_data=keep_data)
        for instance in instances
    ]


def _install_spec(instance: Instance, disks: dict[int, list[dict]], *, keep_data: bool) -> dict:
    image = instance.image
    raid = instance.system_volume_raid
    return {
        "instance_name": instance.instance_name,
        "hostname": instance.hostname,
        "password_encrypted": instance.password_encrypted,
        "ssh_keys": [key.key for key in instance.ssh_keys.all()],
        "image": {
            "image_id": image.image_id,
            "url": image.url,
            "format": image.format,
            "hash": image.hash,
            "filename": image.filename,
            "os_type": image.os.os_type,
            "os_version": image.os.os_version,
        },
        "boot_mode": "uefi" if instance.boot_mode == choices.BOOT_UEFI else "bios",
        "raid": {"raid_id": raid.raid_id, "name": raid.name} if raid else {},
        "partitions": _partitions(instance, catalog_choices.VOLUME_SYSTEM),
        "data_partitions": _partitions(instance, catalog_choices.VOLUME_DATA),
        # MakeRaid builds these data volumes too (the system volume's level is "raid").
        "volume_raids": [
            {
                "volume_id": row.volume.volume_id,
                "volume_name": row.volume.volume_name,
                "volume_type": row.volume.volume_type,
                "disk_type": row.volume.disk_type,
                "interface_type": row.volume.interface_type,
                "volume_size": row.volume.volume_size,
                "volume_unit": row.volume.volume_unit,
                "volume_amount": row.volume.volume_amount,
                "raid_can": row.volume.raid_can,
                "raid_id": row.raid.raid_id,
                "raid_name": row.raid.name,
                # the device's disks chosen for the volume (associateDisks): the agent's MakeRaid
                # builds the volume from these
                "disks": disks.get(row.volume_id, []),
            }
            for row in instance.volume_raids.all()
        ],
        "user_data": instance.user_data,
        "keep_data": keep_data,
        # The in-band monitoring agent (installBmpAgent): the scheduler adds InstallMonitorAgent.
        "install_bmp_agent": instance.install_bmp_agent,
        "monitor_agent": _monitor_agent(instance),
    }


def _monitor_agent(instance: Instance) -> dict:
    """The agent's credential, encrypted as the root password is: the scheduler's gateway
    decrypts it for InstallMonitorAgent only, and it leaves the job with its other secrets. A
    reinstall revoked the old system's credential when it began (monitoring.receivers)."""
    if not instance.install_bmp_agent:
        return {}
    return {"credential_encrypted": encrypt_secret(agent_credential_issue(instance=instance))}


def _partitions(instance: Instance, volume_type: str) -> list[dict]:
    # From the prefetched rows (ordered by number, as a query of the type's rows would be).
    return [
        {"point": row.point, "fs_type": row.fs_type, "size_mb": row.size_mb}
        for row in instance.partitions.all()
        if row.volume_type == volume_type
    ]


def _volume_disks(device_pks: list[int]) -> dict[int, dict[int, list[dict]]]:
    """Device pk -> volume pk -> the disks of the device chosen for it, as the agent finds
    them."""
    found: dict[int, dict[int, list[dict]]] = {}
    links = (
        DeviceVolumeDisk.objects.filter(device__in=device_pks)
        .select_related("disk")
        .order_by("disk__index", "disk_id")
    )
    for link in links:
        disk = link.disk
        found.setdefault(link.device_id, {}).setdefault(link.volume_id, []).append(
            {
                "disk_id": disk.disk_id,
                "serial": disk.serial_number,
                "name": disk.device_path or disk.name,
                "enclosure": disk.enclosure,
                "slot": disk.slot,
                "size": disk.size,
                "size_unit": disk.size_unit,
            }
        )
    return found


def submit_instance_job(instance: Instance, *, task: str, spec: dict | None = None, actor_name):
    device = instance.device
    job = job_submit(task=task, device=device, instance=instance, spec=spec, actor_name=actor_name)
    instance.job_id = job.job_id
    instance.progress = {}
    instance.save(update_fields=["job_id", "progress"])
    return job


def submit_instance_jobs(instances: list[Instance], *, task: str, specs: list[dict], actor_name):
    """``submit_instance_job`` of new ``instances`` whose ``job_id`` was chosen when they were
    written (no second write of each): the jobs go in one statement, their submissions
    together."""
    return jobs_submit(task=task, instances=instances, specs=specs, actor_name=actor_name)
