"""Resource endpoint (tag ``resource``): does a named thing exist already?"""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response

from bmp_common.api.serializers import filter_field
from bmp_common.errors import PERMISSION_DENIED, BmpError
from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi
from bmp_openapi.resources import selectors


class ResourceListApi(BmpApi):
    """describeResources (GET): {"success": true} when a live row has the given name.

    As upstream: ``name`` is a device type's name, ``deviceType`` its spec code, ``imageName``
    an image's name, ``userName`` a user's name; exact matches, any of the given ones; no
    filter answers false. Only staff may ask about user names: a tenant has no use for them
    and could otherwise probe the platform's accounts.
    """

    rules = {"get": rbac.INVENTORY_READ}

    class FilterSerializer(serializers.Serializer):
        name = filter_field(64)
        deviceType = filter_field(64)
        imageName = filter_field(200)
        userName = filter_field(64)

    def get(self, request):
        if self.query.get("userName") and request.user.role.role_id not in rbac.STAFF:
            raise BmpError(PERMISSION_DENIED)
        return Response({"success": selectors.resource_exists(filters=self.query)})
