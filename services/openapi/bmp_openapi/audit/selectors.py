"""Reads of the audit trail."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from bmp_common import errors
from bmp_common.errors import BmpError
from bmp_openapi.audit.models import AuditLog
from bmp_openapi.core import events
from bmp_openapi.core.scoping import sees_fleet


def _visible(actor) -> QuerySet[AuditLog]:
    """Staff on the operation profile read the whole trail; anyone else the entries of the
    instances they may see (upstream's console showed an instance's "operation log"), whoever
    made them."""
    if sees_fleet(actor):
        return AuditLog.objects.all()
    mine = Q(pk__in=[])
    for visible_ids in events.answers(events.instance_ids_visible, AuditLog, principal=actor):
        mine |= Q(instance_id__in=visible_ids)
    return AuditLog.objects.filter(mine).exclude(instance_id="")


def audit_log_list(*, actor, filters: dict) -> QuerySet[AuditLog]:
    """describeAuditLogs. ``instance_id`` names one instance: for a caller who does not see
    the fleet, one they may see (404 otherwise, as its detail would answer)."""
    queryset = _visible(actor)
    instance_id = filters.get("instance_id")
    if instance_id:
        if not sees_fleet(actor) and not _sees_instance(actor, instance_id):
            raise BmpError(errors.NOT_FOUND, detail=instance_id)
        queryset = queryset.filter(instance_id=instance_id)
    if filters.get("sn"):
        queryset = queryset.filter(sn=filters["sn"])
    if filters.get("operation"):
        queryset = queryset.filter(operation=filters["operation"])
    if filters.get("username"):
        queryset = queryset.filter(user_name=filters["username"])
    if filters.get("result"):
        queryset = queryset.filter(result=filters["result"])
    if filters.get("startTime"):
        queryset = queryset.filter(operate_time__gte=filters["startTime"])
    if filters.get("endTime"):
        queryset = queryset.filter(operate_time__lte=filters["endTime"])
    return queryset


def _sees_instance(actor, instance_id: str) -> bool:
    return any(
        visible_ids.filter(instance_id=instance_id).exists()
        for visible_ids in events.answers(events.instance_ids_visible, AuditLog, principal=actor)
    )
