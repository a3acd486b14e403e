"""Reads of devices, their stock and their disks."""

from __future__ import annotations

import ipaddress

from django.db.models import Q, QuerySet, Sum

from bmp_common.errors import PERMISSION_DENIED, BmpError
from bmp_openapi.catalog import choices as catalog_choices
from bmp_openapi.catalog.models import DeviceType, Volume
from bmp_openapi.core import events, suffixes
from bmp_openapi.core.scoping import sees_fleet
from bmp_openapi.devices import choices, states
from bmp_openapi.devices.error_codes import (
    DEVICE_NOT_FOUND,
    DEVICE_TYPE_NOT_FOUND,
    VOLUME_NOT_FOUND,
    VOLUME_OF_OTHER_TYPE,
)
from bmp_openapi.devices.models import (
    Device,
    DeviceCount,
    DeviceSnSuffix,
    DeviceUserNameSuffix,
    DeviceVolumeDisk,
    Disk,
)
from bmp_openapi.idcs.models import Idc

# filter -> (lookup, whether the value is a comma-separated list)
EXACT_FILTERS = {
    "idcId": "idc__idc_id",
    "instanceId": "instance_id",
    "iloIp": "ilo_ip",
    "ipv4": "private_ipv4",
    "ipv6": "private_ipv6",
    "userId": "user_id",
    "collectStatus": "collect_status",
}
LIST_FILTERS = {"manageStatus": "manage_status__in"}
# Filters on the device type's columns: the few types they select are read first, so that the
# devices are filtered on their own column (and index); joined, MariaDB starts from the type
# table and sorts every device of those types to find the page.
TYPE_FILTERS = {"deviceTypeId": "device_type_id__in", "deviceSeries": "device_series__in"}
# Every filter of the list, and those DeviceCount answers the count of (its group columns).
FILTERS = (
    *EXACT_FILTERS,
    *LIST_FILTERS,
    *TYPE_FILTERS,
    "userName",
    "sn",
    "instanceName",
)
COUNTED_FILTERS = ("idcId", "manageStatus", "collectStatus", "deviceTypeId", "deviceSeries")
# Filters on fields a tenant's answer leaves out: matching on them would tell the values.
FLEET_ONLY_FILTERS = ("iloIp", "userId", "userName")


def _canonical_ipv6(value: str) -> str:
    """The stored (compressed) form of an IPv6 address, so that any spelling finds it."""
    try:
        return ipaddress.IPv6Address(value).compressed
    except ValueError:
        return value


def sn_contains(text: str, *, device: str = "") -> Q:
    """The devices (``device``: the path to them, e.g. ``"device__"``) whose SN contains
    ``text``, ignoring case: the same rows as ``sn__icontains``, through the SN suffix index
    (DeviceSnSuffix; see core.suffixes.contains)."""
    return suffixes.contains(
        DeviceSnSuffix, text, column=f"{device}sn", key=f"{device}pk", row_key="device_id"
    )


def _visible(principal) -> QuerySet[Device]:
    if sees_fleet(principal):
        return Device.objects.all()
    # A caller who does not see the fleet sees the devices under the instances they may see.
    mine = Q(pk__in=[])
    for visible_ids in events.answers(events.instance_ids_visible, Device, principal=principal):
        mine |= Q(instance_id__in=visible_ids)
    return Device.objects.filter(mine).exclude(instance_id="")


def device_list(*, principal, filters: dict) -> QuerySet[Device]:
    """describeDevices: every device for staff on the operation profile; for anyone else the
    devices under the instances they may see."""
    if not sees_fleet(principal) and any(filters.get(name) for name in FLEET_ONLY_FILTERS):
        raise BmpError(PERMISSION_DENIED)
    if filters.get("ipv6"):
        filters = {**filters, "ipv6": _canonical_ipv6(filters["ipv6"])}
    # Prefetched, not joined: the page is then read from one table in its index order. Joined,
    # MariaDB starts from the one-row IDC table and sorts every device to find the page.
    queryset = _visible(principal).prefetch_related("idc", "device_type__volumes__raid_links__raid")
    for name, lookup in EXACT_FILTERS.items():
        if filters.get(name):
            queryset = queryset.filter(**{lookup: filters[name]})
    for name, lookup in LIST_FILTERS.items():
        if filters.get(name):
            queryset = queryset.filter(**{lookup: filters[name].split(",")})
    for types in _type_keys(filters).values():
        queryset = queryset.filter(device_type__in=types)
    if filters.get("userName"):
        owner_named = suffixes.contains(
            DeviceUserNameSuffix, filters["userName"], column="user_name"
        )
        queryset = queryset.filter(owner_named)
    if filters.get("sn"):
        queryset = queryset.filter(sn_contains(filters["sn"]))
    if filters.get("instanceName"):
        matches = Q(pk__in=[])
        named = events.answers(events.instance_ids_named, Device, name=filters["instanceName"])
        for instance_ids in named:
            matches |= Q(instance_id__in=instance_ids)
        queryset = queryset.filter(matches)
    return queryset


def _type_keys(filters: dict) -> dict[str, list[int]]:
    """The keys of the device types each type filter selects."""
    keys = {}
    for name, lookup in TYPE_FILTERS.items():
        if filters.get(name):
            types = DeviceType.all_objects.filter(**{lookup: filters[name].split(",")}).order_by()
            keys[name] = list(types.values_list("pk", flat=True))
    return keys


def device_list_count(*, principal, filters: dict) -> int | None:
    """device_list's count, from DeviceCount when the filters are all among its group
    columns (the filters that keep most devices: a COUNT(*) would read them all); None when
    the list must count its rows (a filter that selects few, or a tenant's scope)."""
    if not sees_fleet(principal):
        return None
    if any(filters.get(name) for name in FILTERS if name not in COUNTED_FILTERS):
        return None
    groups = DeviceCount.objects.all()
    if filters.get("idcId"):
        # As the list's join: a deleted IDC's id still finds its devices.
        idcs = Idc.all_objects.filter(idc_id=filters["idcId"]).values("pk")
        groups = groups.filter(idc_key__in=idcs)
    if filters.get("manageStatus"):
        groups = groups.filter(manage_status__in=filters["manageStatus"].split(","))
    if filters.get("collectStatus"):
        groups = groups.filter(collect_status=filters["collectStatus"])
    for types in _type_keys(filters).values():
        groups = groups.filter(device_type_key__in=types)
    return groups.aggregate(total=Sum("live_rows"))["total"] or 0


def device_get(*, principal, device_id: str) -> Device:
    """A device the caller may see; any other is answered as if it did not exist (404)."""
    devices = _visible(principal).select_related("idc", "device_type")
    device = devices.filter(device_id=device_id).first()
    if device is None:
        raise BmpError(DEVICE_NOT_FOUND, device_id=device_id)
    return device


def device_type_get(*, device_type_id: str) -> DeviceType:
    device_type = DeviceType.objects.filter(device_type_id=device_type_id).first()
    if device_type is None:
        raise BmpError(DEVICE_TYPE_NOT_FOUND, device_type_id=device_type_id)
    return device_type


def device_stock(*, device_type_id: str) -> int:
    """Devices of the type on sale and free: what createInstance may take."""
    device_type = device_type_get(device_type_id=device_type_id)
    return Device.objects.filter(
        device_type=device_type, manage_status=states.PUTAWAY, instance_id=""
    ).count()


def idc_has_devices(idc) -> bool:
    return Device.objects.filter(idc=idc).exists()


def device_type_has_devices(device_type) -> bool:
    return Device.objects.filter(device_type=device_type).exists()


def volume_get(*, volume_id: str, device_type: DeviceType, field: str) -> Volume:
    volume = Volume.objects.filter(volume_id=volume_id).first()
    if volume is None:
        raise BmpError(VOLUME_NOT_FOUND, volume_id=volume_id)
    if volume.device_type_id != device_type.pk:
        raise BmpError(
            VOLUME_OF_OTHER_TYPE,
            field=field,
            volume_id=volume_id,
            device_type_id=device_type.device_type_id,
        )
    return volume


def volume_disk_kind(*, device_type: DeviceType, volume: Volume) -> str:
    """Which disks may serve the volume: plain block devices when the type needs no RAID
    setup; else NVMe disks for a NO RAID volume and disks behind the controller otherwise."""
    if device_type.is_need_raid == catalog_choices.NO_NEED_RAID:
        return choices.DISK_PANFU
    if volume.raid_can == catalog_choices.RAID_CAN_NO_RAID:
        return choices.DISK_NVME
    return choices.DISK_CONTROLLER


def volume_disk_count(volume: Volume) -> tuple[int, int | None]:
    """(fewest, most) disks the volume may be given; None: no upper bound."""
    if volume.raid_can in (catalog_choices.RAID_CAN_NO_RAID, catalog_choices.RAID_CAN_SINGLE_RAID0):
        return 1, 1
    names = volume.raid_links.values_list("raid__name", flat=True)
    least = max([1, *(catalog_choices.RAID_MIN_DISKS.get(name, 1) for name in names)])
    return max(least, volume.volume_amount), None


UNIT_GB = {"MB": 1 / 1024, "GB": 1, "TB": 1024}
# Vendors count disk sizes in powers of 10, the collection in powers of 2: a "1.92 TB" disk is
# reported as 1.75 TB. A disk 10 % smaller than the volume's disk size still fits.
SIZE_TOLERANCE = 0.9


def _gigabytes(size: str, unit: str) -> float | None:
    try:
        return float(size.strip()) * UNIT_GB[unit.upper()]
    except (ValueError, KeyError):
        return None


def disk_fits(disk: Disk, volume: Volume) -> bool:
    wanted = _gigabytes(volume.volume_size, volume.volume_unit)
    have = _gigabytes(disk.size, disk.size_unit)
    return wanted is None or have is None or have >= wanted * SIZE_TOLERANCE


def candidate_disks(*, device: Device, device_type: DeviceType, volume: Volume) -> list[Disk]:
    """The device's disks that may serve the volume: kind, interface, media and size."""
    kind = volume_disk_kind(device_type=device_type, volume=volume)
    disks = Disk.objects.select_related("device").filter(device=device, types=kind)
    # A plain block device (lsblk) carries no interface type.
    if volume.interface_type != "notLimited" and kind != choices.DISK_PANFU:
        disks = disks.filter(pd_type__iexact=volume.interface_type)
    if volume.disk_type != "notLimited":
        disks = disks.filter(media_type__iexact=volume.disk_type)
    return [disk for disk in disks if disk_fits(disk, volume)]


def associated_disks(
    *, principal, device_id: str, device_type_id: str, volume_id: str
) -> list[tuple[Disk, bool]]:
    """getAssociatedDisks: the disks that may serve the volume, and whether each does now."""
    device = device_get(principal=principal, device_id=device_id)
    device_type = device_type_get(device_type_id=device_type_id)
    volume = volume_get(volume_id=volume_id, device_type=device_type, field="volumeId")
    chosen = set(
        DeviceVolumeDisk.objects.filter(device=device, volume=volume).values_list(
            "disk_id", flat=True
        )
    )
    candidates = candidate_disks(device=device, device_type=device_type, volume=volume)
    return [(disk, disk.pk in chosen) for disk in candidates]


def device_disks_detail(*, device: Device) -> dict:
    """describeDeviceDisks: the collected disks, the volumes of the type with theirs, and
    ``selected``: the disks serving a volume."""
    disks = list(Disk.objects.select_related("device").filter(device=device))
    links = DeviceVolumeDisk.objects.filter(device=device, disk__delete_marker=0)
    by_volume: dict[int, list[Disk]] = {}
    for link in links.select_related("disk__device"):
        by_volume.setdefault(link.volume_id, []).append(link.disk)
    volumes = []
    if device.device_type_id is not None:
        type_volumes = Volume.objects.filter(device_type_id=device.device_type_id)
        for volume in type_volumes.prefetch_related("raid_links__raid"):
            raids = [link.raid for link in volume.raid_links.all()]
            chosen = by_volume.get(volume.pk, [])
            volumes.append({"volume": volume, "raids": raids, "disks": chosen})
    return {
        "disks": [d for d in disks if d.types in (choices.DISK_CONTROLLER, choices.DISK_NVME)],
        "panfu": [d for d in disks if d.types == choices.DISK_PANFU],
        "volumes": volumes,
        "selected": {disk.pk for chosen in by_volume.values() for disk in chosen},
    }


def device_sn(*, device_id: str) -> str:
    """The serial number of a device, deleted or not ("" if there is none): for audit entries."""
    found = Device.all_objects.filter(device_id=device_id).values_list("sn", flat=True).first()
    return found or ""
