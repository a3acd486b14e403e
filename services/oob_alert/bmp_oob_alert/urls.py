from django.urls import include, path

from bmp_common.api.urls import handler400, handler403, handler404, handler500  # noqa: F401
from bmp_common.api.urls import urlpatterns as common_urlpatterns
from bmp_oob_alert.faults import urls as fault_urls

urlpatterns = [*common_urlpatterns, path("", include(fault_urls.urlpatterns))]
