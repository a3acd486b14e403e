"""The base class of every openapi endpoint: authentication, RBAC, query checks, audit.

An API class declares ``rules = {"get": rbac.INVENTORY_READ, "post": rbac.INVENTORY_WRITE}`` and,
for writes, ``audit = {"post": "CreateIdc"}``. A GET that takes query parameters declares a
``FilterSerializer``; the validated values are in ``self.query``. Query parameters nobody
declared are refused (400), as unknown body fields are. Handlers set ``self.audit_resource`` to
the id of what they touched; the audit entry is written after the answer, with its result.
An API whose entries also name a device or an instance overrides ``audit_columns``.

Every write accepts an ``Idempotency-Key`` header (``IdempotentApi``): claimed once the
request is authenticated, permitted and its query checked; its answer kept for repeats.

``service_methods`` lists the methods our own BFFs may call with their ``system`` key before
they know which user acts (the login check): nothing else accepts a key without a user.
``alert_methods`` lists what an ``alert`` key (pronoea) may call: addAlert, nothing else.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from rest_framework import exceptions, serializers
from rest_framework.permissions import BasePermission
from rest_framework.views import APIView

from bmp_openapi.accounts.principals import AlertCaller, ServiceCaller
from bmp_openapi.core.rbac import Rule
from bmp_openapi.idempotency.api import IdempotentApi


class RoleAllowed(BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        rule: Rule | None = view.rules.get(request.method.lower())
        profile = settings.BMP_OPENAPI_PROFILE
        if rule is None or not rule.served_on(profile):
            return True  # no such operation on this profile: the dispatcher answers 405
        if isinstance(user, AlertCaller):
            return request.method.lower() in view.alert_methods
        if isinstance(user, ServiceCaller):
            if request.method.lower() in view.service_methods:
                return True
            # Anything else needs the acting user named: the key alone is not enough.
            raise exceptions.AuthenticationFailed()
        return user.role.role_id in rule.roles(profile)


@cache
def query_names(filter_serializer: type[serializers.Serializer]) -> frozenset[str]:
    """The query parameters a ``FilterSerializer`` declares. Its fields depend on its class
    alone (it is built without a context), and building them deep-copies every field: once per
    class, not twice per request."""
    return frozenset(filter_serializer().fields)


class BmpApi(IdempotentApi, APIView):
    rules: dict[str, Rule] = {}
    audit: dict[str, str] = {}
    service_methods: frozenset[str] = frozenset()
    alert_methods: frozenset[str] = frozenset()  # what an ``alert`` key may call (addAlert)
    permission_classes = (RoleAllowed,)

    FilterSerializer: type[serializers.Serializer] | None = None

    audit_resource: str = ""
    query: dict

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication and permissions first
        method = request.method.lower()
        served = method in self.http_method_names and hasattr(self, method)
        # An unserved method answers 405 whatever its query says.
        self.query = self._validated_query(request) if served else {}
        if served:
            self.claim_idempotency_key(request)

    def _validated_query(self, request) -> dict:
        params = request.query_params
        if request.method == "GET" and self.FilterSerializer is not None:
            unknown = sorted(set(params) - query_names(self.FilterSerializer))
            if not unknown:
                query = self.FilterSerializer(data=params)
                query.is_valid(raise_exception=True)
                return query.validated_data
        else:
            unknown = sorted(params)
        if unknown:
            raise serializers.ValidationError(
                {name: ["unknown query parameter"] for name in unknown}
            )
        return {}

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.idempotency_replayed:
            return response  # nothing ran: the first answer has its audit entry
        # Kept before the audit entry is written: if that fails, the write still happened.
        self.keep_idempotent_answer(response)
        operation = self.audit.get(request.method.lower())
        user = getattr(request, "user", None)
        if operation and getattr(user, "is_authenticated", False) and user.user_id:
            from bmp_openapi.audit.services import audit_record

            audit_record(
                user=user,
                operation=operation,
                resource_id=self.audit_resource,
                apikey_id=getattr(request.auth, "apikey_id", ""),
                response=response,
                **self.audit_columns(),
            )
        return response

    def audit_columns(self) -> dict[str, str]:
        """Extra columns of this API's audit entries (``device_id``, ``sn``, ``instance_id``)."""
        return {}
