"""The volumes of a device type and the RAID levels each offers: the rules they follow."""

from __future__ import annotations

from bmp_common.errors import BmpError
from bmp_common.ids import new_id
from bmp_openapi.catalog import choices
from bmp_openapi.catalog.error_codes import (
    NO_RAID_NEEDS_ONE_NVME,
    ONE_SYSTEM_VOLUME,
    RAID_LEVEL_MISSING,
    RAID_LEVEL_NOT_ALLOWED,
    RAID_NEEDS_DISKS,
    RAID_NOT_FOUND,
    SINGLE_RAID0_NEEDS_ONE_DISK,
    VOLUME_NAME_TWICE,
)
from bmp_openapi.catalog.fields import split_ids
from bmp_openapi.catalog.models import DeviceType, Raid, Volume, VolumeRaid

# The level a volume gets when its raid list is empty, by raidCan.
DEFAULT_LEVEL = {
    choices.RAID_CAN_NO_RAID: choices.RAID_NO_RAID,
    choices.RAID_CAN_SINGLE_RAID0: "RAID0",
}
# The levels each raidCan allows (None: any level but NO RAID).
ALLOWED_LEVELS = {
    choices.RAID_CAN_NO_RAID: {choices.RAID_NO_RAID},
    choices.RAID_CAN_SINGLE_RAID0: {"RAID0"},
    choices.RAID_CAN_RAID: None,
}


def check_volume_shape(*, name: str, raid_can: str, interface_type: str, amount: int) -> None:
    if raid_can == choices.RAID_CAN_NO_RAID and (interface_type != "NVME" or amount != 1):
        raise BmpError(NO_RAID_NEEDS_ONE_NVME, name=name)
    if raid_can == choices.RAID_CAN_SINGLE_RAID0 and amount != 1:
        raise BmpError(SINGLE_RAID0_NEEDS_ONE_DISK, name=name)


def check_level(*, name: str, raid_can: str, amount: int, raid: Raid) -> None:
    """Whether ``raid`` may build a volume of ``amount`` disks offered as ``raid_can``."""
    allowed = ALLOWED_LEVELS[raid_can]
    fits = raid.name != choices.RAID_NO_RAID if allowed is None else raid.name in allowed
    if not fits:
        raise BmpError(RAID_LEVEL_NOT_ALLOWED, name=name, level=raid.name, raid_can=raid_can)
    needed = choices.RAID_MIN_DISKS.get(raid.name, 1)
    if raid_can == choices.RAID_CAN_RAID and amount < needed:
        raise BmpError(RAID_NEEDS_DISKS, name=name, level=raid.name, count=needed)


def _levels(volume: dict) -> list[Raid]:
    ids = split_ids(volume.get("raid", ""))
    if not ids:
        default = DEFAULT_LEVEL.get(volume["raidCan"])
        if default is None:
            raise BmpError(RAID_LEVEL_MISSING, name=volume["volumeName"])
        found = Raid.objects.filter(name=default).first()
        if found is None:  # the seeded level was deleted by hand: nothing to default to
            raise BmpError(RAID_LEVEL_MISSING, name=volume["volumeName"])
        return [found]
    by_id = {raid.raid_id: raid for raid in Raid.objects.filter(raid_id__in=ids)}
    for raid_id in ids:
        if raid_id not in by_id:
            raise BmpError(RAID_NOT_FOUND, raid_id=raid_id)
    return [by_id[raid_id] for raid_id in ids]


def checked_volumes(volumes: list[dict]) -> list[tuple[dict, list[Raid]]]:
    """The volumes of a create or modify request with their RAID levels, once every rule holds."""
    systems = sum(1 for volume in volumes if volume["volumeType"] == choices.VOLUME_SYSTEM)
    if systems != 1:
        raise BmpError(ONE_SYSTEM_VOLUME, count=systems)
    names = set()
    for volume in volumes:
        if volume["volumeName"] in names:
            raise BmpError(VOLUME_NAME_TWICE, name=volume["volumeName"])
        names.add(volume["volumeName"])
    checked = []
    for volume in volumes:
        name, raid_can, amount = volume["volumeName"], volume["raidCan"], volume["volumeAmount"]
        check_volume_shape(
            name=name, raid_can=raid_can, interface_type=volume["interfaceType"], amount=amount
        )
        levels = _levels(volume)
        for raid in levels:
            check_level(name=name, raid_can=raid_can, amount=amount, raid=raid)
        checked.append((volume, levels))
    return checked


def create_volumes(device_type: DeviceType, checked: list[tuple[dict, list[Raid]]], actor) -> None:
    for volume, levels in checked:
        row = Volume.objects.create(
            volume_id=new_id("vl"),
            device_type=device_type,
            volume_name=volume["volumeName"],
            volume_type=volume["volumeType"],
            disk_type=volume["diskType"],
            interface_type=volume["interfaceType"],
            volume_size=volume["volumeSize"],
            volume_unit=volume["volumeUnit"],
            volume_amount=volume["volumeAmount"],
            raid_can=volume["raidCan"],
            created_by=actor.user_name,
        )
        VolumeRaid.objects.bulk_create(
            VolumeRaid(volume=row, device_type=device_type, raid=raid, created_by=actor.user_name)
            for raid in levels
        )
