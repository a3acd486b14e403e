"""Settings from the environment (``.env``)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from bmp_common import env


@dataclass(frozen=True)
class Config:
    rule_dir: Path  # where Prometheus loads rule files from (rule_files: <dir>/*.yml)
    prometheus_url: str
    openapi_console_url: str  # addAlert is served on the console profile (8802)
    alert_key_file: Path  # the `alert` API key bmp_bootstrap wrote
    monitor_token: str  # BMP_MONITOR_TOKEN: openapi and Alertmanager call us with it
    promtool: str
    # Seconds in one of BMP's "minutes" (periods, durations, notice periods): 60, except in tests.
    minute_s: int
    openapi_timeout_s: float = 5.0

    def alert_key(self) -> str:
        return self.alert_key_file.read_text().strip() if self.alert_key_file.exists() else ""


def load() -> Config:
    data = env.data_dir()
    return Config(
        rule_dir=Path(env.env_str("BMP_PRONOEA_RULE_DIR", str(data / "prometheus" / "rules"))),
        prometheus_url=env.env_str("BMP_PROMETHEUS_URL", "http://127.0.0.1:9090").rstrip("/"),
        openapi_console_url=env.env_str("BMP_OPENAPI_CONSOLE_URL", "http://127.0.0.1:8802").rstrip(
            "/"
        ),
        alert_key_file=Path(env.env_str("BMP_ALERT_API_KEY_FILE", str(data / "alert-api-key"))),
        monitor_token=env.env_str("BMP_MONITOR_TOKEN", ""),
        promtool=env.env_str("BMP_PROMTOOL", shutil.which("promtool") or "promtool"),
        minute_s=env.env_int("BMP_MONITOR_MINUTE_S", 60),
    )
