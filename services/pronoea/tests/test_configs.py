"""The generated Prometheus and Alertmanager configurations pass their own checkers, and route
every notice period, 360 minutes included, to pronoea with resolved alerts."""

from __future__ import annotations

import stat
import subprocess

import pytest
import yaml

from bmp_common.monitoring import NOTICE_PERIODS
from bmp_common.testing.requirements import require_tools
from bmp_pronoea import configs


@pytest.fixture
def written(tmp_path):
    require_tools(
        "promtool", "amtool", install="apt-get install prometheus prometheus-alertmanager"
    )
    return configs.write(
        tmp_path / "conf",
        pushgateway="127.0.0.1:9091",
        alertmanager="127.0.0.1:9093",
        pronoea_url="http://127.0.0.1:9999",
        token="tok",
        rule_dir=tmp_path / "rules",
        minute_s=60,
    )


def test_prometheus_config_passes_promtool(written):
    prometheus, _ = written
    result = subprocess.run(["promtool", "check", "config", str(prometheus)], capture_output=True)

    assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load(prometheus.read_text())
    assert config["scrape_configs"][0]["honor_labels"] is True
    assert config["global"]["scrape_interval"] == "60s"


def test_alertmanager_config_passes_amtool_and_routes_every_period(written):
    _, manager = written
    result = subprocess.run(["amtool", "check-config", str(manager)], capture_output=True)

    assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load(manager.read_text())
    routes = config["route"]["routes"]
    assert [r["matchers"][0] for r in routes] == [
        f'noticePeriodLabel="NoticePeriod-{p}m"' for p in NOTICE_PERIODS
    ]
    assert routes[NOTICE_PERIODS.index(360)]["group_interval"] == "21600s"
    webhook = config["receivers"][0]["webhook_configs"][0]
    assert webhook["send_resolved"] is True
    assert webhook["url"] == "http://127.0.0.1:9999/api/alert/receiver"
    assert stat.S_IMODE(manager.stat().st_mode) == 0o600  # it holds the token
