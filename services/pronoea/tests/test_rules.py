"""Rule files in upstream's format, checked and tested by Prometheus's own promtool."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from bmp_common.json_wsgi import HttpError
from bmp_common.testing.requirements import require_tools
from bmp_pronoea import rules

CPU = {
    "metric": "bmp.cpu.util",
    "tableName": "bmp_monitor_gauge",
    "period": 1,
    "calculation": "avg",
    "calculationUnit": "%",
    "operation": "gt",
    "threshold": 80,
    "times": 1,
    "noticeLevel": 2,
}
RULE = {
    "ruleId": "mr-cpu",
    "ruleName": "cpu high",
    "dimension": "instance",
    "resource": "instance",
    "instanceIds": ["bmp-a", "bmp-b"],
    "deviceTag": "",
    "triggerOption": [CPU],
    "noticeOption": {"noticePeriod": 360},
}


@pytest.fixture(autouse=True)
def promtool():
    require_tools("promtool", install="apt-get install prometheus")


def test_one_alert_per_instance_and_trigger_in_upstreams_format():
    document = yaml.safe_load(rules.render(RULE, 60))

    (group,) = document["groups"]
    assert group["name"] == "bmpInBand_mr-cpu"
    first = group["rules"][0]
    assert [r["alert"] for r in group["rules"]] == [
        "bmpInBand_mr-cpu_bmp-a_bmp.cpu.util_",
        "bmpInBand_mr-cpu_bmp-b_bmp.cpu.util_",
    ]
    assert first["expr"] == (
        'avg(bmp_monitor_gauge{instance_id="bmp-a",metric_name="bmp.cpu.util"}) > 80'
    )
    assert first["for"] == "1m"
    assert first["labels"]["noticePeriodLabel"] == "NoticePeriod-360m"  # upstream lost it
    assert first["labels"]["instanceId"] == "bmp-a" and first["labels"]["ruleId"] == "mr-cpu"
    assert first["labels"]["threshold"] == "80" and first["labels"]["metric"] == "bmp.cpu.util"
    assert first["annotations"]["currentValue"] == "{{ $value }}"


def test_counters_through_rate_and_gigabytes_in_bytes():
    traffic = {
        **CPU,
        "metric": "bmp.network.bytes.ingress",
        "period": 5,
        "times": 3,
        "operation": ">=",
        "calculation": "max",
    }
    memory = {**CPU, "metric": "bmp.memory.used", "threshold": 1.5, "operation": "lte"}
    rule = {
        **RULE,
        "instanceIds": ["bmp-a"],
        "deviceTag": "eth0",
        "triggerOption": [traffic, memory],
    }

    first, second = yaml.safe_load(rules.render(rule, 60))["groups"][0]["rules"]

    assert first["expr"] == (
        'max(rate(bmp_monitor_counter{instance_id="bmp-a",'
        'metric_name="bmp.network.bytes.ingress",device="eth0"}[6m])) >= 80'
    )
    assert first["for"] == "15m"
    assert second["expr"].endswith(") <= 1500000000")


def test_a_shorter_minute_for_tests_is_in_seconds():
    first = yaml.safe_load(rules.render(RULE, 1))["groups"][0]["rules"][0]

    assert first["for"] == "1s"


def test_ids_that_would_break_the_file_or_the_query_are_refused():
    for bad in ({**RULE, "ruleId": "../x"}, {**RULE, "instanceIds": ['a"} or vector(1)']}):
        with pytest.raises(HttpError):
            rules.render(bad, 60)


def test_written_files_pass_promtool_and_are_listed_back(tmp_path):
    rules.write(tmp_path, "promtool", [RULE], 60)

    path = tmp_path / "bmpInBand_mr-cpu.yml"
    assert subprocess.run(["promtool", "check", "rules", str(path)]).returncode == 0
    assert rules.listed(tmp_path) == [{"ruleId": "mr-cpu", "instanceIds": ["bmp-a", "bmp-b"]}]
    assert list(tmp_path.iterdir()) == [path]  # nothing staged is left behind

    assert rules.delete(tmp_path, ["mr-cpu", "mr-none"]) == ["mr-cpu"]
    assert rules.listed(tmp_path) == []


def test_promtool_refusal_leaves_the_live_file_alone(tmp_path):
    rules.write(tmp_path, "promtool", [RULE], 60)
    before = (tmp_path / "bmpInBand_mr-cpu.yml").read_text()
    broken = {**RULE, "triggerOption": [{**CPU, "calculation": "avg", "operation": "=~"}]}

    with pytest.raises(HttpError):
        rules.write(tmp_path, "promtool", [broken], 60)

    assert (tmp_path / "bmpInBand_mr-cpu.yml").read_text() == before


def test_promtool_test_rules_fires_and_resolves_the_generated_alert(tmp_path):
    rules.write(tmp_path, "promtool", [{**RULE, "instanceIds": ["bmp-a"]}], 60)
    alert = "bmpInBand_mr-cpu_bmp-a_bmp.cpu.util_"
    series = 'bmp_monitor_gauge{instance_id="bmp-a",metric_name="bmp.cpu.util",job="x"}'
    labels = {
        "noticePeriodLabel": "NoticePeriod-360m",
        "instanceId": "bmp-a",
        "ruleId": "mr-cpu",
        "tableName": "bmp_monitor_gauge",
        "metric": "bmp.cpu.util",
        "period": "1",
        "calculation": "avg",
        "calculationUnit": "%",
        "operation": "gt",
        "threshold": "80",
        "times": "1",
        "noticeLevel": "2",
    }
    test = {
        "rule_files": ["bmpInBand_mr-cpu.yml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": series, "values": "50 90 95 95 40 40"}],
                "alert_rule_test": [
                    {"eval_time": "1m", "alertname": alert, "exp_alerts": []},  # pending
                    {
                        "eval_time": "3m",
                        "alertname": alert,
                        "exp_alerts": [
                            {
                                "exp_labels": labels,
                                "exp_annotations": {
                                    "summary": "",
                                    "description": "",
                                    "currentValue": "95",
                                },
                            }
                        ],
                    },
                    {"eval_time": "5m", "alertname": alert, "exp_alerts": []},  # resolved
                ],
            }
        ],
    }
    (tmp_path / "test.yml").write_text(yaml.safe_dump(test))

    result = subprocess.run(
        ["promtool", "test", "rules", "test.yml"], cwd=tmp_path, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stdout + result.stderr
