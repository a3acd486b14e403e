"""Serializers of the SSH key endpoints."""

from __future__ import annotations

from rest_framework import serializers

from bmp_common.api.fields import LocalTimeField, row_id_field


class SshKeyOutputSerializer(serializers.Serializer):
    id = row_id_field()
    sshkeyId = serializers.CharField(source="sshkey_id")
    name = serializers.CharField()
    key = serializers.CharField()
    keyType = serializers.CharField(source="key_type")
    fingerPrint = serializers.CharField(source="finger_print")
    fingerPrintMd5 = serializers.CharField(source="finger_print_md5")
    userId = serializers.CharField(source="user.user_id")
    createdBy = serializers.CharField(source="created_by")
    createdTime = LocalTimeField(source="created_at")
    updatedBy = serializers.CharField(source="updated_by")
    updatedTime = LocalTimeField(source="updated_at")
