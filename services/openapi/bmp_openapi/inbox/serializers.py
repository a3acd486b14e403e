"""Serializers of the message endpoints, with upstream's field names: the message and mail
objects are snake_case there, messageIds and messageId camelCase."""

from __future__ import annotations

import re

from rest_framework import serializers

from bmp_common.api.serializers import (
    MaskedSecretField,
    StrictCharField,
    StrictSerializer,
)
from bmp_common.i18n import display_name, request_language
from bmp_openapi.inbox.choices import NAMES

# Patterns the contract repeats (there with ^...$): matched whole, untrimmed, so that what the
# contract refuses is refused here too.
MESSAGE_ID = r"[A-Za-z0-9_-]+"
HOST = r"[A-Za-z0-9:]([A-Za-z0-9.:-]{0,251}[A-Za-z0-9])?"
PORT = r"[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]"
EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"
EMAILS = rf"{EMAIL}( *, *{EMAIL})*"


def pattern_field(pattern: str, max_length: int, what: str, **kwargs) -> StrictCharField:
    compiled = re.compile(pattern)

    def whole_match(value: str) -> None:
        if not compiled.fullmatch(value):
            raise serializers.ValidationError(f"not a valid {what}")

    return StrictCharField(
        max_length=max_length, trim_whitespace=False, validators=[whole_match], **kwargs
    )


def message_id_field() -> StrictCharField:
    return pattern_field(MESSAGE_ID, 64, "message id")


RECOVERY_MARKS = ("[recovered]", "【恢复】")


class EpochField(serializers.Field):
    """A datetime as upstream's unix seconds; 0 when unset."""

    def __init__(self, attribute: str, **kwargs):
        self.attribute = attribute
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance):
        value = getattr(instance, self.attribute)
        return int(value.timestamp()) if value else 0


class MessageOutputSerializer(serializers.Serializer):
    message_id = serializers.CharField()
    user_id = serializers.CharField(source="user.user_id")
    user_name = serializers.CharField(source="user.user_name")
    message_type = serializers.CharField()
    message_type_name = serializers.SerializerMethodField()
    message_sub_type = serializers.CharField()
    message_sub_type_name = serializers.SerializerMethodField()
    resource_type = serializers.CharField()
    result = serializers.CharField()
    finish_time = EpochField("finish_time")
    has_read = serializers.SerializerMethodField()
    is_del = serializers.SerializerMethodField()
    is_recover = serializers.SerializerMethodField()
    detail = serializers.CharField()
    content = serializers.CharField()
    instance_id = serializers.CharField()
    instance_name = serializers.CharField()
    sn = serializers.CharField()
    device_id = serializers.CharField()
    idc_id = serializers.CharField()
    idc_name = serializers.SerializerMethodField()
    project_id = serializers.CharField()
    project_name = serializers.SerializerMethodField()
    fault_type = serializers.CharField()
    logid = serializers.CharField()
    alert_time = EpochField("alert_time")
    alert_count = serializers.IntegerField()
    rule_id = serializers.CharField()
    rule_name = serializers.CharField()
    license_name = serializers.CharField()
    license_number = serializers.CharField()
    license_start_time = EpochField("license_start_time")
    license_end_time = EpochField("license_end_time")

    def _language(self) -> str:
        return request_language(self.context.get("request"))

    def get_message_type_name(self, message) -> str:
        return display_name(NAMES, message.message_type, self._language())

    def get_message_sub_type_name(self, message) -> str:
        return display_name(NAMES, message.message_sub_type, self._language())

    def get_has_read(self, message) -> int:
        return int(message.has_read)

    def get_is_del(self, message) -> int:
        return 0  # upstream's soft-delete flag: answers hold live messages only

    def get_is_recover(self, message) -> int:
        # Upstream's console: 1 for an in-band alert's recovery notice, whose text the
        # monitoring app starts with its recovery mark (monitoring.notify.alert_text).
        recovery = message.message_type == "inbond-alert" and message.content.startswith(
            RECOVERY_MARKS
        )
        return 1 if recovery else 0

    def get_idc_name(self, message) -> str:
        return self.context.get("related", {}).get("idc_name", "")

    def get_project_name(self, message) -> str:
        return self.context.get("related", {}).get("project_name", "")


class MessageIdsSerializer(StrictSerializer):
    messageIds = serializers.ListField(child=message_id_field(), allow_empty=False, max_length=1000)


def _flag(value: bool | None) -> str:
    return "" if value is None else str(int(value))


class MailOutputSerializer(serializers.Serializer):
    server_addr = serializers.CharField()
    server_port = serializers.SerializerMethodField()
    admin_addr = serializers.CharField()
    admin_pass = MaskedSecretField(source="admin_pass_encrypted")
    to = serializers.CharField()
    is_push = serializers.SerializerMethodField()
    is_pass = serializers.SerializerMethodField()

    def get_server_port(self, mail) -> str:
        return "" if mail.server_port is None else str(mail.server_port)

    def get_is_push(self, mail) -> str:
        return _flag(mail.is_push)

    def get_is_pass(self, mail) -> str:
        return _flag(mail.is_pass)


class StrictChoiceField(serializers.ChoiceField):
    """One of the given strings, and only a string (ChoiceField would take 1 for "1")."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)
