"""Django settings of a BFF: ``globals().update(bff_settings("console_api", portal=CONSOLE))``.

No database: a BFF keeps nothing of its own but the login sessions (Redis), the per-page column
choices (Redis) and the live-event cursor of each stream (the browser's Last-Event-ID).
"""

from __future__ import annotations

from bmp_common import env
from bmp_common.bff.portals import Portal
from bmp_common.django_settings import base_settings

TWELVE_HOURS = 12 * 3600


def bff_settings(service: str, *, portal: Portal, openapi_url: str) -> dict:
    settings = base_settings(service, encryption_key=False)
    settings["BMP_PORTAL"] = portal
    settings["BMP_BFF_OPENAPI_URL"] = openapi_url.rstrip("/")
    settings["BMP_BFF_OPENAPI_TIMEOUT"] = env.env_int("BMP_BFF_OPENAPI_TIMEOUT", 30)
    # oob-alert, whose console routes the BFF relays under /oob-alert/ (bmp_common.oob_alert);
    # its exports are built whole before the first byte, hence the longer wait.
    settings["BMP_BFF_OOB_ALERT_URL"] = env.env_str(
        "BMP_OOB_ALERT_URL", "http://127.0.0.1:8804"
    ).rstrip("/")
    settings["BMP_BFF_OOB_ALERT_TIMEOUT"] = env.env_int("BMP_BFF_OOB_ALERT_TIMEOUT", 120)
    settings["DATABASES"] = {}
    settings["INSTALLED_APPS"] = ["rest_framework"]
    settings["MIDDLEWARE"] = [
        # Before TraceIdMiddleware: the console's X-Jdcloud-Request-Id becomes the trace id.
        "bmp_common.bff.middleware.BffRequestMiddleware",
        "bmp_common.api.middleware.TraceIdMiddleware",
        "bmp_common.api.middleware.EnvelopeFallbackMiddleware",
        # 413 on a declared body over BMP_MAX_JSON_BODY, or a file route's own limit.
        "bmp_common.bff.middleware.BffBodySizeLimitMiddleware",
        "django.middleware.security.SecurityMiddleware",
        "bmp_common.api.middleware.LanguageMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        # Sets the CSRF cookie; the check itself runs in BffApi (DRF views are csrf_exempt).
        "django.middleware.csrf.CsrfViewMiddleware",
    ]
    settings["TEMPLATES"] = []
    settings["CACHES"]["sessions"] = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": env.redis_url(env.REDIS_DB_SESSIONS),
        "KEY_PREFIX": f"bmp-{portal.name}",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
    }
    settings.update(
        {
            # Sessions: in Redis only, 12 hours from login (not sliding), the cookie out of
            # reach of scripts, and Secure whenever the request came over HTTPS (middleware).
            "SESSION_ENGINE": "django.contrib.sessions.backends.cache",
            "SESSION_CACHE_ALIAS": "sessions",
            "SESSION_COOKIE_NAME": portal.session_cookie,
            "SESSION_COOKIE_AGE": env.env_int("BMP_BFF_SESSION_AGE", TWELVE_HOURS),
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": env.env_bool("BMP_BFF_SECURE_COOKIES", False),
            "SESSION_SERIALIZER": "django.contrib.sessions.serializers.JSONSerializer",
            # CSRF: Django's double submit; the console reads the cookie and sends X-CSRFToken.
            "CSRF_COOKIE_NAME": portal.csrf_cookie,
            "CSRF_COOKIE_HTTPONLY": False,
            "CSRF_COOKIE_SAMESITE": "Lax",
            "CSRF_COOKIE_SECURE": env.env_bool("BMP_BFF_SECURE_COOKIES", False),
            "CSRF_HEADER_NAME": "HTTP_X_CSRFTOKEN",
            "CSRF_TRUSTED_ORIGINS": env.env_list("BMP_BFF_TRUSTED_ORIGINS", []),
            "CSRF_FAILURE_VIEW": "bmp_common.bff.views.csrf_failure",
            # Behind the consoles' nginx: the header nginx sets with the browser's address
            # (X-Real-IP); empty: the connection's peer. Nothing else is taken as the address.
            "BMP_BFF_CLIENT_IP_HEADER": env.env_str("BMP_BFF_CLIENT_IP_HEADER", ""),
            # Failed logins per user name and address (and per address for all names) within
            # the window: then 429 until the window is over.
            "BMP_BFF_LOGIN_FAILURES": env.env_int("BMP_BFF_LOGIN_FAILURES", 5),
            "BMP_BFF_LOGIN_FAILURES_PER_ADDRESS": env.env_int(
                "BMP_BFF_LOGIN_FAILURES_PER_ADDRESS", 20
            ),
            "BMP_BFF_LOGIN_WINDOW": env.env_int("BMP_BFF_LOGIN_WINDOW", 300),
            # /events: a stream ends after this long (the browser reconnects with
            # Last-Event-ID), with a comment line every BMP_BFF_EVENTS_KEEPALIVE seconds.
            "BMP_BFF_EVENTS_MAX_AGE": env.env_int("BMP_BFF_EVENTS_MAX_AGE", 300),
            "BMP_BFF_EVENTS_KEEPALIVE": env.env_int("BMP_BFF_EVENTS_KEEPALIVE", 15),
            "BMP_EVENTS_REDIS_URL": env.redis_url(env.REDIS_DB_EVENTS),
            # Excel exports (?exportType=xlsx): openapi's pages of this many items, one after
            # another; lists longer than BMP_BFF_EXPORT_MAX_ROWS are refused (Excel's own limit
            # is 1,048,575 rows).
            "BMP_BFF_EXPORT_PAGE_SIZE": min(env.env_int("BMP_BFF_EXPORT_PAGE_SIZE", 500), 1000),
            "BMP_BFF_EXPORT_MAX_ROWS": min(
                env.env_int("BMP_BFF_EXPORT_MAX_ROWS", 200_000), 1_048_575
            ),
        }
    )
    settings["REST_FRAMEWORK"] = {
        "DEFAULT_RENDERER_CLASSES": ["bmp_common.api.envelope.EnvelopeRenderer"],
        "DEFAULT_PARSER_CLASSES": ["bmp_common.api.parsers.BoundedJSONParser"],
        "EXCEPTION_HANDLER": "bmp_common.bff.exceptions.bff_exception_handler",
        "UNAUTHENTICATED_USER": None,
        "DEFAULT_AUTHENTICATION_CLASSES": ["bmp_common.bff.sessions.SessionAuthentication"],
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    }
    settings.pop("SPECTACULAR_SETTINGS", None)
    return settings
