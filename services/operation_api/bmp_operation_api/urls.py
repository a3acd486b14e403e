"""operation-api's routes: upstream bmp-operation-api's paths (the operator console's nginx
serves them under /operation-web/), plus the routes every BFF has.

MERGE NOTE (h/excel): minimal; h/opsapi's full route list replaces this file. Keep
DEVICE_IMPORT and UPLOADS, before any ``devices/<id>`` or ``images/<id>`` pattern.
"""

from bmp_common.bff.views import bff_urlpatterns
from bmp_operation_api.device_import.urls import ROUTES as DEVICE_IMPORT
from bmp_operation_api.uploads.urls import ROUTES as UPLOADS

handler400 = "bmp_common.api.exceptions.bad_request"
handler403 = "bmp_common.api.exceptions.permission_denied"
handler404 = "bmp_common.api.exceptions.page_not_found"
handler500 = "bmp_common.api.exceptions.server_error"

urlpatterns = [*bff_urlpatterns(), *DEVICE_IMPORT, *UPLOADS]
