"""Routes that are one openapi operation each, declared in a line (``OperationApi``)."""

from __future__ import annotations

from bmp_common.bff.views import OperationApi


def relay(operations: dict[str, str], **attributes) -> type[OperationApi]:
    """An ``OperationApi`` relaying ``operations`` (method → operationId); ``attributes``:
    ``url_to_path``, ``body_to_path``."""
    names = "_".join(operations.values())
    doc = ", ".join(f"{method.upper()} → openapi {op}" for method, op in operations.items())
    return type(
        f"Relay_{names}_Api",
        (OperationApi,),
        {"operations": operations, "__doc__": doc + ".", **attributes},
    )
