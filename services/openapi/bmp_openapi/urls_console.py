"""The console profile's URLs, for tests that exercise both profiles in one process."""

from bmp_common.api.urls import handler400, handler403, handler404, handler500  # noqa: F401
from bmp_openapi.core.rbac import CONSOLE
from bmp_openapi.urls import urlpatterns_for

urlpatterns = urlpatterns_for(CONSOLE)
