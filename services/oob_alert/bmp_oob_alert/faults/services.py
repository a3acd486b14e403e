"""Writes of oob-alert: reports of oob-agent become faults; operators switch rules and mark
faults handled.

A report and the cursor it moves are one transaction on the device's row (locked), and a report
read from another cursor than the stored one is refused as stale: a poller restarted, or two of
them, neither repeats nor skips records.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bmp_common.errors import BmpError
from bmp_common.sel import SelEvent, normalise
from bmp_oob_alert import notify
from bmp_oob_alert.faults.choices import (
    COMPONENT_OF_OWNED,
    COMPONENTS,
    HEALTH_FAULT,
    HEALTH_OK,
    UNREACHABLE,
)
from bmp_oob_alert.faults.error_codes import LOG_NOT_FOUND, RULE_NOT_FOUND
from bmp_oob_alert.faults.models import CustomInfo, FaultItem, FaultLog, FaultRule, MonitoredDevice

log = logging.getLogger(__name__)

TARGET_FIELDS = {
    "sn": "sn",
    "idc_id": "idcId",
    "idc_name": "idcName",
    "brand": "brand",
    "model": "model",
    "manage_status": "manageStatus",
    "ilo_ip": "iloIp",
    "instance_id": "instanceId",
    "user_id": "userId",
}


def rule_match(rules: list[FaultRule], event: SelEvent) -> FaultRule | None:
    """The first enabled rule whose condition starts the sensor column and whose threshold
    starts "event | direction" (case ignored). A deassertion (the condition ended) matches
    only a rule that names it, unlike upstream, where a recovery raised the fault again."""
    sensor = normalise(event.sensor)
    text = normalise(f"{event.event} | {event.direction}")
    for rule in rules:
        threshold = normalise(rule.threshold)
        if not event.asserted and "deasserted" not in threshold:
            continue
        if sensor.startswith(normalise(rule.condition)) and text.startswith(threshold):
            return rule
    return None


@dataclass
class _Outcome:
    status: str = "ok"  # ok | stale | baseline
    new_faults: list = None  # FaultLog rows opened (or reopened) by this report
    health: dict | None = None


def _fault(
    device: MonitoredDevice,
    *,
    rule: FaultRule | None,
    facts: dict,
    line: str,
    event_time: dt.datetime,
    now: dt.datetime,
    record_id: int | None,
) -> tuple[FaultLog, bool]:
    """Count one record against the device's fault of this rule; True if the fault is new
    (or was handled and is back)."""
    fault = FaultLog.objects.filter(device=device, name=facts["name"]).first()
    opened = False
    if fault is None:
        fault = FaultLog(
            device=device, sn=device.sn, rule=rule, count=0, event_time=event_time, **facts
        )
        opened = True
    elif fault.handled:
        fault.handled, fault.handled_by, fault.handled_at = False, "", None
        fault.count, fault.event_time = 0, event_time
        opened = True
    fault.count += 1
    fault.level = facts["level"]
    fault.content = line[:512]
    fault.collect_time = now
    fault.save()
    FaultItem.objects.create(
        log=fault,
        sn=device.sn,
        record_id=record_id,
        line=line[:512],
        event_time=event_time,
        collect_time=now,
    )
    return fault, opened


def _rule_facts(rule: FaultRule) -> dict:
    return {
        name: getattr(rule, name)
        for name in ("name", "parts", "fault_type", "level", "desc", "owned")
    }


def device_health(device: MonitoredDevice) -> dict[str, str]:
    health = dict.fromkeys(COMPONENTS, HEALTH_OK)
    for owned in FaultLog.objects.filter(device=device, handled=False).values_list(
        "owned", flat=True
    ):
        health[COMPONENT_OF_OWNED.get(owned, "other")] = HEALTH_FAULT
    return health


def _notice(fault: FaultLog) -> dict:
    return {
        "alertName": fault.name,
        "faultType": fault.fault_type,
        "level": fault.level,
        "content": fault.content,
        "logid": fault.id,
        "alertTime": fault.event_time.isoformat(),
        "alertCount": fault.count,
        "push": bool(fault.rule.is_push) if fault.rule is not None else True,
    }


def _cursor(device: MonitoredDevice) -> dict:
    return {
        "baselined": device.baselined,
        "after": device.last_record_id,
        "last_add": device.last_add,
        "last_erase": device.last_erase,
        "entries": device.sel_entries,
    }


@transaction.atomic(durable=True)
def device_report(*, report: dict, rules: list[FaultRule]) -> _Outcome:
    """Applies one device's poll result (see the agent's ``DeviceReport``)."""
    target = report["target"]
    device, _ = MonitoredDevice.objects.select_for_update().get_or_create(
        device_id=target["deviceId"],
        defaults={field: target.get(key, "") or "" for field, key in TARGET_FIELDS.items()},
    )
    for field, key in TARGET_FIELDS.items():
        setattr(device, field, target.get(key, "") or "")
    now = timezone.now()
    outcome = _Outcome(new_faults=[])
    if report.get("cursor") != _cursor(device):
        device.save()
        outcome.status = "stale"
        return outcome
    device.polled_at = now
    if not report["ok"]:
        device.failures += 1
        device.last_error = (report.get("error") or "")[:255]
        if device.failures == settings.BMP_OOB_UNREACHABLE_POLLS:
            line = f"BMC unreachable after {device.failures} polls: {device.last_error}"
            fault, _ = _fault(
                device,
                rule=None,
                facts=UNREACHABLE,
                line=line,
                event_time=now,
                now=now,
                record_id=None,
            )
            outcome.new_faults.append(fault)
    else:
        device.failures, device.last_error = 0, ""
        if report.get("fru"):
            device.fru = report["fru"]
        info = report["sel_info"]
        events = [SelEvent.from_wire(e) for e in report.get("events", [])]
        if not device.baselined:
            outcome.status = "baseline"  # what the log held when monitoring began is history
            device.baselined = True
        else:
            for event in events:
                rule = rule_match(rules, event)
                if rule is None:
                    continue
                when = (
                    dt.datetime.fromtimestamp(event.timestamp, tz=dt.UTC)
                    if event.timestamp
                    else now
                )
                fault, opened = _fault(
                    device,
                    rule=rule,
                    facts=_rule_facts(rule),
                    line=event.line(),
                    event_time=when,
                    now=now,
                    record_id=event.record_id,
                )
                if opened and fault not in outcome.new_faults:
                    outcome.new_faults.append(fault)
        if events:
            device.last_record_id = events[-1].record_id
        elif not report.get("found", True):
            device.last_record_id = None  # cleared and empty
        device.last_add, device.last_erase = int(info["last_add"]), int(info["last_erase"])
        device.sel_entries = int(info["entries"])
    health = device_health(device)
    if health != device.health:
        device.health = health
        outcome.health = health
    device.save()
    notices = [_notice(fault) for fault in outcome.new_faults]
    if notices or outcome.health is not None:
        device_id, health = device.device_id, outcome.health
        transaction.on_commit(lambda: notify.send(device_id, health=health, faults=notices))
    return outcome


def reports_apply(*, reports: list[dict]) -> dict[str, int]:
    rules = list(FaultRule.objects.filter(is_use=True).order_by("id"))
    counts = {"ok": 0, "stale": 0, "baseline": 0, "faults": 0}
    for report in reports:
        outcome = device_report(report=report, rules=rules)
        counts[outcome.status] += 1
        counts["faults"] += len(outcome.new_faults)
    return counts


@transaction.atomic(durable=True)
def roster_apply(*, idc_id: str, device_ids: list[str]) -> int:
    """Devices of the IDC openapi no longer lists (deleted) lose their cursor and faults."""
    gone = MonitoredDevice.objects.filter(idc_id=idc_id).exclude(device_id__in=device_ids)
    removed, _ = gone.delete()
    return removed


# -- operators -------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def fault_handle(*, logid: int, actor) -> FaultLog:
    """Marks a fault handled (upstream: count 0, items dealt): who and when are kept."""
    fault = FaultLog.objects.select_for_update().filter(id=logid).first()
    if fault is None or not actor.sees(fault.device.device_id):
        raise BmpError(LOG_NOT_FOUND, logid=logid)
    if not fault.handled:
        fault.handled, fault.handled_by, fault.handled_at = True, actor.user_name, timezone.now()
        fault.save(update_fields=["handled", "handled_by", "handled_at", "update_time"])
        device = fault.device
        health = device_health(device)
        if health != device.health:
            device.health = health
            device.save(update_fields=["health"])
            device_id = device.device_id
            transaction.on_commit(lambda: notify.send(device_id, health=health, faults=[]))
    return fault


def _rule_locked(rule_id: int) -> FaultRule:
    rule = FaultRule.objects.select_for_update().filter(id=rule_id).first()
    if rule is None:
        raise BmpError(RULE_NOT_FOUND, rule_id=rule_id)
    return rule


@transaction.atomic(durable=True)
def rule_push_set(*, rule_id: int, push: bool, actor) -> None:
    rule = _rule_locked(rule_id)
    rule.is_push, rule.updated_by = push, actor.user_name
    rule.save(update_fields=["is_push", "updated_by", "updated_at"])


@transaction.atomic(durable=True)
def rule_use_set(*, rule_id: int, use: bool, actor) -> None:
    rule = _rule_locked(rule_id)
    rule.is_use, rule.updated_by = use, actor.user_name
    rule.save(update_fields=["is_use", "updated_by", "updated_at"])


@transaction.atomic(durable=True)
def rules_reset(*, rule_ids: list[int] | None, actor) -> int:
    """Back to the seeded push and use switches: the rules named, or all."""
    rules = FaultRule.objects.select_for_update().order_by("id")
    if rule_ids:
        rules = rules.filter(id__in=rule_ids)
    count = 0
    for rule in rules:
        rule.is_push, rule.is_use = rule.is_default_push, rule.is_default_use
        rule.updated_by = actor.user_name
        rule.save(update_fields=["is_push", "is_use", "updated_by", "updated_at"])
        count += 1
    return count


@transaction.atomic(durable=True)
def custom_info_set(*, user_id: str, page_key: str, page_value: dict) -> None:
    CustomInfo.objects.update_or_create(
        user_id=user_id, page_key=page_key, defaults={"page_value": page_value}
    )
