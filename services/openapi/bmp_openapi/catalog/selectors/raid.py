from __future__ import annotations

from django.db.models import QuerySet

from bmp_common.errors import BmpError
from bmp_openapi.catalog.error_codes import RAID_NOT_FOUND
from bmp_openapi.catalog.models import Raid


def raid_list() -> QuerySet[Raid]:
    return Raid.objects.all()


def raid_get(*, raid_id: str) -> Raid:
    found = Raid.objects.filter(raid_id=raid_id).first()
    if found is None:
        raise BmpError(RAID_NOT_FOUND, raid_id=raid_id)
    return found


def raid_by_name(name: str) -> Raid | None:
    return Raid.objects.filter(name=name).first()
