"""Audit endpoints (tag ``auditLog``)."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response

from bmp_common.api.paging import PageQuerySerializer, list_result, paginate
from bmp_common.api.serializers import filter_field
from bmp_common.i18n import request_language
from bmp_openapi.audit.choices import OPERATIONS, RESULT_FAIL, RESULT_SUCCESS
from bmp_openapi.audit.selectors import audit_log_list
from bmp_openapi.audit.serializers import AuditLogOutputSerializer, UnixTimeField, operation_name
from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi


class AuditLogListApi(BmpApi):
    """describeAuditLogs: the whole trail for staff; on the console, the entries of the
    instances the caller sees (an instance's "operation log")."""

    rules = {"get": rbac.AUDIT_READ}

    class FilterSerializer(PageQuerySerializer):
        instance_id = filter_field(64)
        sn = filter_field(64)
        operation = filter_field(64)
        username = filter_field(64)
        result = serializers.ChoiceField(choices=[RESULT_SUCCESS, RESULT_FAIL], required=False)
        startTime = UnixTimeField()
        endTime = UnixTimeField()

    def get(self, request):
        entries = audit_log_list(actor=request.user, filters=self.query)
        items, page = paginate(entries, self.query)
        rows = AuditLogOutputSerializer(items, many=True, context={"request": request}).data
        return Response(list_result("auditLogs", rows, page))


class AuditLogTypesApi(BmpApi):
    """describeAuditLogTypes: every operation the trail records, with its display name."""

    rules = {"get": rbac.AUDIT_READ}

    def get(self, request):
        language = request_language(request)
        return Response(
            [{"operation": op, "name": operation_name(op, language)} for op in OPERATIONS]
        )
