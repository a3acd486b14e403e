"""In-site messages (upstream's /messages/*, without the operator's mail settings)."""

from __future__ import annotations

from bmp_common.bff.excel import Column, Export, unix_time
from bmp_common.bff.views import OperationApi

# Upstream's message export (bmp-console-api ExportMessage); times in UTC.
MESSAGE_COLUMNS = (
    Column("消息内容", "message content", "detail"),
    Column("接收时间", "time", unix_time("finish_time")),
    Column("消息类型", "message type", "message_type_name"),
    Column("消息子类型", "message subtype", "message_sub_type_name"),
)


def _relay(method: str, operation_id: str, **attributes) -> type[OperationApi]:
    return type(
        f"Message_{operation_id}_Api",
        (OperationApi,),
        {
            "operations": {method: operation_id},
            "__doc__": f"→ openapi {operation_id}.",
            **attributes,
        },
    )


MESSAGES = {
    "": _relay("get", "getMessageList", export=Export("message_list", "messages", MESSAGE_COLUMNS)),
    "hasUnreadMessage": _relay("get", "hasUnreadMessage"),
    "statistic": _relay("get", "getMessageStatistic"),
    "doRead": _relay("put", "readMessage"),
    "delete": _relay("delete", "deleteMessage"),
    "getMessageById": _relay("get", "getMessageById"),
    "getMessageTypes": _relay("get", "getMessageTypes"),
}
