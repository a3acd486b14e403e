"""Settings of the openapi service (and of its console profile, ``BMP_OPENAPI_PROFILE=console``)."""

from bmp_common.django_settings import base_settings
from bmp_common.env import env_int, env_str

globals().update(base_settings("openapi"))

# "operation" (port 8801, every operation) or "console" (port 8802, the tenant subset).
BMP_OPENAPI_PROFILE = env_str("BMP_OPENAPI_PROFILE", "operation")
if BMP_OPENAPI_PROFILE not in {"operation", "console"}:
    raise ValueError("BMP_OPENAPI_PROFILE must be 'operation' or 'console'")
# /swagger.json publishes what this profile serves.
BMP_CONTRACT_PROFILE = BMP_OPENAPI_PROFILE

INSTALLED_APPS += [  # noqa: F821 (defined by base_settings)
    "bmp_openapi.accounts",
    "bmp_openapi.audit",
    "bmp_openapi.idcs",
    "bmp_openapi.projects",
    "bmp_openapi.sshkeys",
    "bmp_openapi.catalog",
    "bmp_openapi.devices",
    "bmp_openapi.inbox",
    "bmp_openapi.resources",
    "bmp_openapi.jobs",
    "bmp_openapi.instances",
    "bmp_openapi.monitoring",
    "bmp_openapi.idempotency",
    "bmp_openapi.oob",
]

ROOT_URLCONF = "bmp_openapi.urls"
WSGI_APPLICATION = "bmp_openapi.wsgi.application"

REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [  # noqa: F821
    "bmp_openapi.accounts.authentication.ApiKeyAuthentication"
]

# dialMail may reach only these SMTP hosts ("*": any); tests pin it to 127.0.0.1.
BMP_MAIL_ALLOWED_HOSTS = [
    host.strip() for host in env_str("BMP_MAIL_ALLOWED_HOSTS", "*").split(",") if host.strip()
]
BMP_MAIL_DIAL_TIMEOUT = 5  # seconds per SMTP step

# How long an Idempotency-Key and the answer it gave are kept (seconds).
BMP_IDEMPOTENCY_TTL_S = env_int("BMP_IDEMPOTENCY_TTL_S", 24 * 3600)

# -- jobs (jobs/services/outbox.py, jobs/services/reconcile.py) ---------------------------------
# A running job's flight recorder names a boot stage that has lasted this long (seconds) as the
# likely cause of a stall (jobs/services/timeline.py, bmp_common.flight_verdict).
BMP_FLIGHT_STALL_S = env_int("BMP_FLIGHT_STALL_S", 180)
# Seconds between sweeps (openapi's beat): outbox rows to send, silent jobs to reconcile.
BMP_OPENAPI_SWEEP_INTERVAL = env_int("BMP_OPENAPI_SWEEP_INTERVAL", 5)
# An outbox row this old was not sent after its commit (the broker was down): the sweep sends it.
# Not less: a create of 100 instances sends and deletes its rows one by one after its commit,
# and in a storm the last ones were still there after 5 s: the sweep submitted them again.
BMP_OPENAPI_OUTBOX_GRACE = env_int("BMP_OPENAPI_OUTBOX_GRACE", 30)
# An in-flight job nothing was heard of for this long: the scheduler is asked for its last event.
BMP_OPENAPI_RECONCILE_AFTER = env_int("BMP_OPENAPI_RECONCILE_AFTER", 60)
# Rows one sweep handles per part; the rest wait for the next sweep.
BMP_OPENAPI_SWEEP_BATCH = env_int("BMP_OPENAPI_SWEEP_BATCH", 200)

# -- in-band monitoring (monitoring/backends.py) -----------------------------------------------
# pronoea (rule files, chart queries) and monitor-proxy (agent status, device tags); empty: not
# deployed here. BMP_MONITOR_TOKEN (generated at install) authenticates the calls both ways.
BMP_PRONOEA_URL = env_str("BMP_PRONOEA_URL", "")
BMP_MONITOR_PROXY_URL = env_str("BMP_MONITOR_PROXY_URL", "")
BMP_MONITOR_TOKEN = env_str("BMP_MONITOR_TOKEN", "")
