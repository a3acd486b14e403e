"""Django settings every BMP service starts from, all driven by ``BMP_*`` environment keys.

A service's ``settings.py`` does ``globals().update(base_settings("openapi"))`` and then adds its
own apps and urls. Secrets (``BMP_SECRET_KEY``, ``BMP_ENCRYPTION_KEY``) have no defaults:
bmp-deploy.sh generates them at first start.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from bmp_common import env
from bmp_common.logging import logging_config

LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
WILDCARD_BINDS = {"0.0.0.0", "::"}  # noqa: S104 (names, not binds)
# Where each service is reached besides the loopback: the address it binds to, and for the
# scheduler's gateway the address the servers being installed call (BMP_GATEWAY_URL).
SERVED_ON = {
    "openapi": {"binds": ["BMP_API_BIND"], "urls": []},
    "console_api": {"binds": ["BMP_API_BIND"], "urls": []},
    "operation_api": {"binds": ["BMP_API_BIND"], "urls": []},
    "oob_alert": {"binds": ["BMP_API_BIND"], "urls": []},
    "scheduler": {"binds": ["BMP_PROVISION_BIND", "BMP_HOST_IP"], "urls": ["BMP_GATEWAY_URL"]},
}


def _host_name(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def default_allowed_hosts(service: str) -> list[str]:
    """The Host headers a service answers when BMP_ALLOWED_HOSTS is not set.

    The loopback names, the service's own addresses and the names other services call it by on
    a private network (BMP_SERVICE_HOSTS: its compose service name); a wildcard bind (0.0.0.0)
    adds nothing: whoever binds everywhere names the host names in BMP_ALLOWED_HOSTS.
    """
    served_on = SERVED_ON.get(service, {"binds": [], "urls": []})
    addresses = [env.env_str(key, "") for key in served_on["binds"]]
    addresses += [urlsplit(env.env_str(key, "")).hostname or "" for key in served_on["urls"]]
    addresses += env.env_list("BMP_SERVICE_HOSTS", [])
    hosts = list(LOOPBACK_HOSTS)
    for address in addresses:
        if address and address not in WILDCARD_BINDS and _host_name(address) not in hosts:
            hosts.append(_host_name(address))
    return hosts


def base_settings(service: str, *, encryption_key: bool = True) -> dict:
    """``encryption_key``: whether the service decrypts stored secrets (the BFFs do not, and
    are not given the key)."""
    debug = env.env_bool("BMP_DEBUG", False)
    max_json_body = env.env_int("BMP_MAX_JSON_BODY", 1024 * 1024)
    return {
        "BMP_SERVICE": service,
        "DEBUG": debug,
        "SECRET_KEY": env.env_str("BMP_SECRET_KEY", required=True),
        "BMP_ENCRYPTION_KEY": env.env_str("BMP_ENCRYPTION_KEY", required=encryption_key),
        "BMP_DEFAULT_LANGUAGE": env.env_str("BMP_DEFAULT_LANGUAGE", "en_US"),
        # A request naming another Host answers 400 (DNS rebinding, Host-header poisoning).
        "ALLOWED_HOSTS": env.env_list("BMP_ALLOWED_HOSTS", []) or default_allowed_hosts(service),
        "INSTALLED_APPS": [
            "django.contrib.staticfiles",
            "rest_framework",
            "drf_spectacular",
            "drf_spectacular_sidecar",
        ],
        "MIDDLEWARE": [
            "bmp_common.api.middleware.TraceIdMiddleware",
            "bmp_common.api.middleware.EnvelopeFallbackMiddleware",
            "bmp_common.api.middleware.BodySizeLimitMiddleware",
            "django.middleware.security.SecurityMiddleware",
            "whitenoise.middleware.WhiteNoiseMiddleware",
            "bmp_common.api.middleware.LanguageMiddleware",
            "django.middleware.common.CommonMiddleware",
        ],
        "TEMPLATES": [
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
            }
        ],
        "DATABASES": {"default": env.database_config()},
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        "CACHES": {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": env.redis_url(env.REDIS_DB_CACHE),
                "KEY_PREFIX": "bmp",
                "OPTIONS": {
                    "SOCKET_CONNECT_TIMEOUT": 2,
                    "SOCKET_TIMEOUT": 2,
                },
            }
        },
        "CELERY_BROKER_URL": env.broker_url(),
        "USE_TZ": True,
        "TIME_ZONE": "UTC",
        "USE_I18N": True,
        "LANGUAGE_CODE": "en",
        "LANGUAGES": [("en", "English"), ("zh-hans", "简体中文")],
        "APPEND_SLASH": False,
        "STATIC_URL": "/static/",
        "STORAGES": {
            "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
            }
        },
        # Serve static files straight from the app folders: no collectstatic step to forget.
        "WHITENOISE_USE_FINDERS": True,
        # Every body our Django services take is JSON (image uploads go to bmp-image, streamed):
        # a larger one answers 413 before it is read (BodySizeLimitMiddleware, BoundedJSONParser).
        "BMP_MAX_JSON_BODY": max_json_body,
        # A failed or cancelled job may be retried this long (seconds) after it ended; then the
        # secrets it kept for the retry (BMC and root passwords) are purged and a retry is 409.
        # A job that succeeded loses them at once.
        "BMP_JOB_RETRY_WINDOW": env.env_int("BMP_JOB_RETRY_WINDOW", 24 * 3600),
        "DATA_UPLOAD_MAX_MEMORY_SIZE": max_json_body,
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.PBKDF2PasswordHasher"],
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "REST_FRAMEWORK": {
            "DEFAULT_RENDERER_CLASSES": ["bmp_common.api.envelope.EnvelopeRenderer"],
            "DEFAULT_PARSER_CLASSES": ["bmp_common.api.parsers.BoundedJSONParser"],
            "EXCEPTION_HANDLER": "bmp_common.api.exceptions.drf_exception_handler",
            "UNAUTHENTICATED_USER": None,
            "DEFAULT_AUTHENTICATION_CLASSES": [],
            "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
            "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
        },
        "SPECTACULAR_SETTINGS": {
            "SWAGGER_UI_DIST": "SIDECAR",
            "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
            "TITLE": "BMP",
        },
        "LOGGING": logging_config(service, env.env_str("BMP_LOG_LEVEL", "INFO")),
    }
