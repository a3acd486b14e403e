"""Serializers of the job endpoints."""

from __future__ import annotations

from rest_framework import serializers

from bmp_common.api.fields import LocalTimeField


class JobOutputSerializer(serializers.Serializer):
    jobId = serializers.CharField(source="job_id")
    task = serializers.CharField()
    status = serializers.SerializerMethodField()
    idcId = serializers.CharField(source="idc_id")
    deviceId = serializers.CharField(source="device_id")
    sn = serializers.CharField()
    instanceId = serializers.CharField(source="instance_id")
    action = serializers.CharField()
    reason = serializers.CharField()
    message = serializers.CharField()
    createdBy = serializers.CharField(source="created_by")
    createdTime = LocalTimeField(source="created_at")
    updatedTime = LocalTimeField(source="updated_at")
    finishedTime = LocalTimeField(source="finished_at", allow_null=True)

    def get_status(self, job):
        return self.context["statuses"][job.job_id]
