"""``Authorization: Bearer <api key>`` for DRF.

Read-only keys may only read. Impersonation (``bmpUserId``) with system keys and the per-profile
role rules arrive with the RBAC issue; until then a system key acts as its own user.
"""

from __future__ import annotations

from django.utils import translation
from rest_framework import authentication, exceptions

from bmp_common.i18n import DJANGO_LANGUAGE, header_language
from bmp_openapi.accounts.selectors import apikey_by_token

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
MAX_TOKEN_LENGTH = 256


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != self.keyword.lower() or not token or len(token) > MAX_TOKEN_LENGTH:
            raise exceptions.AuthenticationFailed()
        api_key = apikey_by_token(token)
        if api_key is None:
            raise exceptions.AuthenticationFailed()
        if api_key.read_only and request.method not in SAFE_METHODS:
            raise exceptions.PermissionDenied()
        user = api_key.user
        # Messages fall back to the user's own language when the request names none.
        request._request._bmp_user = user
        if header_language(request) is None:
            translation.activate(DJANGO_LANGUAGE.get(user.language, "en"))
        return user, api_key

    def authenticate_header(self, request):
        return self.keyword
