"""The Prometheus and Alertmanager configurations, generated from ``.env`` (upstream's
templates, with our fixes): Prometheus scrapes the Pushgateway (honor_labels) and loads
pronoea's rule files; Alertmanager routes each notice period (all 9, 360 m included) to
pronoea's webhook, resolved alerts too, with the monitoring token.

    python -m bmp_pronoea.configs --out DIR   # writes DIR/prometheus.yml, DIR/alertmanager.yml
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import yaml

from bmp_common import env
from bmp_common.monitoring import DEFAULT_NOTICE_PERIOD, NOTICE_PERIODS


def _seconds(minutes: float, minute_s: int) -> str:
    return f"{max(1, round(minutes * minute_s))}s"


def prometheus_config(
    *, pushgateway: str, alertmanager: str, rule_dir: Path, minute_s: int
) -> dict:
    interval = _seconds(1, minute_s)
    return {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "scrape_configs": [
            {
                "job_name": "pushgateway",
                "honor_labels": True,
                "static_configs": [{"targets": [pushgateway]}],
            }
        ],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]},
        "rule_files": [str(rule_dir / "*.yml")],
    }


def alertmanager_config(*, pronoea_url: str, token: str, minute_s: int) -> dict:
    return {
        "global": {"resolve_timeout": "5s"},
        "route": {
            "receiver": "bmpAlertReceiver",
            "group_by": ["alertname"],
            "group_wait": "0s",
            "group_interval": _seconds(DEFAULT_NOTICE_PERIOD, minute_s),
            "repeat_interval": "10s",
            "routes": [
                {
                    "receiver": "bmpAlertReceiver",
                    "matchers": [f'noticePeriodLabel="NoticePeriod-{period}m"'],
                    "group_interval": _seconds(period, minute_s),
                }
                for period in NOTICE_PERIODS
            ],
        },
        "receivers": [
            {
                "name": "bmpAlertReceiver",
                "webhook_configs": [
                    {
                        "url": f"{pronoea_url}/api/alert/receiver",
                        "send_resolved": True,
                        "http_config": {"authorization": {"type": "Bearer", "credentials": token}},
                    }
                ],
            }
        ],
    }


def _write_atomically(path: Path, text: str, mode: int) -> None:
    """Written beside, then renamed: Prometheus and Alertmanager both write these at their
    start, and neither may read the other's half-written file."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(temp, mode)
    os.replace(temp, path)


def write(
    out: Path,
    *,
    pushgateway: str,
    alertmanager: str,
    pronoea_url: str,
    token: str,
    rule_dir: Path,
    minute_s: int,
    manager_mode: int = 0o600,
) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    rule_dir.mkdir(parents=True, exist_ok=True)
    prometheus = out / "prometheus.yml"
    config = prometheus_config(
        pushgateway=pushgateway, alertmanager=alertmanager, rule_dir=rule_dir, minute_s=minute_s
    )
    _write_atomically(prometheus, yaml.safe_dump(config, sort_keys=False), 0o644)
    manager = out / "alertmanager.yml"
    config = alertmanager_config(pronoea_url=pronoea_url, token=token, minute_s=minute_s)
    # It holds the monitoring token: owner-only, unless Alertmanager runs as another user on
    # a volume only it, Prometheus and pronoea mount (compose).
    _write_atomically(manager, yaml.safe_dump(config, sort_keys=False), manager_mode)
    return prometheus, manager


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bmp_pronoea.configs", description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    pushgateway = env.env_str("BMP_PUSHGATEWAY_HOST", "127.0.0.1")
    alertmanager = env.env_str("BMP_ALERTMANAGER_HOST", "127.0.0.1")
    pronoea = env.env_str("BMP_PRONOEA_HOST", "127.0.0.1")
    write(
        args.out,
        pushgateway=f"{pushgateway}:{env.env_int('BMP_PUSHGATEWAY_PORT', 9091)}",
        alertmanager=f"{alertmanager}:{env.env_int('BMP_ALERTMANAGER_PORT', 9093)}",
        pronoea_url=env.env_str(
            "BMP_PRONOEA_URL", f"http://{pronoea}:{env.env_int('BMP_PRONOEA_PORT', 9999)}"
        ),
        token=env.env_str("BMP_MONITOR_TOKEN", required=True),
        rule_dir=Path(
            env.env_str("BMP_PRONOEA_RULE_DIR", str(env.data_dir() / "prometheus" / "rules"))
        ),
        minute_s=env.env_int("BMP_MONITOR_MINUTE_S", 60),
        manager_mode=int(env.env_str("BMP_ALERTMANAGER_CONF_MODE", "600"), 8),
    )


if __name__ == "__main__":
    main()
