"""Images: register (an image already in the image service's folder), describe, rename,
delete, bind to device types. (Uploading an image file is ``bmp_operation_api.uploads``.)"""

from __future__ import annotations

from rest_framework.response import Response

from bmp_common.bff.views import BffApi
from bmp_operation_api import exports
from bmp_operation_api.relay import relay

ImagesApi = relay({"post": "createImage", "get": "describeImages"}, export=exports.IMAGES)
ImageApi = relay(
    {"get": "describeImage", "put": "modifyImage", "delete": "deleteImage"},
    url_to_path={"image_id": "image_id"},
)
ImageDeviceTypesApi = relay({"get": "describeImageDeviceTypes"})
ImageBindDeviceTypesApi = relay({"post": "associatedDeviceType"})
ImageUnbindDeviceTypeApi = relay({"delete": "dissociatedDeviceType"})


class ImagesByDeviceTypeApi(BffApi):
    """GET /images/queryImagesByDeviceType?deviceTypeId=: the images a device type can install,
    grouped by OS type (the reinstall form's two-level choice), as upstream."""

    def get(self, request):
        found = self.openapi(
            "describeDeviceTypeImages",
            query={"deviceTypeId": request.query_params.get("deviceTypeId", ""), "isAll": "1"},
        )
        grouped: dict[str, list] = {}
        for image in found["images"]:
            grouped.setdefault(image["osType"], []).append(image)
        return Response(grouped)
