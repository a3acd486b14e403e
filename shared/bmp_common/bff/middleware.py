"""What every BFF request goes through, around the shared middleware (``bff_settings``).

In: the console's ``X-Jdcloud-Request-Id`` becomes the request's trace id (sent on to openapi
as ``traceId``), and its ``X-Jdcloud-Language`` cookie becomes the request's ``bmpLanguage``
(the BFF's own messages, and openapi's, in that language). Out: ``X-Jdcloud-Request-Id``
(echoed or new), ``X-Jdcloud-Username`` and ``X-Jdcloud-UserID`` of the session's user, a CSRF
cookie on every answer (the console needs one before it can log in), and the cookies marked
Secure when the request came over HTTPS (on top of ``BMP_BFF_SECURE_COOKIES``, which makes them
Secure always).
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.middleware.csrf import get_token

from bmp_common.i18n import LANGUAGES

REQUEST_ID_HEADER = "X-Jdcloud-Request-Id"
USER_NAME_HEADER = "X-Jdcloud-Username"
USER_ID_HEADER = "X-Jdcloud-UserID"
LANGUAGE_COOKIE = "X-Jdcloud-Language"


class BffRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.META.get("HTTP_X_JDCLOUD_REQUEST_ID", "")
        if request_id:
            request.META["HTTP_TRACEID"] = request_id  # TraceIdMiddleware checks its shape
        language = request.COOKIES.get(LANGUAGE_COOKIE, "")
        request.META.pop("HTTP_BMPLANGUAGE", None)  # the browser's word is the cookie only
        if language in LANGUAGES:
            request.META["HTTP_BMPLANGUAGE"] = language
        # A CSRF cookie on every answer: the console needs one before it can log in.
        # (Here, before CsrfViewMiddleware reads the browser's cookie, which then wins.)
        get_token(request)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = getattr(request, "trace_id", "")
        user = getattr(request, "bmp_session_user", None)
        if user is not None:
            # Header values are Latin-1: a non-ASCII name travels percent-encoded.
            response[USER_NAME_HEADER] = quote(user.user_name, safe="")
            response[USER_ID_HEADER] = user.user_id
        mark_secure(request, response)
        return response


def mark_secure(request, response) -> None:
    """Over HTTPS, the session and CSRF cookies this answer sets are Secure."""
    if not request.is_secure():
        return
    for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
        if name in response.cookies:
            response.cookies[name]["secure"] = True
