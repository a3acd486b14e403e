"""Monitoring endpoints (tags monitorRule, monitorAlert, monitorData, monitorProxy): parse, call
one service or selector, render. Upstream's paths, typos included (``desrcibe…``)."""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass

from django.conf import settings
from rest_framework import authentication, serializers
from rest_framework.response import Response

from bmp_common.api.paging import PageQuerySerializer, list_result, paginate
from bmp_common.api.serializers import StrictIntegerField, filter_field, name_field, text_field
from bmp_common.unset import UNSET, given
from bmp_openapi.accounts.authentication import ApiKeyAuthentication
from bmp_openapi.accounts.principals import ServiceCaller
from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi
from bmp_openapi.core.responses import SUCCESS
from bmp_openapi.monitoring import choices, selectors, services
from bmp_openapi.monitoring.serializers import (
    AddAlertSerializer,
    AddRuleSerializer,
    AgentCheckSerializer,
    AgentStatusItemSerializer,
    AlertIdSerializer,
    AlertOutputSerializer,
    EditRuleSerializer,
    RuleIdSerializer,
    RuleOutputSerializer,
    SoftwareRaidReportSerializer,
)
from bmp_openapi.monitoring.services import SoftwareRaidArray

MAX_QUERY_IDS = 100


class _RuleWriteApi(BmpApi):
    rules = {"put": rbac.OWN}

    def _rule(self, request):
        body = RuleIdSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self.audit_resource = body.validated_data["ruleId"]
        return selectors.rule_get_own(actor=request.user, rule_id=self.audit_resource)


def _definition(values: dict) -> services.RuleDefinition:
    return services.RuleDefinition(
        rule_name=values["ruleName"],
        dimension=values["dimension"],
        resource=values["resource"],
        trigger_option=values["triggerOption"],
        notice_option=values["noticeOption"],
        **given(device_tag=values.get("deviceTag", UNSET)),
    )


class AddRuleApi(BmpApi):
    """addRule (POST)"""

    rules = {"post": rbac.OWN}
    audit = {"post": "AddRule"}

    def post(self, request):
        body = AddRuleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        instances = selectors.instances_for_rule(
            actor=request.user, instance_ids=data["instanceIds"]
        )
        rule = services.monitor_rule_create(
            definition=_definition(data), instances=instances, actor=request.user
        )
        self.audit_resource = rule.rule_id
        return Response({"success": True, "ruleId": rule.rule_id})


class EditRuleApi(BmpApi):
    """editRule (PUT)"""

    rules = {"put": rbac.OWN}
    audit = {"put": "EditRule"}

    def put(self, request):
        body = EditRuleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        self.audit_resource = data["ruleId"]
        rule = selectors.rule_get_own(actor=request.user, rule_id=data["ruleId"])
        instances = selectors.instances_for_rule(
            actor=request.user, instance_ids=data["instanceIds"]
        )
        services.monitor_rule_edit(
            rule=rule, definition=_definition(data), instances=instances, actor=request.user
        )
        return Response(SUCCESS)


class EnableRuleApi(_RuleWriteApi):
    """enableRule (PUT)"""

    audit = {"put": "EnableRule"}

    def put(self, request):
        services.monitor_rule_enable(rule=self._rule(request), actor=request.user)
        return Response(SUCCESS)


class DisableRuleApi(_RuleWriteApi):
    """disableRule (PUT)"""

    audit = {"put": "DisableRule"}

    def put(self, request):
        services.monitor_rule_disable(rule=self._rule(request), actor=request.user)
        return Response(SUCCESS)


class DeleteRuleApi(_RuleWriteApi):
    """deleteRule (DELETE): only a disabled rule."""

    rules = {"delete": rbac.OWN}
    audit = {"delete": "DeleteRule"}

    def delete(self, request):
        services.monitor_rule_delete(rule=self._rule(request), actor=request.user)
        return Response(SUCCESS)


class DescribeRuleApi(BmpApi):
    """describeRule (GET)"""

    rules = {"get": rbac.OWN}

    class FilterSerializer(serializers.Serializer):
        ruleId = name_field(64)

    def get(self, request):
        rule = selectors.rule_get(actor=request.user, rule_id=self.query["ruleId"])
        context = {"request": request, "detail": True}
        return Response(RuleOutputSerializer(rule, context=context).data)


class DescribeRulesApi(BmpApi):
    """describeRules (GET)"""

    rules = {"get": rbac.OWN}

    class FilterSerializer(PageQuerySerializer):
        userId = filter_field(64)
        userName = filter_field(64)
        ruleName = filter_field(64)
        ruleId = filter_field(64)
        status = StrictIntegerField(min_value=0, max_value=3, required=False)

    def get(self, request):
        items, page = paginate(
            selectors.rule_list(actor=request.user, filters=self.query), self.query
        )
        rows = RuleOutputSerializer(items, many=True, context={"request": request}).data
        return Response(list_result("rules", rows, page))


class DescribeAlertsApi(BmpApi):
    """describeAlerts (GET): upstream lists them under ``instances``."""

    rules = {"get": rbac.OWN}

    class FilterSerializer(PageQuerySerializer):
        userId = filter_field(64)
        userName = filter_field(64)
        ruleName = filter_field(64)
        ruleId = filter_field(64)
        resourceId = filter_field(64)
        startTime = StrictIntegerField(min_value=0, max_value=2**40, required=False)
        endTime = StrictIntegerField(min_value=0, max_value=2**40, required=False)

    def get(self, request):
        alerts = selectors.alert_list(actor=request.user, filters=self.query)
        items, page = paginate(alerts, self.query)
        rows = AlertOutputSerializer(items, many=True, context={"request": request}).data
        return Response(list_result("instances", rows, page))


class DescribeAlertApi(BmpApi):
    """describeAlert (GET)"""

    rules = {"get": rbac.OWN}

    class FilterSerializer(serializers.Serializer):
        alertId = name_field(64)

    def get(self, request):
        alert = selectors.alert_get(actor=request.user, alert_id=self.query["alertId"])
        return Response(AlertOutputSerializer(alert, context={"request": request}).data)


class DeleteAlertApi(BmpApi):
    """deleteAlert (DELETE)"""

    rules = {"delete": rbac.OWN}
    audit = {"delete": "DeleteAlert"}

    def delete(self, request):
        body = AlertIdSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self.audit_resource = body.validated_data["alertId"]
        alert = selectors.alert_get(actor=request.user, alert_id=self.audit_resource)
        services.monitor_alert_delete(alert=alert, actor=request.user)
        return Response(SUCCESS)


class AddAlertApi(BmpApi):
    """addAlert (POST, console profile): pronoea's webhook, with the ``alert`` key only."""

    rules = {"post": rbac.ALERT_WEBHOOK}
    alert_methods = frozenset({"post"})

    def post(self, request):
        body = AddAlertSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.monitor_alerts_add(alerts=body.validated_data["alerts"])
        return Response(SUCCESS)


def _id_list(value: str) -> list[str]:
    ids = [part.strip() for part in value.split(",") if part.strip()]
    if not ids:
        raise serializers.ValidationError("comma-separated instance ids")
    return list(dict.fromkeys(ids))


class MonitorDataApi(BmpApi):
    """getMonitorData (GET): the series of some metrics of an instance, through pronoea."""

    rules = {"get": rbac.OWN}

    class FilterSerializer(serializers.Serializer):
        metricName = name_field(1024)
        instanceId = name_field(64)
        device = text_field(128)
        startTime = StrictIntegerField(min_value=0, max_value=2**40, required=False)
        endTime = StrictIntegerField(min_value=0, max_value=2**40, required=False)
        timeInterval = StrictIntegerField(min_value=1, max_value=86400, required=False)
        lastManyTime = StrictIntegerField(min_value=1, max_value=24 * 366, required=False)
        downSampleType = serializers.ChoiceField(
            choices=["", *choices.CALCULATIONS], required=False, default=""
        )
        userName = text_field(64)
        idcID = text_field(64)

        def validate_metricName(self, value: str) -> list[str]:
            metrics = [part.strip() for part in value.split(",") if part.strip()]
            unknown = sorted(set(metrics) - set(choices.METRICS))
            if not metrics or unknown:
                raise serializers.ValidationError(f"unknown metrics: {', '.join(unknown)}")
            return list(dict.fromkeys(metrics))

    def get(self, request):
        query = self.query
        instance = selectors.instance_for_monitoring(
            actor=request.user, instance_id=query["instanceId"]
        )
        end = query.get("endTime") or int(time.time())
        start = query.get("startTime") or end - 3600 * query.get("lastManyTime", 1)
        if start > end:
            raise serializers.ValidationError({"startTime": ["after endTime"]})
        step = query.get("timeInterval") or max(60, (end - start) // 300)
        series = selectors.monitor_data(
            instance_id=instance.instance_id,
            metrics=query["metricName"],
            device=query.get("device", ""),
            start=start,
            end=end,
            step=step,
            down_sample=query.get("downSampleType", ""),
        )
        return Response(series)


class AgentStatusApi(BmpApi):
    """desrcibeAgentStatus (GET): whether each instance's agent reports (monitor-proxy)."""

    rules = {"get": rbac.OWN}

    class FilterSerializer(serializers.Serializer):
        instanceId = name_field(MAX_QUERY_IDS * 65)

        def validate_instanceId(self, value: str) -> list[str]:
            return _id_list(value)

    def get(self, request):
        instances = selectors.instances_for_rule(
            actor=request.user, instance_ids=self.query["instanceId"]
        )
        if len(instances) > MAX_QUERY_IDS:
            raise serializers.ValidationError({"instanceId": [f"at most {MAX_QUERY_IDS} ids"]})
        items = selectors.agent_status(instance_ids=[i.instance_id for i in instances])
        known = {item.get("instance_id"): item for item in items}
        rows = [
            {
                "instance_id": instance.instance_id,
                "sn": known.get(instance.instance_id, {}).get("sn") or instance.device.sn,
                "agent_version": known.get(instance.instance_id, {}).get("agent_version", ""),
                "status": int(known.get(instance.instance_id, {}).get("status", 0)),
                "timestamp": int(known.get(instance.instance_id, {}).get("timestamp", 0)),
            }
            for instance in instances
        ]
        data = AgentStatusItemSerializer(rows, many=True, context={"request": request}).data
        return Response({"agentStatus": data})


class DeviceTagsApi(BmpApi):
    """desrcibeTags (GET): the instance's disks, mount points or NICs its agent reported."""

    rules = {"get": rbac.OWN}

    class FilterSerializer(serializers.Serializer):
        instanceId = name_field(64)
        tagName = serializers.ChoiceField(choices=choices.TAG_NAMES)

    def get(self, request):
        instance = selectors.instance_for_monitoring(
            actor=request.user, instance_id=self.query["instanceId"]
        )
        tags = selectors.device_tags(
            instance_id=instance.instance_id, tag_name=self.query["tagName"]
        )
        return Response({"tags": tags})


class CheckDiffFromPronoeaApi(BmpApi):
    """checkDiffFromPronoea (GET): the (rule, instance) pairs openapi and pronoea disagree on."""

    rules = {"get": rbac.STAFF_ONLY}

    def get(self, request):
        return Response(selectors.rules_diff_from_pronoea())


@dataclass(frozen=True)
class MonitoringToken:
    """What ``request.auth`` is for a monitoring service (the idempotency records' caller)."""

    apikey_id: str = "monitoring-token"
    type: str = "monitoring"


class MonitoringTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <BMP_MONITOR_TOKEN>``: the monitor-proxy, and only it."""

    def authenticate(self, request):
        scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        expected = settings.BMP_MONITOR_TOKEN
        if scheme.lower() != "bearer" or not token or not expected:
            return None  # an API key, perhaps: the next authenticator decides
        if not hmac.compare_digest(token.strip().encode(), expected.encode()):
            return None
        return ServiceCaller(key_name="monitor-proxy"), MonitoringToken()

    def authenticate_header(self, request):
        return "Bearer"


class AgentCheckApi(BmpApi):
    """checkMonitorAgent (POST, ours): the monitor-proxy asks whose agent a credential is
    (upstream's unauthenticated queryBySn, with the agent's credential checked)."""

    # Users' keys authenticate too, and are refused (403) as every user role is.
    authentication_classes = (MonitoringTokenAuthentication, ApiKeyAuthentication)
    rules = {"post": rbac.MONITORING_INTERNAL}
    service_methods = frozenset({"post"})

    def post(self, request):
        body = AgentCheckSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response({"instance": selectors.agent_credential_check(**body.validated_data)})


class SoftwareRaidReportApi(BmpApi):
    """reportSoftwareRaid (POST, ours): the monitor-proxy forwards the software RAID arrays an
    instance's agent reported; the instance's detail shows them."""

    authentication_classes = (MonitoringTokenAuthentication, ApiKeyAuthentication)
    rules = {"post": rbac.MONITORING_INTERNAL}
    service_methods = frozenset({"post"})

    def post(self, request):
        body = SoftwareRaidReportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        arrays = [SoftwareRaidArray(**row) for row in body.validated_data["softwareRaid"]]
        services.agent_software_raid_report(
            instance_id=body.validated_data["instanceId"], arrays=arrays
        )
        return Response({"success": True})
