"""In-site messages (upstream's /messages/*, without the operator's mail settings)."""

from __future__ import annotations

from bmp_common.bff.views import OperationApi


def _relay(method: str, operation_id: str) -> type[OperationApi]:
    return type(
        f"Message_{operation_id}_Api",
        (OperationApi,),
        {"operations": {method: operation_id}, "__doc__": f"→ openapi {operation_id}."},
    )


MESSAGES = {
    "": _relay("get", "getMessageList"),
    "hasUnreadMessage": _relay("get", "hasUnreadMessage"),
    "statistic": _relay("get", "getMessageStatistic"),
    "doRead": _relay("put", "readMessage"),
    "delete": _relay("delete", "deleteMessage"),
    "getMessageById": _relay("get", "getMessageById"),
    "getMessageTypes": _relay("get", "getMessageTypes"),
}
