"""Writes of RAID levels. The seeded levels (NO RAID, RAID0, RAID1, RAID10, RAID5) are what
instances are built with: their names are fixed, only their descriptions may change."""

from __future__ import annotations

import re

from django.db import transaction

from bmp_common.db import unique_or_conflict
from bmp_common.errors import BmpError
from bmp_common.ids import new_id
from bmp_common.messages.jobs import NO_RAID_ID
from bmp_common.unset import UNSET, Unset, assign_given
from bmp_openapi.catalog.choices import RAID_NO_RAID
from bmp_openapi.catalog.error_codes import RAID_BUILT_IN, RAID_IN_USE, RAID_NAME_TAKEN
from bmp_openapi.catalog.models import Raid, VolumeRaid

BUILT_IN_RAID_IDS = frozenset(
    {
        NO_RAID_ID,
        "r-sfykwibcvcyztuez3mk1klyha9nn",  # RAID0
        "r-wtzluqacgzzxgunnabdkpnpjew3d",  # RAID1
        "r-l6pounvfife0njlinhk6ztf2xyio",  # RAID10
        "r-493obv9i0fyubxfgnuatrffj5qy0",  # RAID5
    }
)
_NO_RAID_SPELLINGS = re.compile(r"no[\s_-]*raid", re.IGNORECASE)


def canonical_raid_name(name: str) -> str:
    """One spelling of "no RAID": upstream's "NORAID" and its variants become "NO RAID"."""
    return RAID_NO_RAID if _NO_RAID_SPELLINGS.fullmatch(name.strip()) else name


def _check_name_free(name: str, exclude_pk: int | None = None) -> None:
    if Raid.objects.filter(name=name).exclude(pk=exclude_pk).exists():
        raise BmpError(RAID_NAME_TAKEN, name=name)


def _live_links(raid: Raid):
    return VolumeRaid.objects.filter(raid=raid, volume__device_type__delete_marker=0)


@transaction.atomic(durable=True)
def raid_create(*, name: str, description_en: str = "", description_zh: str = "", actor) -> Raid:
    raid = Raid(
        raid_id=new_id("r"),
        name=canonical_raid_name(name),
        description_en=description_en,
        description_zh=description_zh,
        created_by=actor.user_name,
        updated_by=actor.user_name,
    )
    _check_name_free(raid.name)
    with unique_or_conflict(RAID_NAME_TAKEN, name=raid.name):
        raid.save()
    return raid


@transaction.atomic(durable=True)
def raid_modify(
    *,
    raid: Raid,
    name: str | Unset = UNSET,
    description_en: str | Unset = UNSET,
    description_zh: str | Unset = UNSET,
    actor,
) -> Raid:
    """A built-in level keeps its name; its descriptions may change."""
    locked = Raid.objects.select_for_update().get(pk=raid.pk)
    if name is not UNSET:
        name = canonical_raid_name(name)
        if name != locked.name:
            if locked.raid_id in BUILT_IN_RAID_IDS:
                raise BmpError(RAID_BUILT_IN, name=locked.name)
            _check_name_free(name, exclude_pk=locked.pk)
    changed = assign_given(
        locked, name=name, description_en=description_en, description_zh=description_zh
    )
    locked.updated_by = actor.user_name
    with unique_or_conflict(RAID_NAME_TAKEN, name=locked.name):
        locked.save(update_fields=[*changed, "updated_by", "updated_at"])
    return locked


@transaction.atomic(durable=True)
def raid_delete(*, raid: Raid, actor) -> None:
    locked = Raid.objects.select_for_update().get(pk=raid.pk)
    if locked.raid_id in BUILT_IN_RAID_IDS:
        raise BmpError(RAID_BUILT_IN, name=locked.name)
    count = _live_links(locked).count()
    if count:
        raise BmpError(RAID_IN_USE, raid_id=locked.raid_id, count=count)
    locked.mark_deleted(actor=actor.user_name)
