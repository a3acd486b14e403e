"""``Authorization: Bearer <api key>`` for DRF.

- A ``user`` key acts as its user, and only on the profile it was made for (its ``source``:
  ``operation`` keys on port 8801, ``console`` keys on 8802).
- A ``system`` key (our own BFFs; generated at install, never published) acts as the user named
  in the ``bmpUserId`` header, on either profile. Without that header it may call only the
  operations a BFF needs before it knows its user (``BmpApi.service_methods``: the login check).
- An ``alert`` key may only post alerts (pronoea); it authenticates nothing else.
- A read-only key may only read.

``client_address`` is where a request comes from, for the failed-login counters: a system key's
BFF relays its end user's address in ``bmpClientIp``; anyone else is their own TCP peer.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.utils import translation
from rest_framework import authentication, exceptions

from bmp_common import errors
from bmp_common.errors import BmpError
from bmp_common.i18n import DJANGO_LANGUAGE, header_language
from bmp_openapi.accounts.choices import ApiKeyType
from bmp_openapi.accounts.principals import AlertCaller, ServiceCaller
from bmp_openapi.accounts.selectors import acting_user, apikey_by_token

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
        user = self._acting_user(request, api_key)
        if isinstance(user, ServiceCaller):
            return user, api_key
        # Messages fall back to the user's own language when the request names none.
        request._request._bmp_user = user
        if header_language(request) is None:
            translation.activate(DJANGO_LANGUAGE.get(user.language, "en"))
        return user, api_key

    def _acting_user(self, request, api_key):
        if api_key.type == ApiKeyType.SYSTEM:
            user_id = request.META.get("HTTP_BMPUSERID", "").strip()
            if not user_id:
                return ServiceCaller(key_name=api_key.name)
            user = acting_user(user_id)
            if user is None:
                raise exceptions.AuthenticationFailed()
            return user
        if api_key.type == ApiKeyType.ALERT:
            return AlertCaller(key_name=api_key.name)
        if api_key.type != ApiKeyType.USER or api_key.source != settings.BMP_OPENAPI_PROFILE:
            raise exceptions.AuthenticationFailed()
        return api_key.user

    def authenticate_header(self, request):
        return self.keyword


def client_address(request) -> str:
    """The address a login attempt comes from.

    Only a ``system`` key (our BFFs, which see the end user's connection) may name it, in
    ``bmpClientIp``; from any other caller the header is ignored, so nobody can charge their
    failures to someone else's address. No proxy header is trusted.
    """
    api_key = getattr(request, "auth", None)
    relayed = request.META.get("HTTP_BMPCLIENTIP", "").strip()
    if relayed and getattr(api_key, "type", None) == ApiKeyType.SYSTEM:
        try:
            return str(ipaddress.ip_address(relayed))
        except ValueError:
            raise BmpError(
                errors.INVALID_ARGUMENT, detail="bmpClientIp: not an IP address"
            ) from None
    return request.META.get("REMOTE_ADDR", "")
