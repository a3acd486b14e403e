"""Settings of oob-alert (port 8804): BMC event logs become hardware faults."""

from bmp_common.django_settings import base_settings
from bmp_common.env import env_int, env_str

# It decrypts nothing: BMC passwords stay between openapi and oob-agent, SMTP's in openapi.
globals().update(base_settings("oob_alert", encryption_key=False))

INSTALLED_APPS += ["bmp_oob_alert.faults"]  # noqa: F821 (defined by base_settings)

ROOT_URLCONF = "bmp_oob_alert.urls"
WSGI_APPLICATION = "bmp_oob_alert.wsgi.application"

REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [  # noqa: F821
    "bmp_oob_alert.auth.OpenapiKeyAuthentication"
]
REST_FRAMEWORK["UNAUTHENTICATED_USER"] = None  # noqa: F821

# openapi's two profiles: a caller's key is checked where it was made (operation keys on 8801,
# console keys on 8802); our reports to openapi go to the operation profile.
BMP_OPENAPI_URL = env_str("BMP_OPENAPI_URL", "http://127.0.0.1:8801").rstrip("/")
BMP_OPENAPI_CONSOLE_URL = env_str("BMP_OPENAPI_CONSOLE_URL", "http://127.0.0.1:8802").rstrip("/")
# How long a checked key (and a tenant's device list) is trusted without asking again.
BMP_OOB_AUTH_CACHE_S = env_int("BMP_OOB_AUTH_CACHE_S", 30)
# Consecutive failed polls of a BMC that make one "BMC unreachable" fault.
BMP_OOB_UNREACHABLE_POLLS = env_int("BMP_OOB_UNREACHABLE_POLLS", 3)
