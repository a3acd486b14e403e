"""SSH key endpoints (tag ``sshkey``): the caller's own keys, on both profiles."""

from __future__ import annotations

from rest_framework.response import Response

from bmp_common.api.paging import PageQuerySerializer, list_result, paginate
from bmp_common.api.serializers import StrictCharField, StrictSerializer, filter_field, name_field
from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi
from bmp_openapi.core.responses import SUCCESS
from bmp_openapi.sshkeys import selectors, services
from bmp_openapi.sshkeys.serializers import SshKeyOutputSerializer


class SshKeyListCreateApi(BmpApi):
    """describeUserSshKeys (GET), createUserSshkey (POST)"""

    rules = {"get": rbac.OWN, "post": rbac.OWN}
    audit = {"post": "CreateSshkey"}

    class FilterSerializer(PageQuerySerializer):
        name = filter_field(64)

    class InputSerializer(StrictSerializer):
        name = name_field(64)
        # One line "<type> <base64> [comment]"; parsed and checked by the service.
        key = StrictCharField(min_length=1, max_length=1024)

    def get(self, request):
        sshkeys = selectors.sshkey_list(user=request.user, filters=self.query)
        items, page = paginate(sshkeys, self.query)
        rows = SshKeyOutputSerializer(items, many=True, context={"request": request}).data
        return Response(list_result("sshkeys", rows, page))

    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        sshkey = services.sshkey_create(**body.validated_data, actor=request.user)
        self.audit_resource = sshkey.sshkey_id
        return Response({"sshkeyId": sshkey.sshkey_id})


class SshKeyDetailApi(BmpApi):
    """describeUserSshKey (GET), modifyUserSshkey (PUT), deleteUserSshkey (DELETE)"""

    rules = {"get": rbac.OWN, "put": rbac.OWN, "delete": rbac.OWN}
    audit = {"put": "ModifySshkey", "delete": "DeleteSshkey"}

    class ModifySerializer(StrictSerializer):
        name = name_field(64)

    def get(self, request, sshkey_id):
        sshkey = selectors.sshkey_get(user=request.user, sshkey_id=sshkey_id)
        return Response(
            {"sshkey": SshKeyOutputSerializer(sshkey, context={"request": request}).data}
        )

    def put(self, request, sshkey_id):
        self.audit_resource = sshkey_id
        sshkey = selectors.sshkey_get(user=request.user, sshkey_id=sshkey_id)
        body = self.ModifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.sshkey_modify(sshkey=sshkey, name=body.validated_data["name"], actor=request.user)
        return Response(SUCCESS)

    def delete(self, request, sshkey_id):
        self.audit_resource = sshkey_id
        sshkey = selectors.sshkey_get(user=request.user, sshkey_id=sshkey_id)
        services.sshkey_delete(sshkey=sshkey, actor=request.user)
        return Response(SUCCESS)


class SshKeyInstancesApi(BmpApi):
    """getInstancesBySshkey (GET): the instances the caller's key was installed on."""

    rules = {"get": rbac.OWN}

    def get(self, request, sshkey_id):
        sshkey = selectors.sshkey_get(user=request.user, sshkey_id=sshkey_id)
        return Response({"instanceIds": selectors.sshkey_instance_ids(sshkey=sshkey)})
