"""Device jobs: put-away checks and hardware collection, and what their ends mean.

The scheduler reports a collection's inventory as ``data["hardware_info"]`` (the
CollectHardwareInfo step: vendor, CPU, memory, NICs, boot mode) and ``data["disk_locations"]``
(the CollectDiskLocations step: disks with enclosure/slot, NVMe and plain block devices).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from bmp_common.errors import BmpError
from bmp_common.ids import new_id
from bmp_common.messages.jobs import COLLECT_HARDWARE_INFO, EVENT_STEP, EVENT_SUCCEEDED, JobEvent
from bmp_openapi.devices import choices, states
from bmp_openapi.devices.error_codes import COLLECT_REFUSED, DEVICE_SN_NOT_FOUND
from bmp_openapi.devices.models import Device, DeviceVolumeDisk, Disk, Interface
from bmp_openapi.devices.services.lifecycle import device_transition
from bmp_openapi.jobs.error_codes import JOB_SUPERSEDED
from bmp_openapi.jobs.services.submission import job_submit

log = logging.getLogger(__name__)

SCHEDULER = "scheduler"
# Collection boots the LiveOS on the server: never on a sold one.
COLLECTABLE = (states.IN, states.PUTAWAYFAIL, states.REMOVED)


@transaction.atomic(durable=True)
def devices_collect(*, collects: list[dict], actor) -> list[str]:
    """collectDeviceInfo: one CollectHardwareInfo job per SN, all or none; returns job ids."""
    jobs = []
    for index, item in enumerate(collects):
        device = Device.objects.select_for_update().filter(sn=item["sn"]).first()
        if device is None:
            raise BmpError(DEVICE_SN_NOT_FOUND, sn=item["sn"])
        if device.manage_status not in COLLECTABLE or device.collect_status == choices.COLLECTING:
            raise BmpError(
                COLLECT_REFUSED,
                field=f"collects[{index}].sn",
                sn=device.sn,
                status=device.manage_status,
            )
        device.collect_status = choices.COLLECTING
        device.collect_fail_reason = ""
        device.updated_by = actor.user_name
        device.save(
            update_fields=["collect_status", "collect_fail_reason", "updated_by", "updated_at"]
        )
        spec = {"allow_override": bool(item.get("allowOverride", False))}
        jobs.append(
            job_submit(
                task=COLLECT_HARDWARE_INFO,
                device=device,
                spec=spec,
                actor_name=actor.user_name,
            )
        )
    return [job.job_id for job in jobs]


def on_putaway_event(job, event: JobEvent) -> None:
    if event.kind == EVENT_STEP:
        return
    device = Device.objects.select_for_update().filter(device_id=job.device_id).first()
    if device is None or device.manage_status != states.PUTAWAYING:
        return
    if event.kind == EVENT_SUCCEEDED:
        device_transition(device=device, action=states.MOUNT_SUCCEEDED, actor_name=SCHEDULER)
    else:
        reason = event.reason if event.reason in choices.REASON_NAMES else "ERROR"
        device_transition(
            device=device, action=states.MOUNT_FAILED, actor_name=SCHEDULER, reason=reason
        )


def on_collect_event(job, event: JobEvent) -> None:
    if event.kind == EVENT_STEP:
        return
    device = Device.objects.select_for_update().filter(device_id=job.device_id).first()
    if device is None:
        return
    if event.kind != EVENT_SUCCEEDED:
        device.collect_status = choices.COLLECT_FAILED
        device.collect_fail_reason = (event.message or event.reason or "cancelled")[:255]
        device.save(update_fields=["collect_status", "collect_fail_reason", "updated_at"])
        return
    _apply_inventory(device, event.data)


def _apply_inventory(device: Device, data: dict) -> None:
    hardware = data.get("hardware_info") or {}
    vendor = hardware.get("system_vendor") or {}
    device.brand = str(vendor.get("manufacturer", device.brand))[:64]
    device.model = str(vendor.get("product_name", device.model))[:64]
    cpu = hardware.get("cpu") or {}
    device.architecture = str(cpu.get("architecture") or device.architecture)[:16]
    device.collect_status = choices.COLLECTED
    device.collect_fail_reason = ""
    device.save()
    # What was collected before is replaced (kept as deleted rows), with the disk choices made
    # on the old disks.
    now = timezone.now()
    DeviceVolumeDisk.objects.filter(device=device).delete()
    for model in (Disk, Interface):
        model.objects.filter(device=device).update(deleted_at=now, delete_marker=F("pk"))
    _write_disks(device, data.get("disk_locations") or {})
    for number, nic in enumerate(hardware.get("interfaces") or []):
        Interface.objects.create(
            device=device,
            interface_name=str(nic.get("name", f"eth{number}"))[:32],
            interface_type=choices.INTERFACE_LAN,
            mac=str(nic.get("mac_address", "")).lower()[:17],
            ipv4_address=str(nic.get("ipv4_address") or "")[:15],
            nic_number=number,
            bus_info=str(nic.get("bus_info") or "")[:64],
        )


def _write_disks(device: Device, locations: dict) -> None:
    rows = []
    for controller in locations.get("controllers") or []:
        for disk in controller.get("disks") or []:
            rows.append((choices.DISK_CONTROLLER, disk))
    for disk in (locations.get("nvme") or {}).get("devices") or []:
        rows.append((choices.DISK_NVME, disk))
    for disk in locations.get("devices") or []:
        rows.append((choices.DISK_PANFU, disk))
    for index, (types, disk) in enumerate(rows):
        Disk.objects.create(
            disk_id=new_id("disk"),
            device=device,
            name=str(disk.get("name", ""))[:64],
            enclosure=str(disk.get("enclosure", ""))[:32],
            slot=int(disk.get("slot") or 0),
            types=types,
            size=str(disk.get("size", ""))[:32],
            size_unit=str(disk.get("size_unit", ""))[:8],
            pd_type=str(disk.get("pd_type", ""))[:16],
            media_type=str(disk.get("media_type", ""))[:16],
            device_path=str(disk.get("device_path", disk.get("path", "")))[:255],
            serial_number=str(disk.get("serial_number", disk.get("serial", "")))[:128],
            index=index,
        )


def retry_collect(job, actor_name: str) -> None:
    device = Device.objects.select_for_update().filter(device_id=job.device_id).first()
    if device is None or device.collect_status != choices.COLLECT_FAILED:
        raise BmpError(JOB_SUPERSEDED, job_id=job.job_id, resource="device", resource_zh="设备")
    device.collect_status = choices.COLLECTING
    device.collect_fail_reason = ""
    device.updated_by = actor_name
    device.save()


def retry_putaway(job, actor_name: str) -> None:
    device = Device.objects.select_for_update().filter(device_id=job.device_id).first()
    if device is None or device.manage_status != states.PUTAWAYFAIL:
        raise BmpError(JOB_SUPERSEDED, job_id=job.job_id, resource="device", resource_zh="设备")
    device_transition(device=device, action=states.MOUNT, actor_name=actor_name, reason="")
