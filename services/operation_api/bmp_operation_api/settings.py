"""Settings of operation-api, the operator portal's BFF: operators log in (verifyUser with the
operator role; an admin passes too), and every call goes to openapi's operation profile (8801)."""

from bmp_common.bff.portals import OPERATION
from bmp_common.bff.settings import bff_settings
from bmp_common.env import data_dir, env_int, env_str

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

# -- device import and image upload ----------------------------------------------------
# Image uploads land in the image service's root (bmp-image serves $BMP_DATA_DIR/images; in
# docker both mount the same volume), at most this many bytes each.
BMP_IMAGE_UPLOAD_DIR = env_str("BMP_IMAGE_UPLOAD_DIR", str(data_dir() / "images"))
BMP_IMAGE_UPLOAD_MAX_BYTES = env_int("BMP_IMAGE_UPLOAD_MAX_BYTES", 64 * 1024**3)
# A device import file: at most this many rows (openapi imports at most 1,000 in one call) and
# this many bytes.
BMP_DEVICE_IMPORT_MAX_ROWS = min(env_int("BMP_DEVICE_IMPORT_MAX_ROWS", 1000), 1000)
BMP_DEVICE_IMPORT_MAX_BYTES = env_int("BMP_DEVICE_IMPORT_MAX_BYTES", 5 * 1024 * 1024)
