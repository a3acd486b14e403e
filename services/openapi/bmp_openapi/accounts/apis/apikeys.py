"""API keys (tag ``apiKey``): the caller's own keys on this portal. A token is shown once."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers
from rest_framework.response import Response

from bmp_common.api.paging import PageQuerySerializer, list_result, paginate
from bmp_common.api.serializers import StrictSerializer, filter_field
from bmp_common.unset import UNSET
from bmp_openapi.accounts import selectors, services
from bmp_openapi.accounts.apis.serializers import (
    ApiKeyOutputSerializer,
    JsonIntegerField,
    StrictChoiceField,
    apikey_name_field,
    body_of,
)
from bmp_openapi.accounts.choices import ApiKeyType
from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi
from bmp_openapi.core.responses import SUCCESS

CREATABLE_TYPES = [ApiKeyType.USER.value, ApiKeyType.SYSTEM.value]


class ApiKeyListCreateApi(BmpApi):
    """describeUserAPIKeys (GET), createUserApikey (POST)"""

    rules = {"get": rbac.OWN, "post": rbac.OWN}
    audit = {"post": "CreateApikey"}
    answer_shown_once = frozenset({"post"})  # the token

    class FilterSerializer(PageQuerySerializer):
        name = filter_field(64)
        type = serializers.ChoiceField(choices=[*CREATABLE_TYPES, ""], required=False)

    class InputSerializer(StrictSerializer):
        name = apikey_name_field()
        readOnly = JsonIntegerField(min_value=0, max_value=1)
        type = StrictChoiceField(choices=CREATABLE_TYPES)

    def get(self, request):
        keys = selectors.apikey_list(
            user=request.user, source=settings.BMP_OPENAPI_PROFILE, filters=self.query
        )
        items, page = paginate(keys, self.query)
        rows = ApiKeyOutputSerializer(items, many=True, context={"request": request}).data
        return Response(list_result("apikeys", rows, page))

    def post(self, request):
        body = self.InputSerializer(data=body_of(request))
        body.is_valid(raise_exception=True)
        values = body.validated_data
        api_key, token = services.apikey_add(
            user=request.user,
            source=settings.BMP_OPENAPI_PROFILE,
            name=values["name"],
            key_type=values["type"],
            read_only=bool(values["readOnly"]),
        )
        self.audit_resource = api_key.apikey_id
        # The only answer that carries the token: it is stored as a digest (and a repeat with
        # the same Idempotency-Key does not show it again: answer_shown_once).
        return Response({"apikeyId": api_key.apikey_id, "token": token})


class ApiKeyDetailApi(BmpApi):
    """describeUserAPIKey (GET), modifyUserApikey (PUT), deleteUserApikey (DELETE)"""

    rules = {"get": rbac.OWN, "put": rbac.OWN, "delete": rbac.OWN}
    audit = {"put": "ModifyApikey", "delete": "DeleteApikey"}

    class ModifySerializer(StrictSerializer):
        name = apikey_name_field(required=False)
        readOnly = JsonIntegerField(min_value=0, max_value=1, required=False)

    def _own_key(self, request, apikey_id):
        return selectors.apikey_get(
            user=request.user, source=settings.BMP_OPENAPI_PROFILE, apikey_id=apikey_id
        )

    def get(self, request, apikey_id):
        api_key = self._own_key(request, apikey_id)
        return Response(
            {"apikey": ApiKeyOutputSerializer(api_key, context={"request": request}).data}
        )

    def put(self, request, apikey_id):
        self.audit_resource = apikey_id
        api_key = self._own_key(request, apikey_id)
        body = self.ModifySerializer(data=body_of(request))
        body.is_valid(raise_exception=True)
        values = body.validated_data
        read_only = values.get("readOnly", UNSET)
        services.apikey_modify(
            api_key=api_key,
            name=values.get("name", UNSET),
            read_only=read_only if read_only is UNSET else bool(read_only),
            actor=request.user,
        )
        return Response(SUCCESS)

    def delete(self, request, apikey_id):
        self.audit_resource = apikey_id
        services.apikey_delete(api_key=self._own_key(request, apikey_id), actor=request.user)
        return Response(SUCCESS)
