"""What the catalog answers the apps below it (``core.events``, connected in
``CatalogConfig.ready``)."""

from __future__ import annotations

from bmp_openapi.catalog.models import DeviceType
from bmp_openapi.core import events


def idc_in_use(sender, *, idc, **kwargs):
    """An IDC with device types is not deleted."""
    return ("device types", "机型") if DeviceType.objects.filter(idc=idc).exists() else None


def connect() -> None:
    events.idc_in_use.connect(idc_in_use, dispatch_uid="catalog.idc_in_use")
