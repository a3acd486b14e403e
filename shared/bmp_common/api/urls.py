"""URL patterns every Django service includes, and its error handlers."""

from django.urls import path

from bmp_common.api import views

urlpatterns = [
    path("swagger.json", views.SwaggerJsonView.as_view(), name="swagger-json"),
    path("swagger/", views.SwaggerUiView.as_view(), name="swagger-ui"),
    path("health", views.HealthView.as_view(), name="health"),
    path("v1/health", views.HealthView.as_view(), name="v1-health"),
]

# Services set these in their root urls.py: ``from bmp_common.api.urls import handler404`` ...
handler400 = "bmp_common.api.exceptions.bad_request"
handler403 = "bmp_common.api.exceptions.permission_denied"
handler404 = "bmp_common.api.exceptions.page_not_found"
handler500 = "bmp_common.api.exceptions.server_error"
