"""Serializers of the audit endpoints: upstream's AuditLog (times in Unix seconds)."""

from __future__ import annotations

import datetime

from rest_framework import serializers

from bmp_common.api.fields import UnixSecondsField, row_id_field
from bmp_common.i18n import ZH_CN, request_language
from bmp_openapi.audit.choices import OPERATIONS
from bmp_openapi.core.scoping import FleetFieldsMixin, sees_fleet


def operation_name(operation: str, language: str) -> str:
    english, chinese = OPERATIONS.get(operation, (operation, operation))
    return chinese if language == ZH_CN else english


class UnixTimeField(serializers.IntegerField):
    """Unix seconds in, an aware datetime out (range-checked before the conversion)."""

    MAX_SECONDS = 32503680000  # year 3000

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_internal_value(self, data):
        seconds = super().to_internal_value(data)
        if not 0 <= seconds <= self.MAX_SECONDS:
            raise serializers.ValidationError(f"must be between 0 and {self.MAX_SECONDS}")
        return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)


class AuditLogOutputSerializer(FleetFieldsMixin, serializers.Serializer):
    """An entry. Who made it (``userID``, ``userName``) is shown on the console too: a tenant
    reads who acted on their instance, as upstream's console showed. The API key is the
    operators' to know; and a failed job's text is the driver's (it may name the BMC), so the
    console shows its reason code instead."""

    fleet_only_fields = ("apiKeyId",)

    id = row_id_field()
    logid = serializers.CharField()
    sn = serializers.CharField()
    deviceId = serializers.CharField(source="device_id")
    instanceId = serializers.CharField(source="instance_id")
    resourceId = serializers.CharField(source="resource_id")
    operation = serializers.CharField()
    operationName = serializers.SerializerMethodField()
    userID = serializers.CharField(source="user_id")
    userName = serializers.CharField(source="user_name")
    apiKeyId = serializers.CharField(source="apikey_id")
    result = serializers.CharField()
    failReason = serializers.SerializerMethodField()
    operateTime = UnixSecondsField(source="operate_time")
    finishTime = UnixSecondsField(source="finish_time")

    def get_failReason(self, entry) -> str:
        request = self.context["request"]
        if entry.fail_code and not sees_fleet(request.user):
            return entry.fail_code
        return entry.fail_reason

    def get_operationName(self, entry):
        return operation_name(entry.operation, request_language(self.context["request"]))
