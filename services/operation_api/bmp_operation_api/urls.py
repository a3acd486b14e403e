"""operation-api's routes: upstream bmp-operation-api's paths (the portal's nginx serves them
under /operation-web/), plus the routes every BFF has (login, logout, health, /custom/*,
/events) and oob-alert's console routes under /oob-alert/ (``oob``).

Each app's ROUTES holds its literal paths before its patterns; an app whose literal paths a
pattern of another would take (``devices/upload`` and ``devices/<id>``) comes before it."""

from bmp_common.bff.views import bff_urlpatterns
from bmp_operation_api.accounts.urls import ROUTES as ACCOUNTS
from bmp_operation_api.audit.urls import ROUTES as AUDIT
from bmp_operation_api.catalog.urls import ROUTES as CATALOG
from bmp_operation_api.device_import.urls import ROUTES as DEVICE_IMPORT
from bmp_operation_api.devices.urls import ROUTES as DEVICES
from bmp_operation_api.idcs.urls import ROUTES as IDCS
from bmp_operation_api.images.urls import ROUTES as IMAGES
from bmp_operation_api.inbox.urls import ROUTES as INBOX
from bmp_operation_api.instances.urls import ROUTES as INSTANCES
from bmp_operation_api.jobs.urls import ROUTES as JOBS
from bmp_operation_api.monitoring.urls import ROUTES as MONITORING
from bmp_operation_api.oob.urls import ROUTES as OOB
from bmp_operation_api.uploads.urls import ROUTES as UPLOADS

# The envelope for what never reaches a view (as console-api).
handler400 = "bmp_common.api.exceptions.bad_request"
handler403 = "bmp_common.api.exceptions.permission_denied"
handler404 = "bmp_common.api.exceptions.page_not_found"
handler500 = "bmp_common.api.exceptions.server_error"

urlpatterns = [
    *bff_urlpatterns(),
    *ACCOUNTS,
    *IDCS,
    *CATALOG,
    *UPLOADS,
    *IMAGES,
    *DEVICE_IMPORT,
    *DEVICES,
    *INSTANCES,
    *JOBS,
    *INBOX,
    *AUDIT,
    *MONITORING,
    *OOB,
]
