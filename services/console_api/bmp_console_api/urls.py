"""console-api's routes: upstream bmp-console-api's paths (the console's nginx serves them
under /console-web/), plus the routes every BFF has (login, logout, health, /custom/*,
/events) and oob-alert's console routes under /oob-alert/ (``oob``)."""

from bmp_common.bff.views import bff_urlpatterns
from bmp_console_api.accounts.urls import ROUTES as ACCOUNTS
from bmp_console_api.audit.urls import ROUTES as AUDIT
from bmp_console_api.catalog.urls import ROUTES as CATALOG
from bmp_console_api.inbox.urls import ROUTES as INBOX
from bmp_console_api.instances.urls import ROUTES as INSTANCES
from bmp_console_api.monitoring.urls import ROUTES as MONITORING
from bmp_console_api.oob.urls import ROUTES as OOB
from bmp_console_api.projects.urls import ROUTES as PROJECTS

# The envelope for what never reaches a view (bmp_common.api.urls names the same; importing it
# would pull the API documentation views in, which a BFF does not serve).
handler400 = "bmp_common.api.exceptions.bad_request"
handler403 = "bmp_common.api.exceptions.permission_denied"
handler404 = "bmp_common.api.exceptions.page_not_found"
handler500 = "bmp_common.api.exceptions.server_error"

urlpatterns = [
    *bff_urlpatterns(),
    *ACCOUNTS,
    *PROJECTS,
    *INSTANCES,
    *CATALOG,
    *INBOX,
    *AUDIT,
    *MONITORING,
    *OOB,
]
