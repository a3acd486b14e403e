from bmp_openapi.core.routing import api
from bmp_openapi.inbox import apis

ROUTES = [
    api("messages", apis.MessageListApi, "messages"),
    api("messages/delete", apis.MessageDeleteApi, "messages-delete"),
    api("messages/doRead", apis.MessageReadApi, "messages-read"),
    api("messages/getMessageById", apis.MessageByIdApi, "message-by-id"),
    api("messages/getMessageTypes", apis.MessageTypesApi, "message-types"),
    api("messages/hasUnreadMessage", apis.HasUnreadMessageApi, "messages-has-unread"),
    api("messages/statistic", apis.MessageStatisticApi, "messages-statistic"),
    api("messages/mailDetail", apis.MailDetailApi, "mail-detail"),
    api("messages/saveIsPushMail", apis.SaveIsPushMailApi, "mail-push"),
    api("messages/dialMail", apis.DialMailApi, "mail-dial"),
]
