"""Reads of oob-alert, scoped to what the caller may see."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from bmp_oob_alert.faults.models import FaultLog, FaultRule, MonitoredDevice

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def _visible_devices(principal) -> QuerySet[MonitoredDevice]:
    devices = MonitoredDevice.objects.all()
    if not principal.staff:
        devices = devices.filter(device_id__in=list(principal.devices or {}))
    return devices


def device_list(*, principal, idc_id: str = "", sn: str = "") -> QuerySet[MonitoredDevice]:
    devices = _visible_devices(principal)
    if idc_id:
        devices = devices.filter(idc_id=idc_id)
    if sn:
        devices = devices.filter(sn=sn)
    return devices.order_by("id")


def _when(text: str) -> dt.datetime | None:
    if not text:
        return None
    for layout in (TIME_FORMAT, "%Y-%m-%d"):
        try:
            return timezone.make_aware(dt.datetime.strptime(text, layout), dt.UTC)
        except ValueError:
            continue
    return None


def fault_list(*, principal, filters: dict) -> QuerySet[FaultLog]:
    faults = FaultLog.objects.select_related("device", "rule").filter(
        device__in=_visible_devices(principal)
    )
    if filters.get("idc_id"):
        faults = faults.filter(device__idc_id=filters["idc_id"])
    if filters.get("sn"):
        faults = faults.filter(sn=filters["sn"])
    if filters.get("level"):
        faults = faults.filter(level=filters["level"])
    if filters.get("spec"):
        faults = faults.filter(parts=filters["spec"])
    if start := _when(filters.get("start_time", "")):
        faults = faults.filter(event_time__gte=start)
    if end := _when(filters.get("end_time", "")):
        faults = faults.filter(event_time__lte=end)
    if filters.get("deal_status") in ("0", "1"):
        faults = faults.filter(handled=filters["deal_status"] == "1")
    if filters.get("console"):  # the console shows the faults of rules that push, as upstream
        faults = faults.exclude(rule__is_push=False)
    return faults


def rule_list(*, filters: dict) -> QuerySet[FaultRule]:
    rules = FaultRule.objects.all()
    if filters.get("alert_name"):
        rules = rules.filter(name__icontains=filters["alert_name"])
    if filters.get("alert_spec"):
        rules = rules.filter(parts=filters["alert_spec"])
    if filters.get("alert_level"):
        rules = rules.filter(level=filters["alert_level"])
    return rules.order_by("id")


def rule_parts() -> list[str]:
    return list(dict.fromkeys(FaultRule.objects.order_by("id").values_list("parts", flat=True)))


def rule_levels() -> list[str]:
    return list(dict.fromkeys(FaultRule.objects.order_by("id").values_list("level", flat=True)))
