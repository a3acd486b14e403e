"""The BFF's one contract client, and the ``Caller`` a request makes its calls as."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from bmp_common.contract.client import Caller, OpenapiClient, system_key_file
from bmp_common.i18n import header_language


@lru_cache(maxsize=1)
def openapi() -> OpenapiClient:
    """openapi as this BFF's portal calls it (console: the console profile), with the
    ``system`` key from ``BMP_SYSTEM_API_KEY_FILE``."""
    return OpenapiClient(
        settings.BMP_BFF_OPENAPI_URL,
        key_file=system_key_file(),
        profile=settings.BMP_PORTAL.openapi_profile,
        timeout=settings.BMP_BFF_OPENAPI_TIMEOUT,
    )


def caller_for(request, *, user_id: str | None = None, client_ip: str = "") -> Caller:
    """The session's user (or ``user_id``; "" before login), the request's language cookie
    and trace id."""
    if user_id is None:
        user = getattr(request, "bmp_session_user", None)
        user_id = user.user_id if user is not None else ""
    return Caller(
        user_id=user_id,
        language=header_language(request) or "",
        trace_id=getattr(request, "trace_id", ""),
        client_ip=client_ip,
    )
