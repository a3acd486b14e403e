from __future__ import annotations

from rest_framework import serializers

from bmp_common.api.serializers import StrictItemSerializer, StrictSerializer
from bmp_openapi.devices.fields import VisibleNameField
from bmp_openapi.oob.models import COMPONENTS, HEALTH_FAULT, HEALTH_OK


class HealthSerializer(StrictSerializer):
    deviceId = VisibleNameField(64)
    health = serializers.DictField(
        child=serializers.ChoiceField(choices=[HEALTH_OK, HEALTH_FAULT]), allow_empty=False
    )

    def validate_health(self, value):
        unknown = sorted(set(value) - set(COMPONENTS))
        if unknown:
            raise serializers.ValidationError(f"unknown components: {', '.join(unknown)}")
        return value


class FaultSerializer(StrictItemSerializer):
    alertName = serializers.CharField(max_length=64)
    faultType = serializers.CharField(max_length=64)
    level = serializers.CharField(max_length=16)
    content = serializers.CharField(max_length=1024)
    logid = serializers.IntegerField(min_value=0)
    alertTime = serializers.DateTimeField()
    alertCount = serializers.IntegerField(min_value=1, default=1)
    push = serializers.BooleanField(default=False)


class NoticesSerializer(StrictSerializer):
    deviceId = VisibleNameField(64)
    faults = FaultSerializer(many=True, allow_empty=False, max_length=100)
