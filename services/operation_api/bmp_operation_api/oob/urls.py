"""Monitoring management's hardware status, fault log (mark handled) and fault rules (enable,
push, reset to defaults), their exports, and a device's hardware tab, relayed to oob-alert as
the session's operator (``bmp_common.bff.oob``), under the /oob-alert/ prefix the portal's
nginx sends here."""

from bmp_common.bff.oob import oob_urlpatterns
from bmp_common.oob_alert import OPERATION_ROUTES

ROUTES = oob_urlpatterns(OPERATION_ROUTES)
