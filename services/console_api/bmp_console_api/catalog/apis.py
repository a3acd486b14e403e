"""What the create-instance form needs: IDCs, device types with their stock, images and default
partitions per device type, RAID levels per volume."""

from __future__ import annotations

from rest_framework.response import Response

from bmp_common import errors
from bmp_common.bff.views import BffApi, OperationApi
from bmp_common.errors import BmpError


class IdcsApi(OperationApi):
    """GET /idc: the IDCs."""

    operations = {"get": "describeIdcs"}


class AvailableDeviceTypesApi(BffApi):
    """GET /deviceType/getAvailableDeviceTypes?idcId=: the IDC's device types, each with its
    stock (``stocks``: devices on sale with no instance) and ``available`` (stock above 0)."""

    def get(self, request):
        query = {"isAll": "1"}
        if request.query_params.get("idcId"):
            query["idcId"] = request.query_params["idcId"]
        found = self.openapi("describeDeviceTypes", query=query)
        device_types = []
        for device_type in found["deviceTypes"]:
            stock = self.openapi(
                "describeDeviceStock", query={"deviceTypeId": device_type["deviceTypeId"]}
            )["stocks"]
            device_types.append({**device_type, "stocks": stock, "available": stock > 0})
        return Response({"deviceTypes": device_types})


class DeviceStockEnoughApi(BffApi):
    """GET /device/isDeviceStockEnough?deviceTypeId&count: enough devices for ``count``."""

    def get(self, request):
        try:
            count = int(request.query_params.get("count", "1"))
        except ValueError:
            raise BmpError(errors.INVALID_ARGUMENT, detail="count: an integer") from None
        stock = self.openapi(
            "describeDeviceStock",
            query={"deviceTypeId": request.query_params.get("deviceTypeId", "")},
        )["stocks"]
        return Response({"success": stock >= count, "stocks": stock})


class ImagesByDeviceTypeApi(OperationApi):
    """GET /image/queryImagesByDeviceType?deviceTypeId=: the images a device type can install."""

    operations = {"get": "describeDeviceTypeImages"}


class DefaultPartitionsApi(OperationApi):
    """GET /partition/queryDefaultSystemPartitions?deviceTypeId&imageId: default partitions."""

    operations = {"get": "describeDeviceTypeImagePartitions"}


class VolumeRaidsApi(OperationApi):
    """GET /raid/queryRaidsByDeviceTypeIDAndVolumeType?deviceTypeId&volumeType: each volume of
    the device type with the RAID levels it offers."""

    operations = {"get": "describeVolumesRaids"}
