"""Out-of-band monitoring's calls into openapi, made by our own services with the ``system``
key: the poller's targets (with each BMC's password encrypted, as the scheduler hands it to
the driver), and oob-alert's health reports and fault notices."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response

from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi
from bmp_openapi.core.responses import SUCCESS
from bmp_openapi.devices.fields import VisibleNameField
from bmp_openapi.jobs.services.submission import node_facts
from bmp_openapi.oob import selectors, services
from bmp_openapi.oob.serializers import HealthSerializer, NoticesSerializer

# Our services only: admins may read them too, nobody on the console.
INTERNAL = rbac.Rule(operation=rbac.ADMINS, console=rbac.NOBODY)


class OobTargetsApi(BmpApi):
    """describeOobTargets (GET ?idcId=): the devices whose BMC oob-agent reads."""

    rules = {"get": INTERNAL}
    service_methods = frozenset({"get"})

    class FilterSerializer(serializers.Serializer):
        idcId = VisibleNameField(64)

    def get(self, request):
        targets = []
        for device in selectors.oob_targets(idc_id=self.query["idcId"]):
            facts = node_facts(device)
            targets.append(
                {
                    "deviceId": device.device_id,
                    "sn": device.sn,
                    "idcId": device.idc.idc_id,
                    "idcName": device.idc.name_en or device.idc.name,
                    "brand": device.brand,
                    "model": device.model,
                    "manageStatus": device.manage_status,
                    "iloIp": device.ilo_ip,
                    "instanceId": device.instance_id,
                    "userId": device.user_id,
                    "bmc": facts["bmc"],
                }
            )
        return Response({"targets": targets})


class OobHealthApi(BmpApi):
    """modifyOobHealth (PUT): oob-alert's summary of a device's unhandled faults."""

    rules = {"put": INTERNAL}
    service_methods = frozenset({"put"})

    def put(self, request):
        body = HealthSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.health_set(
            device_id=body.validated_data["deviceId"], health=body.validated_data["health"]
        )
        return Response(SUCCESS)


class OobNoticesApi(BmpApi):
    """sendOobNotices (POST): a device's new faults become oob-monitor messages to its owner
    and the operators, and mails for the rules that push mail."""

    rules = {"post": INTERNAL}
    service_methods = frozenset({"post"})

    def post(self, request):
        body = NoticesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        sent = services.notices_send(
            device_id=body.validated_data["deviceId"], faults=body.validated_data["faults"]
        )
        return Response({"messages": sent})
