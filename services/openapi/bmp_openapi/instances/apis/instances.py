"""Instance endpoints (tag ``instance``): upstream's paths under /v1/project/instances."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response

from bmp_common import progress
from bmp_common.api.paging import PageQuerySerializer, list_result, paginate
from bmp_common.api.serializers import filter_field
from bmp_common.i18n import request_language
from bmp_common.unset import UNSET, given
from bmp_openapi.accounts.apis.serializers import body_of
from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi
from bmp_openapi.core.responses import SUCCESS
from bmp_openapi.instances import selectors, states
from bmp_openapi.instances.apis.serializers import (
    CreateInstanceSerializer,
    InstanceOutputSerializer,
    ModifyInstanceSerializer,
    ReinstallInstanceSerializer,
    ResetPasswordSerializer,
)
from bmp_openapi.instances.models import Instance
from bmp_openapi.instances.services import actions
from bmp_openapi.instances.services.create import instances_create
from bmp_openapi.instances.states import JOB_RUNNING
from bmp_openapi.jobs.selectors import jobs_status_by_id
from bmp_openapi.oob.selectors import health_by_device


def render_instances(request, instances, *, many=False):
    running = [i.job_id for i in (instances if many else [instances]) if i.status in JOB_RUNNING]
    context = {
        "request": request,
        "language": request_language(request),
        "progress": progress.read(running),  # one round trip to the cache per page
        "job_statuses": jobs_status_by_id(running) if running else {},
        "health": health_by_device(
            [i.device.device_id for i in (instances if many else [instances]) if i.device_id]
        ),
    }
    return InstanceOutputSerializer(instances, many=many, context=context).data


class InstanceAudited:
    """Audit entries of instance operations name the instance, its device and SN."""

    audit_resource: str

    def audit_columns(self) -> dict[str, str]:
        if not self.audit_resource:
            return {}
        row = (
            Instance.all_objects.filter(instance_id=self.audit_resource)
            .values("device__device_id", "device__sn")
            .first()
        )
        columns = {"instance_id": self.audit_resource}
        if row:
            columns.update(device_id=row["device__device_id"], sn=row["device__sn"])
        return columns


class InstanceListCreateApi(InstanceAudited, BmpApi):
    """describeProjectInstances (GET), createProjectInstance (POST)"""

    rules = {"get": rbac.OWN, "post": rbac.OWN}
    audit = {"post": "CreateInstances"}

    class FilterSerializer(PageQuerySerializer):
        instanceId = filter_field(64)
        instanceName = filter_field(128)
        deviceTypeId = filter_field(64)
        status = serializers.ChoiceField(choices=[*states.STATUSES, ""], required=False)
        deviceId = filter_field(64)
        sn = filter_field(64)
        idcId = filter_field(64)
        projectId = filter_field(64)
        ilo_ip = filter_field(45)
        ipv4 = filter_field(45)
        ipv6 = filter_field(45)

    def get(self, request):
        items, page = paginate(
            selectors.instance_list(actor=request.user, filters=self.query),
            self.query,
            by_key=True,
            total=selectors.instance_list_count(actor=request.user, filters=self.query),
        )
        return Response(list_result("instances", render_instances(request, items, many=True), page))

    def post(self, request):
        body = CreateInstanceSerializer(data=body_of(request))
        body.is_valid(raise_exception=True)
        values = body.validated_data
        created = instances_create(
            actor=request.user,
            idc_id=values["idcId"],
            project_id=values["projectId"],
            device_type_id=values["deviceTypeId"],
            image_id=values["imageId"],
            system_volume_raid_id=values["systemVolumeRaidId"],
            instance_name=values["instanceName"],
            sshkey_ids=values["sshKeyIds"],
            boot_mode=values["bootMode"],
            install_bmp_agent=values["installBmpAgent"],
            **given(
                count=values.get("count", UNSET),
                hostname=values.get("hostname", UNSET),
                password=values.get("password", UNSET),
                system_partitions=values.get("systemPartition", UNSET),
                volume_raids=values.get("VolumeRaids", UNSET),
                description=values.get("description", UNSET),
                user_data=values.get("userData", UNSET),
            ),
        )
        self.audit_resource = created[0].instance_id if len(created) == 1 else ""
        return Response({"instanceIds": [instance.instance_id for instance in created]})


class InstanceDetailApi(InstanceAudited, BmpApi):
    """describeProjectInstance (GET), modifyProjectInstance (PUT), deleteProjectInstance (DELETE)"""

    rules = {"get": rbac.OWN, "put": rbac.OWN, "delete": rbac.OWN}
    audit = {"put": "EditInstanceName", "delete": "DeleteInstance"}

    def get(self, request, instance_id):
        instance = selectors.instance_get(actor=request.user, instance_id=instance_id)
        return Response({"instance": render_instances(request, instance)})

    def put(self, request, instance_id):
        self.audit_resource = instance_id
        body = ModifyInstanceSerializer(data=body_of(request))
        body.is_valid(raise_exception=True)
        values = body.validated_data
        actions.instances_modify(
            actor=request.user,
            instance_ids=[instance_id],
            instance_name=values.get("instanceName", UNSET),
            description=values.get("description", UNSET),
        )
        return Response(SUCCESS)

    def delete(self, request, instance_id):
        self.audit_resource = instance_id
        actions.instances_delete(actor=request.user, instance_ids=[instance_id])
        return Response(SUCCESS)


class _InstanceActionApi(InstanceAudited, BmpApi):
    """PUT {instance_id}/<action> with no body."""

    rules = {"put": rbac.OWN}

    def put(self, request, instance_id):
        self.audit_resource = instance_id
        self.run(request.user, instance_id)
        return Response(SUCCESS)

    def run(self, actor, instance_id):
        raise NotImplementedError


class InstanceStartApi(_InstanceActionApi):
    audit = {"put": "StartInstances"}

    def run(self, actor, instance_id):
        actions.instances_power(actor=actor, instance_ids=[instance_id], action=states.START)


class InstanceStopApi(_InstanceActionApi):
    audit = {"put": "StopInstances"}

    def run(self, actor, instance_id):
        actions.instances_power(actor=actor, instance_ids=[instance_id], action=states.STOP)


class InstanceRestartApi(_InstanceActionApi):
    audit = {"put": "RestartInstances"}

    def run(self, actor, instance_id):
        actions.instances_power(actor=actor, instance_ids=[instance_id], action=states.RESTART)


class InstanceLockApi(_InstanceActionApi):
    audit = {"put": "LockInstances"}

    def run(self, actor, instance_id):
        actions.instance_set_locked(actor=actor, instance_id=instance_id, locked=True)


class InstanceUnlockApi(_InstanceActionApi):
    audit = {"put": "UnLockInstances"}

    def run(self, actor, instance_id):
        actions.instance_set_locked(actor=actor, instance_id=instance_id, locked=False)


class InstanceResetStatusApi(_InstanceActionApi):
    audit = {"put": "ResetInstances"}

    def run(self, actor, instance_id):
        actions.instance_reset_status(actor=actor, instance_id=instance_id)


class InstanceReinstallApi(InstanceAudited, BmpApi):
    """reinstallProjectInstance"""

    rules = {"put": rbac.OWN}
    audit = {"put": "ReinstallInstance"}

    def put(self, request, instance_id):
        self.audit_resource = instance_id
        body = ReinstallInstanceSerializer(data=body_of(request))
        body.is_valid(raise_exception=True)
        values = body.validated_data
        actions.instance_reinstall(
            actor=request.user,
            instance_id=instance_id,
            image_id=values["imageId"],
            system_volume_raid_id=values["systemVolumeRaidId"],
            instance_name=values["instanceName"],
            sshkey_ids=values["sshKeyIds"],
            boot_mode=values["bootMode"],
            install_bmp_agent=values["installBmpAgent"],
            description=values.get("description", UNSET),  # not given: the instance's stays
            **given(
                hostname=values.get("hostname", UNSET),
                password=values.get("password", UNSET),
                system_partitions=values.get("systemPartition", UNSET),
                data_partitions=values.get("dataPartition", UNSET),
                keep_data=values.get("keepData", UNSET),
            ),
        )
        return Response(SUCCESS)


class InstanceResetPasswordApi(InstanceAudited, BmpApi):
    """resetProjectInstancePasswd"""

    rules = {"put": rbac.OWN}
    audit = {"put": "InstanceResetPassword"}

    def put(self, request, instance_id):
        self.audit_resource = instance_id
        body = ResetPasswordSerializer(data=body_of(request))
        body.is_valid(raise_exception=True)
        actions.instances_reset_password(
            actor=request.user,
            instance_ids=[instance_id],
            password=body.validated_data["password"],
        )
        return Response(SUCCESS)
