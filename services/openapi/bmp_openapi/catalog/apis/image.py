"""Image endpoints (tag ``image``)."""

from __future__ import annotations

from rest_framework.response import Response

from bmp_common.api.paging import PageQuerySerializer, list_result, paginate
from bmp_common.api.serializers import (
    filter_field,
    name_field,
)
from bmp_common.unset import UNSET, given
from bmp_openapi.catalog import choices
from bmp_openapi.catalog.apis.serializers import (
    AssociateDeviceTypeSerializer,
    CreateImageSerializer,
    DissociateSerializer,
    ImageDeviceTypeOutputSerializer,
    ImageFilterSerializer,
    ImageOutputSerializer,
    ModifyImageSerializer,
)
from bmp_openapi.catalog.fields import (
    OPTIONAL_ID_LIST,
    query_enum,
    query_pattern,
)
from bmp_openapi.catalog.selectors import device_type as device_type_selectors
from bmp_openapi.catalog.selectors import image as selectors
from bmp_openapi.catalog.services import bindings
from bmp_openapi.catalog.services import image as services
from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi
from bmp_openapi.core.responses import SUCCESS


def render_images(request, queryset, query) -> dict:
    items, page = paginate(queryset, query)
    rows = ImageOutputSerializer(items, many=True, context={"request": request}).data
    return list_result("images", rows, page)


class ImageListCreateApi(BmpApi):
    """describeImages (GET), createImage (POST)"""

    rules = {"get": rbac.INVENTORY_READ, "post": rbac.INVENTORY_WRITE}
    audit = {"post": "CreateImage"}

    class FilterSerializer(ImageFilterSerializer):
        deviceTypeId = filter_field(64)  # sets isBind; does not filter
        imageIds = query_pattern(OPTIONAL_ID_LIST, 4096)

    def get(self, request):
        device_type = None
        if self.query.get("deviceTypeId"):
            device_type = device_type_selectors.device_type_get(
                device_type_id=self.query["deviceTypeId"]
            )
        queryset = selectors.image_list(filters=self.query, device_type=device_type)
        return Response(render_images(request, queryset, self.query))

    def post(self, request):
        body = CreateImageSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        image = services.image_create(
            image_name=values["imageName"],
            architecture=values["architecture"],
            os_type=values["osType"],
            os_version=values["Version"],
            image_format=values["format"],
            boot_mode=values["boot_mode"],
            filename=values["filename"],
            url=values["url"],
            image_hash=values["hash"],
            **given(
                source=values.get("source", UNSET),
                description=values.get("description", UNSET),
            ),
            system_partitions=values.get("systemPartition"),
            data_partitions=values.get("dataPartition"),
            actor=request.user,
        )
        self.audit_resource = image.image_id
        return Response({"imageId": image.image_id})


class ImageDetailApi(BmpApi):
    """describeImage (GET), modifyImage (PUT), deleteImage (DELETE)"""

    rules = {
        "get": rbac.INVENTORY_READ,
        "put": rbac.INVENTORY_WRITE,
        "delete": rbac.INVENTORY_WRITE,
    }
    audit = {"put": "ModifyImage", "delete": "DeleteImage"}

    def get(self, request, image_id):
        image = selectors.image_get(image_id=image_id)
        return Response({"image": ImageOutputSerializer(image, context={"request": request}).data})

    def put(self, request, image_id):
        self.audit_resource = image_id
        image = selectors.image_get(image_id=image_id)
        body = ModifyImageSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        services.image_modify(
            image=image,
            image_name=values.get("imageName", UNSET),
            description=values.get("description", UNSET),
            actor=request.user,
        )
        return Response(SUCCESS)

    def delete(self, request, image_id):
        self.audit_resource = image_id
        services.image_delete(image=selectors.image_get(image_id=image_id), actor=request.user)
        return Response(SUCCESS)


class AssociateDeviceTypeApi(BmpApi):
    """associatedDeviceType (POST): binds one image to device types."""

    rules = {"post": rbac.INVENTORY_WRITE}
    audit = {"post": "AssociateImageDeviceTypes"}

    def post(self, request):
        body = AssociateDeviceTypeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self.audit_resource = body.validated_data["imageId"]
        bindings.device_types_bind(
            image_id=body.validated_data["imageId"],
            device_type_ids=body.validated_data["deviceTypeIds"],
            actor=request.user,
        )
        return Response(SUCCESS)


class DissociateDeviceTypeApi(BmpApi):
    """dissociatedDeviceType (DELETE with a body): unbinds an image from a device type."""

    rules = {"delete": rbac.INVENTORY_WRITE}
    audit = {"delete": "DissociateImageDeviceType"}

    def delete(self, request):
        body = DissociateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self.audit_resource = body.validated_data["imageId"]
        bindings.unbind(
            device_type_id=body.validated_data["deviceTypeId"],
            image_id=body.validated_data["imageId"],
            actor=request.user,
        )
        return Response(SUCCESS)


class ImageDeviceTypesApi(BmpApi):
    """describeImageDeviceTypes (GET): device types, bound to the image or not."""

    rules = {"get": rbac.INVENTORY_READ}

    class FilterSerializer(PageQuerySerializer):
        imageId = name_field(64)
        architecture = query_enum(choices.ARCHITECTURES)
        isBind = query_enum(("0", "1"))

    def get(self, request):
        image = selectors.image_get(image_id=self.query["imageId"])
        queryset = device_type_selectors.image_device_type_list(image=image, filters=self.query)
        items, page = paginate(queryset, self.query)
        rows = ImageDeviceTypeOutputSerializer(items, many=True, context={"request": request}).data
        return Response(list_result("deviceTypes", rows, page))
