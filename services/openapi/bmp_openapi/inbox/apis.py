"""Message endpoints (tag ``message``): the caller's own inbox, and the admin's mail settings.

Field names are upstream's: the message and mail objects are snake_case there (its SDK and
consoles read them so); messageIds, messageId and the statistics are camelCase.
"""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response

from bmp_common.api.paging import PageQuerySerializer, list_result, paginate
from bmp_common.api.serializers import (
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
from bmp_openapi.inbox.serializers import (
    EMAIL,
    EMAILS,
    HOST,
    PORT,
    MailOutputSerializer,
    MessageIdsSerializer,
    MessageOutputSerializer,
    StrictChoiceField,
    message_id_field,
    pattern_field,
)


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


class MailDetailApi(BmpApi):
    """mailDetail (GET): the SMTP settings, the password masked."""

    rules = {"get": rbac.ADMIN_ONLY}

    def get(self, request):
        return Response(MailOutputSerializer(selectors.mail_settings_get()).data)


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
