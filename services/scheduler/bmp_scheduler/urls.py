"""Root URLs: the agent gateway and health (this service serves no /v1 contract of openapi's)."""

from django.urls import include, path

from bmp_common.api.urls import handler400, handler403, handler404, handler500  # noqa: F401
from bmp_common.api.views import HealthView

urlpatterns = [
    path("health", HealthView.as_view(), name="health"),
    path("v1/health", HealthView.as_view(), name="v1-health"),
    path("v1/", include("bmp_scheduler.gateway.urls")),
]
