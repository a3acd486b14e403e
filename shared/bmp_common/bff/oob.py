"""Out-of-band monitoring in the consoles: oob-alert's routes relayed by the BFF as the session's
user.

Upstream's SPAs called ``/oob-alert/v1/oob-alert/<route>`` and their nginx sent that prefix to
oob-alert, which took a cookie as identity. Here the consoles' nginx sends ``/oob-alert/`` to
their BFF, which serves the same paths (method, query and body as upstream's SPAs send them)
behind the session (402 without one) and CSRF, and calls oob-alert with the system key and
``bmpUserId`` (``bmp_common.oob_alert``); oob-alert keeps a tenant to the devices of the
instances openapi shows them. Each portal lists its routes::

    ROUTES = oob_urlpatterns(CONSOLE_ROUTES)
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.http import StreamingHttpResponse
from rest_framework.response import Response

from bmp_common.bff.openapi import caller_for
from bmp_common.bff.views import BffApi, route
from bmp_common.contract.client import system_key_file
from bmp_common.oob_alert import PREFIX, Download, OobAlertClient, oob_query

# Where the BFF serves them: the consoles' nginx keeps the /oob-alert/ prefix.
URL_PREFIX = "oob-alert" + PREFIX


@lru_cache(maxsize=1)
def oob_alert() -> OobAlertClient:
    """oob-alert as the BFFs call it, with the ``system`` key from ``BMP_SYSTEM_API_KEY_FILE``."""
    return OobAlertClient(
        settings.BMP_BFF_OOB_ALERT_URL,
        key_file=system_key_file(),
        timeout=settings.BMP_BFF_OOB_ALERT_TIMEOUT,
    )


def download_response(download: Download) -> StreamingHttpResponse:
    response = StreamingHttpResponse(download.chunks, content_type=download.content_type)
    response["Content-Disposition"] = download.disposition
    return response


class OobAlertApi(BffApi):
    """One oob-alert route (``route``, under /v1/oob-alert/), its ``methods`` relayed."""

    route = ""
    methods: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for method in cls.methods:
            setattr(cls, method.lower(), cls.relay)

    def relay(self, request, **kwargs):
        answer = oob_alert().call(
            request.method,
            self.route,
            caller=caller_for(request),
            query=oob_query(request.query_params),
            body=request.data if request.method != "GET" else None,
        )
        if isinstance(answer, Download):
            return download_response(answer)
        return Response(answer)


def oob_urlpatterns(routes: frozenset[tuple[str, str]]) -> list:
    """One URL per oob-alert route of ``routes`` ((method, route) pairs), under /oob-alert/."""
    methods: dict[str, list[str]] = {}
    for method, path in sorted(routes):
        methods.setdefault(path, []).append(method)
    return [
        route(
            URL_PREFIX + path,
            type(
                f"OobAlert_{path.replace('/', '_').replace('-', '_')}_Api",
                (OobAlertApi,),
                {
                    "route": path,
                    "methods": tuple(verbs),
                    "__doc__": f"{', '.join(verbs)} /oob-alert{PREFIX}{path} → oob-alert.",
                },
            ).as_view(),
        )
        for path, verbs in methods.items()
    ]
