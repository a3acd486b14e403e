"""Serializers of the monitoring endpoints: rules and alerts in, and upstream's Rule, Alert,
agent status and chart shapes out."""

from __future__ import annotations

import json
from urllib.parse import unquote

from django.core.validators import RegexValidator
from rest_framework import serializers

from bmp_common.api.fields import UnixSecondsField
from bmp_common.api.serializers import (
    StrictCharField,
    StrictIntegerField,
    StrictItemSerializer,
    StrictSerializer,
    name_field,
    text_field,
)
from bmp_common.i18n import request_language
from bmp_openapi.inbox.choices import NAMES as INBOX_NAMES
from bmp_openapi.instances.apis.instances import render_instances
from bmp_openapi.instances.models import Instance
from bmp_openapi.monitoring import choices, notify
from bmp_openapi.monitoring.models import MonitorRule

MAX_INSTANCES = 100
MAX_TRIGGERS = 10
CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"


class StrictFloatField(serializers.FloatField):
    """A JSON number (not a string, not a boolean)."""

    def to_internal_value(self, data):
        if isinstance(data, bool | str):
            self.fail("invalid")
        return super().to_internal_value(data)


# -- Input -------------------------------------------------------------------------------------


class RuleTriggerSerializer(StrictItemSerializer):
    metric = serializers.ChoiceField(choices=choices.METRICS)
    period = StrictIntegerField(min_value=1, max_value=choices.MAX_PERIOD)
    calculation = serializers.ChoiceField(choices=choices.CALCULATIONS)
    calculationUnit = text_field(16)
    operation = serializers.ChoiceField(choices=[*choices.OPERATIONS, *choices.OPERATORS])
    threshold = StrictFloatField(min_value=-1e15, max_value=1e15)
    times = serializers.ChoiceField(choices=choices.TIMES)
    noticeLevel = serializers.ChoiceField(choices=choices.NOTICE_LEVELS)
    # What upstream's consoles send back from a described rule; recomputed on the way out.
    tableName = text_field(32)
    metricName = text_field(64)
    description = text_field(256)

    def to_internal_value(self, data):
        for name in ("times", "noticeLevel"):  # choices of integers take integers only
            if isinstance(data, dict) and not _is_int(data.get(name)):
                raise serializers.ValidationError({name: ["A valid integer is required."]})
        value = super().to_internal_value(data)
        for name in ("tableName", "metricName", "description"):
            value.pop(name, None)
        value.setdefault("calculationUnit", "")
        return value


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class IntChoicesField(serializers.ListField):
    default_error_messages = {"invalid": "Expected a list of integers."}

    def __init__(self, values, **kwargs):
        super().__init__(
            child=serializers.ChoiceField(choices=values), max_length=len(values), **kwargs
        )

    def to_internal_value(self, data):
        if isinstance(data, list) and not all(_is_int(item) for item in data):
            self.fail("invalid")
        return sorted(set(super().to_internal_value(data)))


class RuleNoticeSerializer(StrictItemSerializer):
    noticePeriod = serializers.ChoiceField(choices=choices.NOTICE_PERIODS)
    effectiveIntervalStart = serializers.RegexField(CLOCK)
    effectiveIntervalEnd = serializers.RegexField(CLOCK)
    noticeCondition = IntChoicesField(choices.NOTICE_CONDITIONS, min_length=1)
    noticeWay = IntChoicesField(choices.NOTICE_WAYS, min_length=1)
    # Whom upstream's consoles name; the notices go to the rule's owner.
    userId = text_field(64)
    userName = text_field(64)

    def to_internal_value(self, data):
        if isinstance(data, dict) and not _is_int(data.get("noticePeriod")):
            raise serializers.ValidationError({"noticePeriod": ["A valid integer is required."]})
        value = super().to_internal_value(data)
        value.pop("userId", None)
        value.pop("userName", None)
        return value


class AddRuleSerializer(StrictSerializer):
    ruleName = name_field(64)
    dimension = serializers.ChoiceField(choices=choices.DIMENSIONS)
    resource = serializers.ChoiceField(choices=choices.RESOURCES)
    instanceIds = serializers.ListField(
        child=StrictCharField(min_length=1, max_length=64),
        min_length=1,
        max_length=MAX_INSTANCES,
    )
    deviceTag = text_field(128)
    triggerOption = RuleTriggerSerializer(many=True, min_length=1, max_length=MAX_TRIGGERS)
    noticeOption = RuleNoticeSerializer()


class EditRuleSerializer(AddRuleSerializer):
    ruleId = name_field(64)


class RuleIdSerializer(StrictSerializer):
    ruleId = name_field(64)


class AlertIdSerializer(StrictSerializer):
    alertId = name_field(64)


class AddAlertItemSerializer(StrictItemSerializer):
    ruleName = text_field(256)
    ruleId = name_field(64)
    instanceId = name_field(64)
    # URL-escaped JSON of the trigger that fired (upstream's pronoea sends it so).
    trigger = name_field(4096)
    alertValue = text_field(64, required=True)
    calculationUnit = text_field(16)
    alertTimestamp = StrictIntegerField(min_value=0, max_value=2**40)
    alertPeriod = StrictIntegerField(min_value=0, max_value=10_000_000)
    isRecover = StrictIntegerField(min_value=0, max_value=1, required=False, default=0)

    def validate_trigger(self, value: str) -> dict:
        try:
            trigger = json.loads(unquote(value))
        except ValueError:
            raise serializers.ValidationError("not URL-escaped JSON") from None
        if not isinstance(trigger, dict) or trigger.get("metric") not in choices.METRICS:
            raise serializers.ValidationError("not a trigger of a known metric")
        return trigger


class AddAlertSerializer(StrictSerializer):
    alerts = AddAlertItemSerializer(many=True, min_length=1, max_length=1000)


class AgentCheckSerializer(StrictSerializer):
    sn = name_field(64)
    credential = StrictCharField(min_length=1, max_length=128, trim_whitespace=False)


class SoftwareRaidArraySerializer(StrictItemSerializer):
    name = StrictCharField(
        min_length=1,
        max_length=64,
        trim_whitespace=False,
        validators=[RegexValidator(r"^md[^\s\x00]*$", "an md device name, e.g. md127")],
    )
    level = StrictCharField(max_length=32, allow_blank=True, trim_whitespace=False)
    devices = serializers.ListField(
        child=StrictCharField(
            min_length=1,
            max_length=64,
            trim_whitespace=False,
            validators=[RegexValidator(r"^[^\s\x00]+$", "a device name, e.g. vda2")],
        ),
        max_length=64,
    )
    state = StrictCharField(max_length=64, allow_blank=True, trim_whitespace=False)
    degraded = serializers.BooleanField()


class SoftwareRaidReportSerializer(StrictSerializer):
    instanceId = name_field(64)
    softwareRaid = SoftwareRaidArraySerializer(many=True, max_length=64)


# -- Output ------------------------------------------------------------------------------------


def _language(context) -> str:
    request = context.get("request")
    return request_language(request) if request is not None else "en_US"


class RuleOutputSerializer(serializers.Serializer):
    ruleId = serializers.CharField(source="rule_id")
    ruleName = serializers.CharField(source="rule_name")
    dimension = serializers.CharField()
    dimensionName = serializers.SerializerMethodField()
    resource = serializers.CharField()
    resourceName = serializers.SerializerMethodField()
    deviceTag = serializers.CharField(source="device_tag")
    instanceIds = serializers.SerializerMethodField()
    instanceCount = serializers.SerializerMethodField()
    relatedResourceCount = serializers.SerializerMethodField()
    instances = serializers.SerializerMethodField()
    triggerOption = serializers.SerializerMethodField()
    triggerDescription = serializers.SerializerMethodField()
    noticeOption = serializers.SerializerMethodField()
    status = serializers.IntegerField()
    statusName = serializers.SerializerMethodField()
    userId = serializers.CharField(source="user.user_id")
    userName = serializers.CharField(source="user.user_name")
    createdTime = UnixSecondsField(source="created_at")
    updatedTime = UnixSecondsField(source="updated_at")

    def get_dimensionName(self, rule) -> str:
        return choices.name_of("dimension", rule.dimension, _language(self.context))

    def get_resourceName(self, rule) -> str:
        return choices.name_of("resource", rule.resource, _language(self.context))

    def get_instanceIds(self, rule) -> list[str]:
        return [link.instance_id for link in rule.links.all()]

    def get_instanceCount(self, rule) -> int:
        return len(rule.links.all())

    def get_relatedResourceCount(self, rule) -> int:
        return len(rule.links.all())

    def get_instances(self, rule) -> list[dict]:
        if not self.context.get("detail"):
            return []
        ids = self.get_instanceIds(rule)
        rows = Instance.objects.filter(instance_id__in=ids).select_related(
            "project", "user", "idc", "device", "device_type", "image", "image__os"
        )
        order = {instance_id: n for n, instance_id in enumerate(ids)}
        rows = sorted(rows, key=lambda row: order[row.instance_id])
        return render_instances(self.context["request"], rows, many=True)

    def get_triggerOption(self, rule) -> list[dict]:
        language = _language(self.context)
        return [
            {
                "metric": trigger["metric"],
                "metricName": _metric_name(trigger["metric"], language),
                "tableName": choices.table_of(trigger["metric"]),
                "period": trigger["period"],
                "calculation": trigger["calculation"],
                "calculationUnit": trigger.get("calculationUnit", ""),
                "operation": trigger["operation"],
                "threshold": float(trigger["threshold"]),
                "times": trigger["times"],
                "noticeLevel": trigger["noticeLevel"],
                "description": notify.trigger_description(trigger, language),
            }
            for trigger in rule.trigger_option
        ]

    def get_triggerDescription(self, rule) -> list[str]:
        language = _language(self.context)
        return [notify.trigger_description(t, language) for t in rule.trigger_option]

    def get_noticeOption(self, rule) -> dict:
        notice = rule.notice_option
        return {
            "noticePeriod": notice.get("noticePeriod", choices.DEFAULT_NOTICE_PERIOD),
            "effectiveIntervalStart": notice.get("effectiveIntervalStart", "00:00:00"),
            "effectiveIntervalEnd": notice.get("effectiveIntervalEnd", "23:59:59"),
            "noticeCondition": notice.get("noticeCondition", [choices.NOTICE_ON_ALERT]),
            "noticeWay": notice.get("noticeWay", []),
            "userId": rule.user.user_id,
            "userName": rule.user.user_name,
        }

    def get_statusName(self, rule) -> str:
        return choices.name_of("status", rule.status, _language(self.context))


def _metric_name(metric: str, language: str) -> str:
    return INBOX_NAMES.get(metric, {}).get(language, metric)


class AlertOutputSerializer(serializers.Serializer):
    alertId = serializers.CharField(source="alert_id")
    alertTime = serializers.IntegerField(source="alert_time")
    alertValue = serializers.SerializerMethodField()
    alertLevel = serializers.IntegerField(source="alert_level")
    alertLevelDescription = serializers.SerializerMethodField()
    alertPeriod = serializers.IntegerField(source="alert_period")
    resource = serializers.SerializerMethodField()
    resourceId = serializers.CharField(source="resource_id")
    resourceName = serializers.CharField(source="resource_name")
    trigger = serializers.SerializerMethodField()
    triggerDescription = serializers.SerializerMethodField()
    userId = serializers.CharField(source="user.user_id")
    userName = serializers.CharField(source="user.user_name")
    createdTime = UnixSecondsField(source="created_at")
    rule = serializers.SerializerMethodField()
    instance = serializers.SerializerMethodField()

    def get_alertValue(self, alert) -> str:
        return f"{alert.alert_value}{alert.calculation_unit}"

    def get_alertLevelDescription(self, alert) -> str:
        return choices.name_of("level", alert.alert_level, _language(self.context))

    def get_resource(self, alert) -> str:
        return choices.name_of("resource", alert.resource, _language(self.context))

    def get_trigger(self, alert) -> str:
        return json.dumps(alert.trigger, ensure_ascii=False)

    def get_triggerDescription(self, alert) -> str:
        return notify.trigger_description(alert.trigger, _language(self.context))

    def get_rule(self, alert) -> dict:  # rules are only ever soft-deleted
        rule = MonitorRule.all_objects.select_related("user").get(rule_id=alert.rule_id)
        context = {**self.context, "detail": False}
        return RuleOutputSerializer(rule, context=context).data

    def get_instance(self, alert) -> dict | None:
        row = (
            Instance.all_objects.filter(instance_id=alert.resource_id)
            .select_related("project", "user", "idc", "device", "device_type", "image", "image__os")
            .first()
        )
        return render_instances(self.context["request"], row) if row else None


class AgentStatusItemSerializer(serializers.Serializer):
    instance_id = serializers.CharField()
    sn = serializers.CharField(allow_blank=True)
    agent_version = serializers.CharField(allow_blank=True)
    status = serializers.IntegerField()
    statusName = serializers.SerializerMethodField()
    timestamp = serializers.IntegerField()

    def get_statusName(self, item) -> str:
        return choices.name_of("agent", item["status"], _language(self.context))
