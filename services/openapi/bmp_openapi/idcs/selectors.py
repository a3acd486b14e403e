from __future__ import annotations

from django.db.models import QuerySet

from bmp_common.errors import BmpError
from bmp_openapi.idcs.error_codes import IDC_NOT_FOUND
from bmp_openapi.idcs.models import Idc


def idc_list(*, filters: dict) -> QuerySet[Idc]:
    queryset = Idc.objects.all()
    for field, column in (("name", "name"), ("nameEn", "name_en"), ("level", "level")):
        if filters.get(field):
            queryset = queryset.filter(**{column: filters[field]})
    return queryset


def idc_get(*, idc_id: str) -> Idc:
    idc = Idc.objects.filter(idc_id=idc_id).first()
    if idc is None:
        raise BmpError(IDC_NOT_FOUND, idc_id=idc_id)
    return idc
