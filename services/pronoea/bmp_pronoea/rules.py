"""BMP rules as Prometheus rule files, in upstream's format: one file per rule
(``bmpInBand_<ruleId>.yml``), one group named after it, one alerting rule per instance and
trigger:

    alert: bmpInBand_<ruleId>_<instanceId>_<metric>_<deviceTag>
    expr: <calc>(<table>{instance_id="…",metric_name="…"[,device="…"]}) <op> <threshold>
    for: <times * period>m

Counters are taken as ``rate(<selector>[<period+1>m])`` inside the calculation; thresholds of
the two ``*.used`` metrics are GB (* 1e9). Labels carry the notice period (which Alertmanager
route, all 9 periods including 360 m), the rule, the instance and the trigger.

A file is checked with ``promtool check rules`` before it replaces the live one: Prometheus
never loads a file it would refuse (it would then keep none of the new rules).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path

import yaml

from bmp_common.json_wsgi import HttpError
from bmp_common.monitoring import (
    COUNTER_METRICS,
    DEFAULT_NOTICE_PERIOD,
    GB_METRICS,
    METRICS,
    NOTICE_PERIODS,
    PRONOEA_SOURCE,
    table_of,
)

OPERATIONS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "==", "neq": "!="}
CALCULATIONS = ("min", "max", "avg", "sum")
SAFE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
TRIGGER_LABELS = (
    "tableName",
    "metric",
    "period",
    "calculation",
    "calculationUnit",
    "operation",
    "threshold",
    "times",
    "noticeLevel",
)


def file_name(rule_id: str) -> str:
    return f"{PRONOEA_SOURCE}_{rule_id}.yml"


def alert_name(rule_id: str, instance_id: str, metric: str, device: str) -> str:
    return f"{PRONOEA_SOURCE}_{rule_id}_{instance_id}_{metric}_{device}"


def _quote(value: str) -> str:
    """A PromQL string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def duration(minutes: float, minute_s: int) -> str:
    """``5m`` as upstream writes it; in seconds when a test shortens the minute."""
    if minute_s == 60:
        return f"{int(minutes)}m"
    return f"{max(1, round(minutes * minute_s))}s"


def _number(value: float) -> str:
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


def expression(trigger: dict, instance_id: str, device: str, minute_s: int) -> str:
    metric = trigger["metric"]
    labels = [f"instance_id={_quote(instance_id)}", f"metric_name={_quote(metric)}"]
    if device:
        labels.append(f"device={_quote(device)}")
    selector = f"{table_of(metric)}{{{','.join(labels)}}}"
    if metric in COUNTER_METRICS:
        selector = f"rate({selector}[{duration(trigger['period'] + 1, minute_s)}])"
    threshold = float(trigger["threshold"])
    if metric in GB_METRICS:
        threshold *= 1e9
    operator = OPERATIONS.get(trigger["operation"], trigger["operation"])
    return f"{trigger['calculation']}({selector}) {operator} {_number(threshold)}"


def validate(rule: dict) -> None:
    """400 for what would make a wrong or unsafe file (ids become file and alert names)."""
    if not SAFE_ID.match(str(rule.get("ruleId", ""))):
        raise HttpError(400, "ruleId: letters, digits, _ . - only")
    instance_ids = rule.get("instanceIds")
    if not isinstance(instance_ids, list) or not all(SAFE_ID.match(str(i)) for i in instance_ids):
        raise HttpError(400, f"{rule['ruleId']}: instanceIds")
    triggers = rule.get("triggerOption")
    if not isinstance(triggers, list) or not triggers:
        raise HttpError(400, f"{rule['ruleId']}: triggerOption")
    for trigger in triggers:
        if (
            not isinstance(trigger, dict)
            or trigger.get("metric") not in METRICS
            or trigger.get("calculation") not in CALCULATIONS
            or OPERATIONS.get(trigger.get("operation"), trigger.get("operation"))
            not in OPERATIONS.values()
            or not isinstance(trigger.get("period"), int)
            or not isinstance(trigger.get("times"), int)
            or not isinstance(trigger.get("threshold"), int | float)
        ):
            raise HttpError(400, f"{rule['ruleId']}: a trigger is not valid")


def render(rule: dict, minute_s: int) -> str:
    """The rule file's text."""
    validate(rule)
    rule_id = rule["ruleId"]
    notice = rule.get("noticeOption") or {}
    period = notice.get("noticePeriod")
    if period not in NOTICE_PERIODS:
        period = DEFAULT_NOTICE_PERIOD
    device = str(rule.get("deviceTag") or "")
    alerts = []
    for instance_id in rule["instanceIds"]:
        for trigger in rule["triggerOption"]:
            labels = {
                "noticePeriodLabel": f"NoticePeriod-{period}m",
                "instanceId": instance_id,
                "ruleId": rule_id,
                "deviceTag": device,
            }
            for name in TRIGGER_LABELS:
                value = trigger.get(
                    name, table_of(trigger["metric"]) if name == "tableName" else ""
                )
                labels[name] = _number(value) if isinstance(value, int | float) else str(value)
            alerts.append(
                {
                    "alert": alert_name(rule_id, instance_id, trigger["metric"], device),
                    "expr": expression(trigger, instance_id, device, minute_s),
                    "for": duration(trigger["times"] * trigger["period"], minute_s),
                    "labels": labels,
                    "annotations": {
                        "summary": "",
                        "description": "",
                        "currentValue": "{{ $value }}",
                    },
                }
            )
    document = {"groups": [{"name": f"{PRONOEA_SOURCE}_{rule_id}", "rules": alerts}]}
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def check(promtool: str, path: Path) -> None:
    """``promtool check rules``; 400 with its complaint when it refuses."""
    result = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=30
    )
    if result.returncode != 0:
        raise HttpError(
            400, f"promtool refused the rules: {(result.stdout + result.stderr)[-500:]}"
        )


def write(rule_dir: Path, promtool: str, rules: list[dict], minute_s: int) -> list[str]:
    """Writes each rule's file, checked first, atomically; returns the rule ids written."""
    rule_dir.mkdir(parents=True, exist_ok=True)
    staged = []
    try:
        for rule in rules:
            text = render(rule, minute_s)
            # Not *.yml: Prometheus must not load it before it is checked and renamed.
            fd, temp = tempfile.mkstemp(dir=rule_dir, prefix=".staging-", suffix=".yaml.tmp")
            with os.fdopen(fd, "w") as handle:
                handle.write(text)
            os.chmod(temp, 0o644)  # Prometheus may run as another user; no secret in it
            staged.append((Path(temp), rule_dir / file_name(rule["ruleId"])))
            check(promtool, Path(temp))
        for temp, final in staged:
            os.replace(temp, final)
    finally:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
    return [rule["ruleId"] for rule in rules]


def delete(rule_dir: Path, rule_ids: list[str]) -> list[str]:
    gone = []
    for rule_id in rule_ids:
        if not SAFE_ID.match(rule_id):
            raise HttpError(400, "ruleIds: letters, digits, _ . - only")
        path = rule_dir / file_name(rule_id)
        if path.exists():
            path.unlink()
            gone.append(rule_id)
    return gone


def listed(rule_dir: Path) -> list[dict]:
    """``[{ruleId, instanceIds}]`` read back from the files (for checkDiffFromPronoea)."""
    found = []
    for path in sorted(rule_dir.glob(f"{PRONOEA_SOURCE}_*.yml")):
        document = yaml.safe_load(path.read_text()) or {}
        for group in document.get("groups") or []:
            rules = group.get("rules") or []
            instance_ids = list(dict.fromkeys(r["labels"]["instanceId"] for r in rules))
            rule_id = group["name"][len(PRONOEA_SOURCE) + 1 :]
            found.append({"ruleId": rule_id, "instanceIds": instance_ids})
    return found
