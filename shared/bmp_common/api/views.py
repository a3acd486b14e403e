"""Views every Django service serves: the contract, its browsable UI, and health."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from bmp_common import errors, health
from bmp_common.contract import contract_json
from bmp_common.errors import BmpError


class SwaggerJsonView(APIView):
    """The hand-written contract as JSON (not enveloped: it is a document, not an answer)."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    schema = None

    def get(self, request):
        profile = getattr(settings, "BMP_CONTRACT_PROFILE", None)
        return HttpResponse(contract_json(profile), content_type="application/json")


class SwaggerUiView(SpectacularSwaggerView):
    """Swagger UI (assets from drf-spectacular-sidecar, served locally) over /swagger.json."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    url = "/swagger.json"
    schema = None


class HealthView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get(self, request):
        results = health.run_checks()
        failed = {name: reason for name, reason in results.items() if reason}
        if failed:
            detail = ", ".join(f"{name}: {reason}" for name, reason in failed.items())
            raise BmpError(errors.UNAVAILABLE, detail=detail)
        return Response(
            {
                "status": "ok",
                "service": settings.BMP_SERVICE,
                "checks": dict.fromkeys(results, "ok"),
            }
        )
