"""The console's share and transfer dialogs: which instances of a project a user shares, and
moving some instances to another project (upstream's console extras)."""

from __future__ import annotations

from rest_framework.response import Response

from bmp_common.api.paging import PageQuerySerializer
from bmp_common.api.serializers import filter_field, name_field
from bmp_openapi.accounts.apis.serializers import body_of
from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi
from bmp_openapi.core.responses import SUCCESS
from bmp_openapi.instances import selectors
from bmp_openapi.instances.apis.serializers import (
    InstanceForShareOutputSerializer,
    MoveInstancesSerializer,
)
from bmp_openapi.instances.services.move import instances_move


class InstancesForShareApi(BmpApi):
    """describeInstancesByProjectIdAndOwnerNameAndSharerName (GET, console)."""

    rules = {"get": rbac.CONSOLE_ONLY}

    class FilterSerializer(PageQuerySerializer):
        # Paging is accepted as upstream declares it; the answer, like upstream's, is every row.
        projectId = name_field(64)
        ownerName = filter_field(64)  # upstream's console sends the caller's own name
        sharerName = name_field(64)
        instanceName = filter_field(128)
        instanceId = filter_field(64)

    def get(self, request):
        instances, shared = selectors.project_instances_for_sharer(
            actor=request.user,
            project_id=self.query["projectId"],
            sharer_name=self.query["sharerName"],
            instance_name=self.query.get("instanceName", ""),
            instance_id=self.query.get("instanceId", ""),
        )
        # shared ones first, each group in the list's order (stable sort)
        instances.sort(key=lambda instance: instance.instance_id not in shared)
        rows = InstanceForShareOutputSerializer(
            instances, many=True, context={"shared": shared}
        ).data
        return Response({"instances": rows})


class MoveInstancesApi(BmpApi):
    """moveUserInstances (PUT, console): the owner moves some instances of a project into a
    project of moverID."""

    rules = {"put": rbac.CONSOLE_ONLY}
    audit = {"put": "MoveInstances"}

    def put(self, request):
        body = MoveInstancesSerializer(data=body_of(request))
        body.is_valid(raise_exception=True)
        data = body.validated_data
        self.audit_resource = data["ownerProjectID"]
        instances_move(
            actor=request.user,
            instance_ids=data["instanceIDs"],
            owner_project_id=data["ownerProjectID"],
            owner_id=data["ownerID"],
            mover_project_id=data["moverProjectID"],
            mover_id=data["moverID"],
        )
        return Response(SUCCESS)
