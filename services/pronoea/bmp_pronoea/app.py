"""Pronoea's routes (upstream's paths), every one with the monitoring token: openapi writes,
deletes and lists rules and asks chart queries; Alertmanager posts its notifications."""

from __future__ import annotations

import logging

from bmp_common.json_wsgi import HttpError, JsonApp, require_token
from bmp_common.monitoring import PRONOEA_SOURCE
from bmp_pronoea import alerts, prometheus, rules
from bmp_pronoea.config import Config

log = logging.getLogger(__name__)
MAX_RULES = 1000


def make_app(config: Config) -> JsonApp:
    app = JsonApp("pronoea")

    def source_of(value) -> None:
        if value != PRONOEA_SOURCE:
            raise HttpError(400, f"source: {PRONOEA_SOURCE}")

    @app.route("GET", "/health")
    def health(request):
        return {"status": "ok", "service": "pronoea"}

    @app.route("POST", "/api/rules/write")
    def write(request):
        require_token(request, config.monitor_token)
        body = request.json()
        source_of(body.get("source"))
        items = body.get("rules")
        if not isinstance(items, list) or not 0 < len(items) <= MAX_RULES:
            raise HttpError(400, f"rules: 1 to {MAX_RULES}")
        written = rules.write(config.rule_dir, config.promtool, items, config.minute_s)
        prometheus.reload(config.prometheus_url)
        log.info("rules written: %s", written)
        return {"ruleIds": written}

    @app.route("POST", "/api/rules/delete")
    def delete(request):
        require_token(request, config.monitor_token)
        body = request.json()
        source_of(body.get("source"))
        ids = [part for part in str(body.get("ruleIds", "")).split(",") if part]
        gone = rules.delete(config.rule_dir, ids)
        if gone:
            prometheus.reload(config.prometheus_url)
        log.info("rules deleted: %s", gone)
        return {"ruleIds": gone}

    @app.route("GET", "/api/rules/list")
    def listed(request):
        require_token(request, config.monitor_token)
        source_of(request.query.get("source"))
        return {"rules": rules.listed(config.rule_dir)}

    @app.route("POST", "/api/query")
    def query(request):
        require_token(request, config.monitor_token)
        return prometheus.query_range(config.prometheus_url, request.json(), config.minute_s)

    @app.route("POST", "/api/alert/receiver")
    def receiver(request):
        require_token(request, config.monitor_token)
        count = alerts.forward(
            request.json(),
            openapi_console_url=config.openapi_console_url,
            alert_key=config.alert_key(),
            timeout=config.openapi_timeout_s,
        )
        return {"forwarded": count}

    return app
