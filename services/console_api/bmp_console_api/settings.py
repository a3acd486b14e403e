"""Settings of console-api, the tenant console's BFF: tenants log in (verifyUser with the
tenant role; an admin passes too), and every call goes to openapi's console profile (8802)."""

from bmp_common.bff.portals import CONSOLE
from bmp_common.bff.settings import bff_settings
from bmp_common.env import env_str

_OPENAPI_CONSOLE = "http://127.0.0.1:" + env_str("BMP_OPENAPI_CONSOLE_PORT", "8802")

globals().update(
    bff_settings(
        "console_api",
        portal=CONSOLE,
        openapi_url=env_str("BMP_OPENAPI_CONSOLE_URL", _OPENAPI_CONSOLE),
    )
)

ROOT_URLCONF = "bmp_console_api.urls"
WSGI_APPLICATION = "bmp_console_api.wsgi.application"
