"""Root URLs of the profile this process serves (``BMP_OPENAPI_PROFILE``)."""

from django.conf import settings
from django.urls import include, path

from bmp_common.api.urls import handler400, handler403, handler404, handler500  # noqa: F401
from bmp_common.api.urls import urlpatterns as common_urlpatterns
from bmp_openapi.accounts.urls import ROUTES as ACCOUNTS
from bmp_openapi.audit.urls import ROUTES as AUDIT
from bmp_openapi.catalog.urls import ROUTES as CATALOG
from bmp_openapi.core.routing import build_urlpatterns
from bmp_openapi.devices.urls import ROUTES as DEVICES
from bmp_openapi.idcs.urls import ROUTES as IDCS
from bmp_openapi.inbox.urls import ROUTES as INBOX
from bmp_openapi.instances.urls import ROUTES as INSTANCES
from bmp_openapi.jobs.urls import ROUTES as JOBS
from bmp_openapi.monitoring.urls import ROUTES as MONITORING
from bmp_openapi.oob.urls import ROUTES as OOB
from bmp_openapi.projects.urls import ROUTES as PROJECTS
from bmp_openapi.resources.urls import ROUTES as RESOURCES
from bmp_openapi.sshkeys.urls import ROUTES as SSHKEYS

# Every app's routes; each is served on the profiles its rules allow. Literal paths come before
# patterns that could swallow them (devices/stock before devices/<device_id>) within each app.
ROUTES = [*ACCOUNTS, *AUDIT, *IDCS, *PROJECTS, *SSHKEYS, *CATALOG, *DEVICES, *INBOX, *RESOURCES]
ROUTES += [*INSTANCES, *JOBS, *MONITORING, *OOB]


def urlpatterns_for(profile: str) -> list:
    return [*common_urlpatterns, path("v1/", include(build_urlpatterns(profile, ROUTES)))]


urlpatterns = urlpatterns_for(settings.BMP_OPENAPI_PROFILE)
