"""The batch variants: all the instances or none (one transaction)."""

from __future__ import annotations

from rest_framework.response import Response

from bmp_common.unset import UNSET
from bmp_openapi.accounts.apis.serializers import body_of
from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi
from bmp_openapi.core.responses import SUCCESS
from bmp_openapi.instances import states
from bmp_openapi.instances.apis.serializers import (
    InstanceIdsSerializer,
    ModifyInstancesSerializer,
    ResetPasswordsSerializer,
    SnakeInstanceIdsSerializer,
)
from bmp_openapi.instances.services import actions


class _BatchApi(BmpApi):
    serializer_class: type
    method = "put"

    def _body(self, request) -> dict:
        body = self.serializer_class(data=body_of(request))
        body.is_valid(raise_exception=True)
        ids = body.validated_data.get("instanceIds") or body.validated_data.get("instance_ids")
        self.audit_resource = ",".join(ids)[:64]
        return body.validated_data


class _PowerBatchApi(_BatchApi):
    rules = {"put": rbac.OWN}
    serializer_class = InstanceIdsSerializer
    action: str

    def put(self, request):
        data = self._body(request)
        actions.instances_power(
            actor=request.user, instance_ids=data["instanceIds"], action=self.action
        )
        return Response(SUCCESS)


class StartInstancesApi(_PowerBatchApi):
    audit = {"put": "StartInstances"}
    action = states.START


class StopInstancesApi(_PowerBatchApi):
    audit = {"put": "StopInstances"}
    action = states.STOP


class RestartInstancesApi(_PowerBatchApi):
    audit = {"put": "RestartInstances"}
    action = states.RESTART


class DeleteInstancesApi(_BatchApi):
    rules = {"delete": rbac.OWN}
    audit = {"delete": "DeleteInstance"}
    serializer_class = SnakeInstanceIdsSerializer

    def delete(self, request):
        data = self._body(request)
        actions.instances_delete(actor=request.user, instance_ids=data["instance_ids"])
        return Response(SUCCESS)


class ModifyInstancesApi(_BatchApi):
    rules = {"put": rbac.OWN}
    audit = {"put": "EditInstanceName"}
    serializer_class = ModifyInstancesSerializer

    def put(self, request):
        data = self._body(request)
        actions.instances_modify(
            actor=request.user,
            instance_ids=data["instance_ids"],
            instance_name=data.get("instanceName", UNSET),
            description=data.get("description", UNSET),
        )
        return Response(SUCCESS)


class ResetPasswordsApi(_BatchApi):
    rules = {"put": rbac.OWN}
    audit = {"put": "InstanceResetPassword"}
    serializer_class = ResetPasswordsSerializer

    def put(self, request):
        data = self._body(request)
        actions.instances_reset_password(
            actor=request.user, instance_ids=data["instance_ids"], password=data["password"]
        )
        return Response(SUCCESS)
