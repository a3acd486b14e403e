"""Settings of the scheduler: the workflow engine (Celery worker + beat) and the agent gateway."""

from django.core.exceptions import ImproperlyConfigured

from bmp_common.django_settings import base_settings
from bmp_common.env import env_int, env_str

globals().update(base_settings("scheduler"))


def _env_float(key: str, default: float) -> float:
    raw = env_str(key, "")
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{key} must be a number, got {raw!r}") from None
    if value <= 0:
        raise ImproperlyConfigured(f"{key} must be positive, got {raw!r}")
    return value


INSTALLED_APPS += [  # noqa: F821 (defined by base_settings)
    "bmp_scheduler.workflow",
    "bmp_scheduler.gateway",
]

ROOT_URLCONF = "bmp_scheduler.urls"
WSGI_APPLICATION = "bmp_scheduler.wsgi.application"

# The agent gateway authenticates by agent token inside the body, not by API key.
REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] = [  # noqa: F821
    "rest_framework.permissions.AllowAny"
]

# -- workflow engine ---------------------------------------------------------------------------
# Multiplies every step timeout (upstream's values); tests use small values.
BMP_SCHEDULER_TIMEOUT_SCALE = _env_float("BMP_SCHEDULER_TIMEOUT_SCALE", 1.0)
# Retry n of a step waits base * 2^(n-1) seconds, at most BMP_SCHEDULER_BACKOFF_CAP.
BMP_SCHEDULER_BACKOFF_BASE = _env_float("BMP_SCHEDULER_BACKOFF_BASE", 2.0)
BMP_SCHEDULER_BACKOFF_CAP = _env_float("BMP_SCHEDULER_BACKOFF_CAP", 30.0)
BMP_SCHEDULER_MAX_ATTEMPTS = env_int("BMP_SCHEDULER_MAX_ATTEMPTS", 3)
# A message still in the outbox this long after its commit was never sent: the sweep sends it.
# Sent rows are deleted in batches, and under load (a storm on two cores) a send and its
# delete took more than 5 s: the sweep sent those messages a second time. A send lost in a
# crash waits this long, far less than any step's deadline (180 s and more).
BMP_SCHEDULER_OUTBOX_GRACE = _env_float("BMP_SCHEDULER_OUTBOX_GRACE", 30.0)
# Rows one sweep handles per kind (timeouts, retries, queued jobs, outbox); the rest wait 5 s.
BMP_SCHEDULER_SWEEP_BATCH = env_int("BMP_SCHEDULER_SWEEP_BATCH", 500)
# An agent step whose agent has not been heard of (heartbeat or result) for this long fails its
# attempt and the server is PXE-booted again (engine/agent.py): a dead LiveOS costs this, not
# the step's whole timeout.
BMP_SCHEDULER_AGENT_SILENCE = _env_float("BMP_SCHEDULER_AGENT_SILENCE", 120.0)

# -- agent gateway -----------------------------------------------------------------------------
# Where the LiveOS kernel and initrd are served (bmp-image), and how the agent reaches us: over
# HTTPS (bmp-scheduler-gateway-tls, a certificate of the CA in BMP_TLS_DIR that the LiveOS
# embeds); the agent endpoints refuse plain HTTP.
BMP_IMAGE_URL = env_str("BMP_IMAGE_URL", "http://127.0.0.1:10000").rstrip("/")
# Defaults: the address and ports the local runtime serves on (BMP_HOST_IP, BMP_GATEWAY_*PORT).
_HOST = env_str("BMP_HOST_IP", "127.0.0.1")
BMP_GATEWAY_URL = env_str(
    "BMP_GATEWAY_URL", f"https://{_HOST}:{env_str('BMP_GATEWAY_TLS_PORT', '8813')}"
).rstrip("/")
# Where iPXE fetches the agent's token archive (agent.cpio): plain HTTP, which iPXE speaks
# everywhere. Only the agent's own calls need BMP_GATEWAY_URL (which may be https).
BMP_GATEWAY_BOOT_URL = env_str(
    "BMP_GATEWAY_BOOT_URL", f"http://{_HOST}:{env_str('BMP_GATEWAY_PORT', '8803')}"
).rstrip("/")
# In-band monitoring (installBmpAgent): the agent bundle under BMP_IMAGE_URL (the image service
# serves what `python -m bmp_monitor_agent.bundle` built), and the monitor-proxy as the installed
# systems reach it (BMP_HOST_IP, where bmp-monitor-proxy is published).
BMP_MONITOR_AGENT_BUNDLE = env_str(
    "BMP_MONITOR_AGENT_BUNDLE", "monitor-agent/bmp-monitor-agent.tar.gz"
).strip("/")
BMP_MONITOR_AGENT_PROXY_URL = env_str(
    "BMP_MONITOR_AGENT_PROXY_URL",
    f"http://{_HOST}:{env_str('BMP_MONITOR_PROXY_PORT', '8805')}/api/v1/agent/",
)
BMP_MONITOR_AGENT_INTERVAL_S = env_int("BMP_MONITOR_AGENT_INTERVAL_S", 60)
# The syslog receiver (bmp-rsyslog, UDP) the LiveOS agent also sends its log lines to, as
# HOST:PORT on the kernel command line (bmp.rsyslog); "off": none.
_RSYSLOG = env_str("BMP_RSYSLOG_ADDRESS", f"{_HOST}:{env_str('BMP_RSYSLOG_PORT', '1514')}")
BMP_RSYSLOG_ADDRESS = "" if _RSYSLOG == "off" else _RSYSLOG
# Behind a reverse proxy, the request header that carries the client's address (e.g.
# X-Real-IP), set by the proxy itself; empty: the peer address of the connection. Nothing else
# a client sends is ever taken as its address.
BMP_GATEWAY_CLIENT_IP_HEADER = env_str("BMP_GATEWAY_CLIENT_IP_HEADER", "")
# A boot ticket and its session token die this long after the ticket was issued (a SetPXEBoot),
# even if the job hangs.
BMP_AGENT_TOKEN_TTL_S = _env_float("BMP_AGENT_TOKEN_TTL_S", 6 * 3600.0)
BMP_LIVEOS_KERNEL = env_str("BMP_LIVEOS_KERNEL", "liveos/vmlinuz")
BMP_LIVEOS_INITRD = env_str("BMP_LIVEOS_INITRD", "liveos/initrd.img")
# Extra kernel arguments of the LiveOS (the gateway adds bmp.gateway and bmp.sn; never a secret:
# the kernel prints its command line on the console, which BMCs record over SOL).
BMP_LIVEOS_CMDLINE = env_str("BMP_LIVEOS_CMDLINE", "console=tty0 console=ttyS0,115200n8")
