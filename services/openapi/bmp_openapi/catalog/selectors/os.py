from __future__ import annotations

from django.db.models import QuerySet

from bmp_common.errors import BmpError
from bmp_openapi.catalog.error_codes import OS_NOT_FOUND
from bmp_openapi.catalog.models import Os

FILTERS = {"osName": "os_name", "osType": "os_type", "osVersion": "os_version"}


def os_list(*, filters: dict) -> QuerySet[Os]:
    queryset = Os.objects.all()
    for field, column in FILTERS.items():
        if filters.get(field):
            queryset = queryset.filter(**{column: filters[field]})
    return queryset


def os_get(*, os_id: str) -> Os:
    found = Os.objects.filter(os_id=os_id).first()
    if found is None:
        raise BmpError(OS_NOT_FOUND, os_id=os_id)
    return found
