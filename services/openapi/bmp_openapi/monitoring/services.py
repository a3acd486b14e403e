"""Writes of in-band monitoring: rules (and their copies in pronoea), alerts and their notices,
the agents' credentials and pronoea's ``alert`` API key.

A rule's copy in pronoea follows the database: after each commit that changes a rule, the rule
is written to pronoea when it is live and enabled, and deleted from it otherwise (idempotent;
a failure is logged and shows in checkDiffFromPronoea until the next change or enable).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.utils import timezone

from bmp_common.api.fields import user_zone
from bmp_common.errors import BmpError
from bmp_common.ids import new_id, new_token
from bmp_openapi.accounts.choices import ADMIN_USER_NAME, ApiKeyType
from bmp_openapi.accounts.models import ApiKey, User
from bmp_openapi.accounts.selectors import apikey_by_token
from bmp_openapi.accounts.services import apikey_create
from bmp_openapi.inbox import choices as inbox_choices
from bmp_openapi.inbox.services import message_send
from bmp_openapi.instances.models import Instance
from bmp_openapi.monitoring import backends, choices, notify
from bmp_openapi.monitoring.error_codes import (
    INSTANCES_NOT_FOUND,
    RULE_ALREADY_DISABLED,
    RULE_NOT_DISABLED,
    RULE_NOT_DISABLED_TO_ENABLE,
    RULE_NOT_FOUND,
)
from bmp_openapi.monitoring.models import (
    AgentCredential,
    MonitorAlert,
    MonitorRule,
    MonitorRuleInstance,
)
from bmp_openapi.monitoring.selectors import credential_digest, rule_for_pronoea

log = logging.getLogger(__name__)

# -- Rules -------------------------------------------------------------------------------------


def _sync_on_commit(rule_ids: list[str]) -> None:
    if rule_ids:
        transaction.on_commit(partial(rules_push, rule_ids=list(rule_ids)))


def rules_push(*, rule_ids: list[str]) -> None:
    """Makes pronoea hold exactly the live, enabled ones of ``rule_ids`` (after a commit)."""
    if not backends.deployed(backends.PRONOEA):
        log.info("pronoea has no address: rules %s are kept for later", rule_ids)
        return
    rules = MonitorRule.objects.filter(rule_id__in=rule_ids).exclude(status=choices.RULE_DISABLED)
    enabled = [rule_for_pronoea(rule) for rule in rules.prefetch_related("links")]
    gone = sorted(set(rule_ids) - {rule["ruleId"] for rule in enabled})
    try:
        if enabled:
            backends.call(
                backends.PRONOEA,
                "POST",
                "/api/rules/write",
                {"source": choices.PRONOEA_SOURCE, "rules": enabled},
            )
        if gone:
            backends.call(
                backends.PRONOEA,
                "POST",
                "/api/rules/delete",
                {"source": choices.PRONOEA_SOURCE, "ruleIds": ",".join(gone)},
            )
    except BmpError as exc:
        log.warning("rules %s not synced to pronoea: %s", rule_ids, exc.message("en_US"))


def _link(rule: MonitorRule, instances: list[Instance]) -> None:
    MonitorRuleInstance.objects.filter(rule=rule).delete()
    MonitorRuleInstance.objects.bulk_create(
        MonitorRuleInstance(
            rule=rule, instance_id=instance.instance_id, instance_name=instance.instance_name
        )
        for instance in instances
    )


@dataclass(frozen=True)
class RuleDefinition:
    """What addRule and editRule define (the triggers and the notice keep the request's field
    names: their checks name those fields)."""

    rule_name: str
    dimension: str
    resource: str
    trigger_option: list[dict]
    notice_option: dict
    device_tag: str = ""


def _apply(rule: MonitorRule, definition: RuleDefinition) -> None:
    rule.rule_name = definition.rule_name
    rule.dimension = definition.dimension
    rule.resource = definition.resource
    rule.device_tag = definition.device_tag if rule.dimension != "instance" else ""
    rule.trigger_option = definition.trigger_option
    rule.notice_option = definition.notice_option


@transaction.atomic(durable=True)
def monitor_rule_create(
    *, definition: RuleDefinition, instances: list[Instance], actor: User
) -> MonitorRule:
    """addRule: ``instances`` are the ones ``actor`` may see (the API checked)."""
    rule = MonitorRule(
        rule_id=new_id("mr"),
        user=actor,
        project_id=instances[0].project.project_id,
        created_by=actor.user_name,
        updated_by=actor.user_name,
    )
    _apply(rule, definition)
    rule.save()
    _link(rule, instances)
    _sync_on_commit([rule.rule_id])
    return rule


def _locked(rule: MonitorRule) -> MonitorRule:
    locked = MonitorRule.objects.select_for_update().filter(pk=rule.pk).first()
    if locked is None:
        raise BmpError(RULE_NOT_FOUND, rule_id=rule.rule_id)
    return locked


@transaction.atomic(durable=True)
def monitor_rule_edit(
    *, rule: MonitorRule, definition: RuleDefinition, instances: list[Instance], actor: User
) -> MonitorRule:
    """editRule: a new definition, enabled and not alarming (as upstream)."""
    locked = _locked(rule)
    _apply(locked, definition)
    locked.status = choices.RULE_NORMAL
    locked.updated_by = actor.user_name
    locked.save()
    _link(locked, instances)
    _sync_on_commit([locked.rule_id])
    return locked


@transaction.atomic(durable=True)
def monitor_rule_enable(*, rule: MonitorRule, actor: User) -> None:
    locked = _locked(rule)
    if locked.status != choices.RULE_DISABLED:
        raise BmpError(RULE_NOT_DISABLED_TO_ENABLE, rule_id=locked.rule_id)
    locked.status = choices.RULE_NORMAL
    locked.updated_by = actor.user_name
    locked.save(update_fields=["status", "updated_by", "updated_at"])
    locked.links.update(alarming=False)
    _sync_on_commit([locked.rule_id])


@transaction.atomic(durable=True)
def monitor_rule_disable(*, rule: MonitorRule, actor: User) -> None:
    locked = _locked(rule)
    if locked.status == choices.RULE_DISABLED:
        raise BmpError(RULE_ALREADY_DISABLED, rule_id=locked.rule_id)
    locked.status = choices.RULE_DISABLED
    locked.updated_by = actor.user_name
    locked.save(update_fields=["status", "updated_by", "updated_at"])
    locked.links.update(alarming=False)
    _sync_on_commit([locked.rule_id])


@transaction.atomic(durable=True)
def monitor_rule_delete(*, rule: MonitorRule, actor: User) -> None:
    """deleteRule: only a disabled rule (so pronoea no longer has it)."""
    locked = _locked(rule)
    if locked.status != choices.RULE_DISABLED:
        raise BmpError(RULE_NOT_DISABLED, rule_id=locked.rule_id)
    locked.mark_deleted(actor=actor.user_name)


@transaction.atomic
def rules_forget_instance(*, instance_id: str) -> None:
    """A deleted instance leaves every rule; a rule left without instances is deleted."""
    touched = list(
        MonitorRule.objects.select_for_update()
        .filter(links__instance_id=instance_id)
        .distinct()
        .order_by("pk")
    )
    MonitorRuleInstance.objects.filter(instance_id=instance_id).delete()
    for rule in touched:
        if not rule.links.exists():
            rule.mark_deleted(actor="deleteInstance")
        elif rule.status == choices.RULE_ALARMING and not rule.links.filter(alarming=True).exists():
            rule.status = choices.RULE_NORMAL
            rule.save(update_fields=["status", "updated_at"])
    _sync_on_commit([rule.rule_id for rule in touched])
    agent_credential_revoke(instance_id=instance_id)


@transaction.atomic
def rules_of_project_delete(*, project_id: str) -> None:
    """A deleted project takes the rules made for its instances."""
    rules = list(MonitorRule.objects.select_for_update().filter(project_id=project_id))
    for rule in rules:
        rule.mark_deleted(actor="deleteProject")
    _sync_on_commit([rule.rule_id for rule in rules])


# -- Alerts ------------------------------------------------------------------------------------


def _in_window(notice: dict, user: User) -> bool:
    """Whether now, in the owner's timezone, is inside the rule's notice window."""
    now = timezone.now().astimezone(user_zone(user)).strftime("%H:%M:%S")
    start = notice.get("effectiveIntervalStart") or "00:00:00"
    end = notice.get("effectiveIntervalEnd") or "23:59:59"
    if start <= end:
        return start <= now <= end
    return now >= start or now <= end  # a window over midnight (22:00:00 to 06:00:00)


@transaction.atomic(durable=True)
def monitor_alerts_add(*, alerts: list[dict]) -> list[str]:
    """addAlert (pronoea's webhook): each firing alert is recorded, its rule alarms, and the
    owner is told as the rule asks; a recovery clears the instance's alarm, puts the rule back
    to normal once no instance alarms, and tells the owner when the rule asks for recoveries.
    Alerts of a rule that was deleted, disabled or no longer watches the instance are dropped
    (they were in flight). Returns the new alert ids."""
    created = []
    for item in alerts:
        rule = (
            MonitorRule.objects.select_for_update()
            .select_related("user")
            .filter(rule_id=item["ruleId"])
            .first()
        )
        if rule is None or rule.status == choices.RULE_DISABLED:
            log.info("alert of rule %s dropped: no such enabled rule", item["ruleId"])
            continue
        link = rule.links.filter(instance_id=item["instanceId"]).first()
        if link is None:
            log.info("alert of rule %s dropped: not on %s", rule.rule_id, item["instanceId"])
            continue
        trigger = item["trigger"]
        recover = bool(item.get("isRecover"))
        alert = MonitorAlert(
            alert_id=new_id("ma"),
            alert_time=item["alertTimestamp"],
            rule_id=rule.rule_id,
            rule_name=rule.rule_name,
            resource=choices.RESOURCE_INSTANCE,
            resource_id=link.instance_id,
            resource_name=link.instance_name,
            trigger=trigger,
            alert_value=item["alertValue"],
            calculation_unit=item.get("calculationUnit", ""),
            alert_level=trigger.get("noticeLevel") or 1,
            alert_period=item["alertPeriod"],
            is_recover=recover,
            user=rule.user,
            project_id=rule.project_id,
        )
        if recover:
            link.alarming = False
            link.save(update_fields=["alarming"])
            if rule.status == choices.RULE_ALARMING and not rule.links.filter(alarming=True):
                rule.status = choices.RULE_NORMAL
                rule.save(update_fields=["status", "updated_at"])
        else:
            alert.save()
            created.append(alert.alert_id)
            link.alarming = True
            link.save(update_fields=["alarming"])
            if rule.status != choices.RULE_ALARMING:
                rule.status = choices.RULE_ALARMING
                rule.save(update_fields=["status", "updated_at"])
        _notify(rule, alert)
    return created


def _notify(rule: MonitorRule, alert: MonitorAlert) -> None:
    notice = rule.notice_option or {}
    wanted = choices.NOTICE_ON_RECOVERY if alert.is_recover else choices.NOTICE_ON_ALERT
    # Upstream never read noticeCondition and sent every alert: an empty one means alerts only.
    conditions = notice.get("noticeCondition") or [choices.NOTICE_ON_ALERT]
    if wanted not in conditions or not _in_window(notice, rule.user):
        return
    ways = notice.get("noticeWay") or []
    text = notify.alert_text(alert, rule.user.language)
    metric = alert.trigger.get("metric", "")
    if (
        choices.NOTICE_WAY_MESSAGE in ways
        and metric in inbox_choices.SUB_TYPES[inbox_choices.INBOND_ALERT]
    ):
        instance = Instance.all_objects.select_related("device").filter(
            instance_id=alert.resource_id
        )
        device = instance.first().device if instance.exists() else None
        message_send(
            user=rule.user,
            message_type=inbox_choices.INBOND_ALERT,
            message_sub_type=metric,
            content=text,
            resource_type="inBondAlert",
            result="success",
            finish_time=timezone.now(),
            instance_id=alert.resource_id,
            instance_name=alert.resource_name,
            sn=device.sn if device else "",
            device_id=device.device_id if device else "",
            project_id=alert.project_id,
            rule_id=rule.rule_id,
            rule_name=rule.rule_name,
            alert_time=timezone.now(),
        )
    if choices.NOTICE_WAY_MAIL in ways and rule.user.email:
        subject = notify.alert_subject(alert, rule.user.language)
        transaction.on_commit(partial(notify.mail, to=rule.user.email, subject=subject, body=text))


@transaction.atomic(durable=True)
def monitor_alert_delete(*, alert: MonitorAlert, actor: User) -> None:
    alert.mark_deleted(actor=actor.user_name)


# -- Agent credentials -------------------------------------------------------------------------


@transaction.atomic
def agent_credential_issue(*, instance: Instance) -> str:
    """A new credential for the instance's agent (the old one stops working); shown once."""
    credential = new_token(32)
    AgentCredential.objects.filter(instance_id=instance.instance_id).delete()
    AgentCredential.objects.create(
        instance_id=instance.instance_id,
        sn=instance.device.sn,
        digest=credential_digest(credential),
    )
    transaction.on_commit(partial(notify.agent_revoked, instance.instance_id, instance.device.sn))
    return credential


@transaction.atomic
def agent_credential_revoke(*, instance_id: str) -> None:
    """On reinstall and delete: the agent of the old system may report no more."""
    rows = list(AgentCredential.objects.filter(instance_id=instance_id))
    AgentCredential.objects.filter(instance_id=instance_id).delete()
    for row in rows:
        transaction.on_commit(partial(notify.agent_revoked, row.instance_id, row.sn))


# -- What the agents report beyond metrics ------------------------------------------------------


@dataclass(frozen=True)
class SoftwareRaidArray:
    """One array of the installed system's /proc/mdstat (the agent parses it)."""

    name: str
    level: str
    devices: list[str]
    state: str
    degraded: bool


@transaction.atomic(durable=True)
def agent_software_raid_report(*, instance_id: str, arrays: list[SoftwareRaidArray]) -> bool:
    """The arrays an instance's agent reported (the monitor-proxy forwards them when they
    change): kept on the instance for its detail. Whether they differed from what was kept."""
    instance = Instance.objects.select_for_update().filter(instance_id=instance_id).first()
    if instance is None:
        raise BmpError(INSTANCES_NOT_FOUND, instance_ids=instance_id)
    rows = [
        {
            "name": array.name,
            "level": array.level,
            "devices": list(array.devices),
            "state": array.state,
            "degraded": array.degraded,
        }
        for array in arrays
    ]
    if instance.software_raid == rows:
        return False
    degraded = [row["name"] for row in rows if row["degraded"]]
    was = {row["name"] for row in instance.software_raid if row.get("degraded")}
    if set(degraded) - was:
        log.warning("instance %s: software RAID degraded: %s", instance_id, ", ".join(degraded))
    elif was and not degraded:
        log.info("instance %s: software RAID healthy again", instance_id)
    instance.software_raid = rows
    instance.save(update_fields=["software_raid"])
    return True


# -- pronoea's alert key -----------------------------------------------------------------------

ALERT_KEY_NAME = "bmp-pronoea"


@transaction.atomic(durable=True)
def alert_key_ensure(*, current_token: str = "") -> str | None:
    """The ``alert`` key pronoea posts alerts with: a new one unless ``current_token`` is still
    that key. Returns the new token (the caller saves it; only its digest is kept), or None."""
    existing = apikey_by_token(current_token) if current_token else None
    if existing is not None and existing.type == ApiKeyType.ALERT:
        return None
    admin = User.objects.get(user_name=ADMIN_USER_NAME)
    ApiKey.objects.filter(user=admin, type=ApiKeyType.ALERT, name=ALERT_KEY_NAME).delete()
    _, token = apikey_create(user=admin, name=ALERT_KEY_NAME, key_type=ApiKeyType.ALERT)
    return token
