"""Answers of oob-alert, in upstream's snake_case fields."""

from __future__ import annotations

from bmp_oob_alert.faults.selectors import TIME_FORMAT

STATUS_COLUMNS = {
    "cpu_status": "cpu",
    "mem_status": "memory",
    "disk_status": "disk",
    "nic_status": "nic",
    "power_status": "power",
    "other_status": "other",
}


def _time(value) -> str:
    return value.strftime(TIME_FORMAT) if value else ""


def device_status_row(device) -> dict:
    row = {
        "idc_id": device.idc_id,
        "idc_name": device.idc_name,
        "sn": device.sn,
        "device_id": device.device_id,
        "brand": device.brand,
        "model": device.model,
        "manage_status": device.manage_status,
    }
    for column, component in STATUS_COLUMNS.items():  # upstream: 1 = a fault, 0 = none
        row[column] = 1 if device.health.get(component) == "fault" else 0
    row["health"] = {
        component: device.health.get(component, "ok") for component in STATUS_COLUMNS.values()
    }
    row["bmc_failures"] = device.failures
    row["polled_at"] = _time(device.polled_at)
    return row


def fault_row(fault) -> dict:
    device = fault.device
    return {
        "logid": fault.id,
        "sn": fault.sn,
        "device_id": device.device_id,
        "idc_id": device.idc_id,
        "idc_name": device.idc_name,
        "ilo_ip": device.ilo_ip,
        "alert_name": fault.name,
        "alert_desc": fault.desc,
        "alert_type": fault.fault_type,
        "alert_part": fault.parts,
        "alert_level": fault.level,
        "alert_content": fault.content,
        "collect_time": _time(fault.collect_time),
        "event_time": _time(fault.event_time),
        "update_time": _time(fault.update_time),
        "count": fault.count,
        "status": 1 if fault.handled else 0,
        "manage_status": device.manage_status,
        "handled_by": fault.handled_by,
        "handled_time": _time(fault.handled_at),
    }


def rule_row(rule) -> dict:
    return {
        "rule_id": rule.id,
        "alert_name": rule.name,
        "alert_spec": rule.parts,
        "alert_type": rule.fault_type,
        "alert_condition": rule.condition,
        "alert_threshold": rule.threshold,
        "alert_level": rule.level,
        "alert_desc": rule.desc,
        "push_status": int(rule.is_push),
        "use_status": int(rule.is_use),
    }
