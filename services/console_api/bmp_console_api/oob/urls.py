"""The instance detail's "hardware monitoring" tab: its server's component health, its fault
log (and export) and the log's column choices, relayed to oob-alert as the session's tenant
(``bmp_common.bff.oob``), under the /oob-alert/ prefix the console's nginx sends here."""

from bmp_common.bff.oob import oob_urlpatterns
from bmp_common.oob_alert import CONSOLE_ROUTES

ROUTES = oob_urlpatterns(CONSOLE_ROUTES)
