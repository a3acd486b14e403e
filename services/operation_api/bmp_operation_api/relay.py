"""Routes that are one openapi operation each, declared in a line (``OperationApi``): the
BFFs' shared ``relay``, imported from here by this portal's apps."""

from __future__ import annotations

from bmp_common.bff.views import relay

__all__ = ["relay"]
