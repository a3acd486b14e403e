"""Message endpoints (tag ``message``): the caller's own inbox, and the admin's mail settings.

Field names are upstream's: the message and mail objects are snake_case there (its SDK and
consoles read them so); messageIds, messageId and the statistics are camelCase.
"""

from __future__ import annotations

import re

from rest_framework import serializers
from rest_framework.response import Response

from bmp_common.api.paging import PageQuerySerializer, list_result, paginate
from bmp_common.api.serializers import (
    MaskedSecretField,
    StrictCharField,
    StrictSerializer,
    filter_field,
)
from bmp_common.i18n import display_name, request_language
from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi
from bmp_openapi.core.responses import SUCCESS
from bmp_openapi.inbox import selectors, services
from bmp_openapi.inbox.choices import NAMES, SUB_TYPES

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
        return 0  # upstream's console: 1 for an in-band alert's recovery; we raise no such alert

    def get_idc_name(self, message) -> str:
        return self.context.get("related", {}).get("idc_name", "")

    def get_project_name(self, message) -> str:
        return self.context.get("related", {}).get("project_name", "")


class MessageIdsSerializer(StrictSerializer):
    messageIds = serializers.ListField(child=message_id_field(), allow_empty=False, max_length=1000)


class MessageListApi(BmpApi):
    """getMessageList (GET)"""

    rules = {"get": rbac.OWN}

    class FilterSerializer(PageQuerySerializer):
        hasRead = serializers.ChoiceField(choices=["0", "1", ""], required=False)
        messageType = filter_field(64)
        messageSubType = filter_field(1024)
        detail = filter_field(255)

    def get(self, request):
        queryset = selectors.message_list(user=request.user, filters=self.query)
        items, page = paginate(queryset, self.query)
        rows = MessageOutputSerializer(items, many=True, context={"request": request}).data
        return Response(list_result("messages", rows, page))


class MessageDeleteApi(BmpApi):
    """deleteMessage (DELETE)"""

    rules = {"delete": rbac.OWN}
    audit = {"delete": "DeleteMessages"}

    def delete(self, request):
        body = MessageIdsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = body.validated_data["messageIds"]
        self.audit_resource = ids[0] if len(ids) == 1 else ""
        services.messages_delete(user=request.user, message_ids=ids)
        return Response(SUCCESS)


class MessageReadApi(BmpApi):
    """readMessage (PUT)"""

    rules = {"put": rbac.OWN}
    audit = {"put": "ReadMessages"}

    def put(self, request):
        body = MessageIdsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = body.validated_data["messageIds"]
        self.audit_resource = ids[0] if len(ids) == 1 else ""
        services.messages_read(user=request.user, message_ids=ids)
        return Response(SUCCESS)


class MessageByIdApi(BmpApi):
    """getMessageById (GET): the message with the ids of its newer and older neighbours."""

    rules = {"get": rbac.OWN}

    class FilterSerializer(serializers.Serializer):
        messageId = message_id_field()

    def get(self, request):
        message = selectors.message_get(user=request.user, message_id=self.query["messageId"])
        related = selectors.message_related_names(
            message=message, language=request_language(request)
        )
        context = {"request": request, "related": related}
        next_id, prev_id = selectors.message_neighbours(message=message)
        return Response(
            {
                "message": MessageOutputSerializer(message, context=context).data,
                "nextMessageId": next_id,
                "prevMessageId": prev_id,
            }
        )


class MessageTypesApi(BmpApi):
    """getMessageTypes (GET): {type name: [sub-type names]}, in the request language."""

    rules = {"get": rbac.OWN}

    def get(self, request):
        language = request_language(request)
        return Response(
            {
                display_name(NAMES, message_type, language): [
                    display_name(NAMES, sub_type, language) for sub_type in sub_types
                ]
                for message_type, sub_types in SUB_TYPES.items()
            }
        )


class HasUnreadMessageApi(BmpApi):
    """hasUnreadMessage (GET)"""

    rules = {"get": rbac.OWN}

    def get(self, request):
        return Response({"hasUnread": selectors.message_has_unread(user=request.user)})


class MessageStatisticApi(BmpApi):
    """getMessageStatistic (GET): totals and unread counts, overall and per type."""

    rules = {"get": rbac.OWN}

    def get(self, request):
        language = request_language(request)
        counts = selectors.message_statistic(user=request.user)
        return Response(
            {
                "totalCount": counts["total"],
                "unreadCount": counts["unread"],
                "messageTypes": [
                    {
                        "messageType": row["message_type"],
                        "messageTypeName": display_name(NAMES, row["message_type"], language),
                        "totalCount": row["total"],
                        "unreadCount": row["unread"],
                    }
                    for row in counts["per_type"]
                ],
            }
        )


# The mail settings: the platform admin's.


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


class MailDetailApi(BmpApi):
    """mailDetail (GET): the SMTP settings, the password masked."""

    rules = {"get": rbac.ADMIN_ONLY}

    def get(self, request):
        return Response(MailOutputSerializer(selectors.mail_settings_get()).data)


class StrictChoiceField(serializers.ChoiceField):
    """One of the given strings, and only a string (ChoiceField would take 1 for "1")."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class SaveIsPushMailApi(BmpApi):
    """saveIsPushMail (POST): whether alerts are also mailed."""

    rules = {"post": rbac.ADMIN_ONLY}
    audit = {"post": "SaveIsPushMail"}

    class InputSerializer(StrictSerializer):
        is_push = StrictChoiceField(choices=["0", "1"])

    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.mail_push_save(is_push=body.validated_data["is_push"] == "1", actor=request.user)
        return Response(SUCCESS)


class DialMailApi(BmpApi):
    """dialMail (POST): saves the SMTP settings and sends a test mail with them."""

    rules = {"post": rbac.ADMIN_ONLY}
    audit = {"post": "DialMail"}

    class InputSerializer(StrictSerializer):
        server_addr = pattern_field(HOST, 253, "host name or IP address")
        server_port = pattern_field(PORT, 5, "port (1-65535)")
        admin_addr = pattern_field(EMAIL, 255, "mail address")
        admin_pass = StrictCharField(min_length=1, max_length=128, trim_whitespace=False)
        to = pattern_field(EMAILS, 1024, "list of mail addresses")

    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        services.mail_dial(
            server_addr=data["server_addr"],
            server_port=int(data["server_port"]),
            admin_addr=data["admin_addr"],
            admin_pass=data["admin_pass"],
            recipients=[address.strip() for address in data["to"].split(",")],
            actor=request.user,
        )
        return Response(SUCCESS)
