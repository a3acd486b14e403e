"""Settings of operation-api, the operator portal's BFF: operators log in (verifyUser with the
operator role; an admin passes too), and every call goes to openapi's operation profile (8801)."""

from bmp_common.bff.portals import OPERATION
from bmp_common.bff.settings import bff_settings
from bmp_common.env import env_int, env_str

_OPENAPI = "http://127.0.0.1:" + env_str("BMP_OPENAPI_PORT", "8801")

globals().update(
    bff_settings(
        "operation_api",
        portal=OPERATION,
        openapi_url=env_str("BMP_OPENAPI_URL", _OPENAPI),
    )
)

ROOT_URLCONF = "bmp_operation_api.urls"
WSGI_APPLICATION = "bmp_operation_api.wsgi.application"

# How long the IDC's BMC and switch credentials stay shown after the operator typed their
# password again (POST /idc/VerifyUser).
BMP_BFF_CREDENTIALS_WINDOW = env_int("BMP_BFF_CREDENTIALS_WINDOW", 300)
