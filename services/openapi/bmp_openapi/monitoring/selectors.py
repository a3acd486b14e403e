"""Reads of in-band monitoring: rules and alerts as their owner (or staff) see them, the
agents' credential check, and the questions asked of pronoea and the monitor-proxy."""

from __future__ import annotations

import hashlib
import hmac

from django.db.models import QuerySet

from bmp_common.errors import BmpError
from bmp_openapi.core.scoping import sees_fleet
from bmp_openapi.instances.models import Instance
from bmp_openapi.instances.selectors import visible_instance_ids
from bmp_openapi.monitoring import backends, choices
from bmp_openapi.monitoring.error_codes import (
    ALERT_NOT_FOUND,
    CREDENTIAL_REFUSED,
    INSTANCES_NOT_FOUND,
    RULE_NOT_FOUND,
)
from bmp_openapi.monitoring.models import AgentCredential, MonitorAlert, MonitorRule

MAX_IDS_IN_ERROR = 10


def rule_list(*, actor, filters: dict) -> QuerySet[MonitorRule]:
    rules = MonitorRule.objects.select_related("user").prefetch_related("links")
    if not sees_fleet(actor):
        rules = rules.filter(user=actor)
    if filters.get("userId"):
        rules = rules.filter(user__user_id=filters["userId"])
    if filters.get("userName"):
        rules = rules.filter(user__user_name__icontains=filters["userName"])
    if filters.get("ruleId"):
        rules = rules.filter(rule_id=filters["ruleId"])
    if filters.get("ruleName"):
        rules = rules.filter(rule_name__icontains=filters["ruleName"])
    if filters.get("status"):
        rules = rules.filter(status=filters["status"])
    return rules


def rule_get(*, actor, rule_id: str) -> MonitorRule:
    """A rule the caller may see (staff on the operation profile: any); else 404."""
    rule = rule_list(actor=actor, filters={}).filter(rule_id=rule_id).first()
    if rule is None:
        raise BmpError(RULE_NOT_FOUND, rule_id=rule_id)
    return rule


def rule_get_own(*, actor, rule_id: str) -> MonitorRule:
    """A rule of the caller's own: only its owner changes a rule (staff read others')."""
    rule = MonitorRule.objects.filter(rule_id=rule_id, user=actor).first()
    if rule is None:
        raise BmpError(RULE_NOT_FOUND, rule_id=rule_id)
    return rule


def instances_for_rule(*, actor, instance_ids: list[str]) -> list[Instance]:
    """The instances a rule of ``actor`` may watch (those they see), in the order given."""
    wanted = list(dict.fromkeys(instance_ids))
    found = _visible_instances(actor, wanted)
    missing = [instance_id for instance_id in wanted if instance_id not in found]
    if missing:
        shown = missing[:MAX_IDS_IN_ERROR] + (["…"] if len(missing) > MAX_IDS_IN_ERROR else [])
        raise BmpError(INSTANCES_NOT_FOUND, instance_ids=", ".join(shown))
    return [found[instance_id] for instance_id in wanted]


def _visible_instances(actor, instance_ids: list[str]) -> dict[str, Instance]:
    rows = Instance.objects.select_related("project", "device").filter(instance_id__in=instance_ids)
    if not sees_fleet(actor):
        rows = rows.filter(instance_id__in=visible_instance_ids(actor).values("instance_id"))
    return {instance.instance_id: instance for instance in rows}


def instance_for_monitoring(*, actor, instance_id: str) -> Instance:
    return instances_for_rule(actor=actor, instance_ids=[instance_id])[0]


def alert_list(*, actor, filters: dict) -> QuerySet[MonitorAlert]:
    alerts = MonitorAlert.objects.select_related("user")
    if not sees_fleet(actor):
        alerts = alerts.filter(user=actor)
    for field, column in (
        ("userId", "user__user_id"),
        ("userName", "user__user_name"),
        ("ruleId", "rule_id"),
        ("resourceId", "resource_id"),
    ):
        if filters.get(field):
            alerts = alerts.filter(**{column: filters[field]})
    if filters.get("ruleName"):
        alerts = alerts.filter(rule_name__icontains=filters["ruleName"])
    if filters.get("startTime"):
        alerts = alerts.filter(alert_time__gte=filters["startTime"])
    if filters.get("endTime"):
        alerts = alerts.filter(alert_time__lte=filters["endTime"])
    return alerts


def alert_get(*, actor, alert_id: str) -> MonitorAlert:
    alert = alert_list(actor=actor, filters={}).filter(alert_id=alert_id).first()
    if alert is None:
        raise BmpError(ALERT_NOT_FOUND, alert_id=alert_id)
    return alert


def rule_for_pronoea(rule: MonitorRule) -> dict:
    """The rule as pronoea writes it into a rule file (upstream's ``Rule``)."""
    return {
        "ruleId": rule.rule_id,
        "ruleName": rule.rule_name,
        "dimension": rule.dimension,
        "resource": rule.resource,
        "instanceIds": [link.instance_id for link in rule.links.all()],
        "deviceTag": rule.device_tag,
        "triggerOption": [
            {**trigger, "tableName": choices.table_of(trigger["metric"])}
            for trigger in rule.trigger_option
        ],
        "noticeOption": rule.notice_option,
    }


# -- The agents' credentials (monitor-proxy asks) ----------------------------------------------


def credential_digest(credential: str) -> str:
    """What is kept of a credential: 256 random bits need no slow hash."""
    return hashlib.sha256(credential.encode()).hexdigest()


def agent_credential_check(*, sn: str, credential: str) -> dict:
    """The instance whose agent reports with ``credential`` from the server ``sn``; 401 for
    anything else (an unknown, revoked or other instance's credential)."""
    row = AgentCredential.objects.filter(digest=credential_digest(credential)).first()
    if row is None or not hmac.compare_digest(row.sn, sn):
        raise BmpError(CREDENTIAL_REFUSED)
    instance = Instance.objects.select_related("user", "project").filter(
        instance_id=row.instance_id
    )
    found = instance.first()
    if found is None:
        raise BmpError(CREDENTIAL_REFUSED)
    return {
        "instanceId": found.instance_id,
        "instanceName": found.instance_name,
        "sn": row.sn,
        "userId": found.user.user_id,
        "projectId": found.project.project_id,
    }


# -- What pronoea and the monitor-proxy answer -------------------------------------------------


def rules_diff_from_pronoea() -> dict:
    """checkDiffFromPronoea: {ruleId: {instanceId: {pronoeaExist, daoExist}}} for every pair
    one side has and the other lacks (upstream's shape; pairs both have are left out)."""
    enabled = MonitorRule.objects.exclude(status=choices.RULE_DISABLED).prefetch_related("links")
    ours = {(rule.rule_id, link.instance_id) for rule in enabled for link in rule.links.all()}
    theirs: set[tuple[str, str]] = set()
    if backends.deployed(backends.PRONOEA):
        answer = backends.call(
            backends.PRONOEA, "GET", f"/api/rules/list?source={choices.PRONOEA_SOURCE}"
        )
        for rule in answer.get("rules") or []:
            for instance_id in rule.get("instanceIds") or []:
                theirs.add((rule["ruleId"], instance_id))
    diff: dict[str, dict[str, dict[str, bool]]] = {}
    for rule_id, instance_id in sorted(ours ^ theirs):
        diff.setdefault(rule_id, {})[instance_id] = {
            "pronoeaExist": (rule_id, instance_id) in theirs,
            "daoExist": (rule_id, instance_id) in ours,
        }
    return diff


def agent_status(*, instance_ids: list[str]) -> list[dict]:
    answer = backends.call(
        backends.MONITOR_PROXY, "POST", "/api/v1/describeAgentStatus", {"instanceIds": instance_ids}
    )
    return list(answer or [])


def device_tags(*, instance_id: str, tag_name: str) -> list[str]:
    answer = backends.call(
        backends.MONITOR_PROXY,
        "POST",
        "/api/v1/tags",
        {"instanceId": instance_id, "metric": tag_name},
    )
    return [str(tag) for tag in (answer or [])]


def monitor_data(
    *,
    instance_id: str,
    metrics: list[str],
    device: str,
    start: int,
    end: int,
    step: int,
    down_sample: str,
) -> list[dict]:
    """getMonitorData: one series per metric through pronoea's query (Prometheus query_range);
    a disk or NIC metric without a device takes the instance's first such tag."""
    results = []
    for metric in metrics:
        tag_name = choices.TAGGED_METRICS.get(metric)
        wanted_device = device
        if tag_name and not wanted_device:
            tags = device_tags(instance_id=instance_id, tag_name=tag_name)
            wanted_device = tags[0] if tags else ""
        func = {}
        if metric in choices.GB_METRICS:
            func = {"/": 1_000_000_000}
        elif metric in choices.BITS_METRICS:
            func = {"*": 8}
        labels = {"metric_name": metric, "instance_id": instance_id}
        if wanted_device:
            labels["device"] = wanted_device
        query = {
            "tableName": choices.table_of(metric),
            "sampleMethod": down_sample,
            "labels": labels,
            "startTime": start,
            "endTime": end,
            "step": step,
            "func": func,
        }
        answer = backends.call(backends.PRONOEA, "POST", "/api/query", query)
        points = []
        for series in answer or []:
            points = [
                {"timestamp": int(point["timestamp"]), "value": str(point["value"])}
                for point in series.get("data") or []
            ]
            break
        results.append({"data": points, "query": {**query, "labels": _camel(labels)}})
    return results


def _camel(labels: dict) -> dict:
    return {
        "metricName"
        if key == "metric_name"
        else "instanceId"
        if key == "instance_id"
        else key: value
        for key, value in labels.items()
    }
