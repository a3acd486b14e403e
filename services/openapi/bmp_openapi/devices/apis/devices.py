"""describeDevices, createDevice, describeDevice, modifyDevice, deleteDevice,
describeDeviceStock."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response

from bmp_common.api.paging import PageQuerySerializer, list_result, paginate
from bmp_common.api.serializers import filter_field
from bmp_common.i18n import request_language
from bmp_common.unset import UNSET
from bmp_openapi.catalog import choices as catalog_choices
from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi
from bmp_openapi.core.responses import SUCCESS
from bmp_openapi.devices import choices, selectors, services, states
from bmp_openapi.devices.apis.audit import DeviceAudited
from bmp_openapi.devices.apis.serializers import (
    CreateDevicesSerializer,
    DeviceOutputSerializer,
    ModifyDeviceSerializer,
)
from bmp_openapi.devices.fields import PatternField, VisibleNameField
from bmp_openapi.instances import selectors as instance_selectors
from bmp_openapi.oob.selectors import health_by_device


def list_pattern(values) -> str:
    """A comma-separated list of ``values`` (or nothing)."""
    one = "(" + "|".join(values) + ")"
    return f"^({one}(,{one})*)?$"


def list_filter(values) -> PatternField:
    return PatternField(
        list_pattern(values),
        message=f"a comma-separated list of {', '.join(values)}",
        max_length=128,
        required=False,
        allow_blank=True,
    )


def device_context(request, devices) -> dict:
    """The serializer's context: the language, and the instances on ``devices``."""
    instance_ids = [device.instance_id for device in devices if device.instance_id]
    return {
        "request": request,
        "language": request_language(request),
        "instances": instance_selectors.instances_by_id(instance_ids=instance_ids),
        "health": health_by_device([device.device_id for device in devices]),
    }


def render_device(device, request) -> dict:
    return DeviceOutputSerializer(device, context=device_context(request, [device])).data


class DeviceListCreateApi(BmpApi):
    """describeDevices (GET), createDevice (POST)"""

    rules = {"get": rbac.INVENTORY_READ, "post": rbac.INVENTORY_WRITE}
    audit = {"post": "CreateDevice"}

    class FilterSerializer(PageQuerySerializer):
        idcId = filter_field(64)
        sn = filter_field(64)
        instanceId = filter_field(64)
        instanceName = filter_field(128)
        deviceTypeId = filter_field(1024)  # comma-separated ids
        manageStatus = list_filter(states.STATUSES)
        iloIp = filter_field(45)
        ipv4 = filter_field(45)
        ipv6 = filter_field(45)
        deviceSeries = list_filter(catalog_choices.DEVICE_SERIES)
        userId = filter_field(64)
        userName = filter_field(64)
        collectStatus = serializers.ChoiceField(
            choices=[*choices.COLLECT_STATUSES, ""], required=False
        )

    def get(self, request):
        devices = selectors.device_list(principal=request.user, filters=self.query)
        total = selectors.device_list_count(principal=request.user, filters=self.query)
        items, page = paginate(devices, self.query, by_key=True, total=total)
        items = list(items)
        context = device_context(request, items)
        rows = DeviceOutputSerializer(items, many=True, context=context).data
        return Response(list_result("devices", rows, page))

    def post(self, request):
        body = CreateDevicesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self.audit_resource = body.validated_data["idcId"]
        devices = services.device_import(
            idc_id=body.validated_data["idcId"],
            devices=body.validated_data["devices"],
            actor=request.user,
        )
        return Response({**SUCCESS, "deviceIds": [device.device_id for device in devices]})


class DeviceStockApi(BmpApi):
    """describeDeviceStock (GET; upstream's spec says DELETE, its router GET)"""

    rules = {"get": rbac.INVENTORY_READ}

    class FilterSerializer(serializers.Serializer):
        deviceTypeId = VisibleNameField(64)

    def get(self, request):
        stocks = selectors.device_stock(device_type_id=self.query["deviceTypeId"])
        return Response({"stocks": stocks})


class DeviceDetailApi(DeviceAudited, BmpApi):
    """describeDevice (GET), modifyDevice (PUT), deleteDevice (DELETE)"""

    rules = {
        "get": rbac.INVENTORY_READ,
        "put": rbac.INVENTORY_WRITE,
        "delete": rbac.INVENTORY_WRITE,
    }
    audit = {"put": "ModifyDevice", "delete": "DeleteDevice"}

    def get(self, request, device_id):
        device = selectors.device_get(principal=request.user, device_id=device_id)
        return Response({"device": render_device(device, request)})

    def put(self, request, device_id):
        self.audit_resource = device_id
        body = ModifyDeviceSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        services.device_modify(
            device_id=device_id,
            cabinet=values.get("cabinet", UNSET),
            u_position=values.get("uPosition", UNSET),
            brand=values.get("brand", UNSET),
            model=values.get("model", UNSET),
            architecture=values.get("architecture", UNSET),
            description=values.get("description", UNSET),
            ilo_ip=values.get("iloIp", UNSET),
            ilo_port=values.get("iloPort", UNSET),
            bmc_interface=values.get("bmcInterface", UNSET),
            ilo_user=values.get("iloUser", UNSET),
            ilo_password=values.get("iloPassword", UNSET),
            mac1=values.get("mac1", UNSET),
            mac2=values.get("mac2", UNSET),
            private_ipv4=values.get("privateIpv4", UNSET),
            private_ipv6=values.get("privateIpv6", UNSET),
            mask=values.get("mask", UNSET),
            gateway=values.get("gateway", UNSET),
            actor=request.user,
        )
        return Response(SUCCESS)

    def delete(self, request, device_id):
        self.audit_resource = device_id
        services.device_delete(device_id=device_id, actor=request.user)
        return Response(SUCCESS)
