"""Reads of the audit trail."""

from __future__ import annotations

from django.db.models import QuerySet

from bmp_openapi.audit.models import AuditLog


def audit_log_list(*, filters: dict) -> QuerySet[AuditLog]:
    queryset = AuditLog.objects.all()
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
