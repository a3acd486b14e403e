#!/usr/bin/env bash
# Starts one service in the foreground, for supervisord. Secrets come from files, never argv.
set -euo pipefail
service="$1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=deploy/local/env.sh
source "$root/deploy/local/env.sh"
bmp_load_env "$root"

# BMP_API_BIND and BMP_PROVISION_BIND: see env.sh.
# More processes, fewer threads: threads of one process queue on the GIL while one of them
# holds the database's write lock (300 lab installs: 64 s with 4x2, 89 s with 2x4).
gunicorn_app() {
  local module="$1" bind="$2" port="$3"
  shift 3
  # bmp_common.gunicorn_conf: a client that vanished mid-request frees its thread (keepalive).
  exec "$BMP_VENV/bin/gunicorn" "$module" "$@" \
    -c python:bmp_common.gunicorn_conf \
    --bind "$bind:$port" \
    --workers "${BMP_WORKERS:-4}" \
    --worker-class gthread --threads "${BMP_THREADS:-2}" \
    --timeout 60 \
    --no-control-socket \
    --access-logfile - \
    --error-logfile -
}

# Debian's nginx in the foreground for one web console (deploy/local/console-nginx.conf around
# the app's site): the app's built files (services/<app>/dist; bmp-deploy.sh builds them when
# missing or stale with deploy/local/console-web-build.sh) and its prefixes to its BFF. The app's
# nginx/<name>.conf.template names BMP_<KIND>_WEB_ROOT, BMP_<KIND>_WEB_LISTEN and
# BMP_<KIND>_API_UPSTREAM; the ports are BMP_<KIND>_WEB_PORT and BMP_<KIND>_API_PORT.
console_nginx() {
  local name="$1" app="$2" kind="$3" web_port="$4" api_port="$5"
  local web="$root/services/$app" run="$BMP_RUN_DIR/$name"
  [[ -f "$web/dist/index.html" ]] || { echo "bmp-$name: no build; run deploy/local/console-web-build.sh" >&2; exit 1; }
  local port_var="BMP_${kind}_WEB_PORT" api_port_var="BMP_${kind}_API_PORT"
  export "BMP_${kind}_WEB_ROOT=$web/dist"
  export "BMP_${kind}_WEB_LISTEN=$BMP_API_BIND:${!port_var:-$web_port}"
  export "BMP_${kind}_API_UPSTREAM=$(bmp_reach_address "$BMP_API_BIND"):${!api_port_var:-$api_port}"
  mkdir -p "$run"
  local vars="\$BMP_${kind}_WEB_ROOT \$BMP_${kind}_WEB_LISTEN \$BMP_${kind}_API_UPSTREAM"
  envsubst "$vars" <"$web/nginx/$name.conf.template" >"$run/$name.conf"
  # shellcheck disable=SC2016  # the names envsubst fills, not their values
  BMP_WEB_RUN="$run" BMP_WEB_NAME="$name" envsubst '$BMP_WEB_RUN $BMP_WEB_NAME' \
    <"$root/deploy/local/console-nginx.conf" >"$run/nginx.conf"
  exec "$(command -v nginx || echo /usr/sbin/nginx)" -c "$run/nginx.conf" -p "$run" -e stderr
}

# In-band monitoring: where openapi, pronoea and the proxy find each other (loopback ports).
monitor_conf="$BMP_DATA_DIR/prometheus/conf"
export BMP_PRONOEA_RULE_DIR="${BMP_PRONOEA_RULE_DIR:-$BMP_DATA_DIR/prometheus/rules}"
export BMP_PRONOEA_URL="${BMP_PRONOEA_URL:-http://127.0.0.1:${BMP_PRONOEA_PORT:-9999}}"
export BMP_MONITOR_PROXY_URL="${BMP_MONITOR_PROXY_URL:-http://$(bmp_reach_address "$BMP_PROVISION_BIND"):${BMP_MONITOR_PROXY_PORT:-8805}}"
export BMP_PROMETHEUS_URL="${BMP_PROMETHEUS_URL:-http://127.0.0.1:${BMP_PROMETHEUS_PORT:-9090}}"
export BMP_PUSHGATEWAY_URL="${BMP_PUSHGATEWAY_URL:-http://127.0.0.1:${BMP_PUSHGATEWAY_PORT:-9091}}"
export BMP_ALERT_API_KEY_FILE="${BMP_ALERT_API_KEY_FILE:-$BMP_DATA_DIR/alert-api-key}"

case "$service" in
  bmp-redis)
    mkdir -p "$BMP_DATA_DIR/redis"
    # Unix socket only (no TCP port to collide with another redis), owner-only permissions.
    exec redis-server --port 0 \
      --unixsocket "$BMP_RUN_DIR/redis.sock" --unixsocketperm 700 \
      --dir "$BMP_DATA_DIR/redis" --appendonly yes --save "" --daemonize no \
      --logfile ""
    ;;
  bmp-openapi)
    export DJANGO_SETTINGS_MODULE=bmp_openapi.settings BMP_OPENAPI_PROFILE=operation
    gunicorn_app bmp_openapi.wsgi:application "$BMP_API_BIND" "${BMP_OPENAPI_PORT:-8801}"
    ;;
  bmp-openapi-console)
    export DJANGO_SETTINGS_MODULE=bmp_openapi.settings BMP_OPENAPI_PROFILE=console
    gunicorn_app bmp_openapi.wsgi:application "$BMP_API_BIND" "${BMP_OPENAPI_CONSOLE_PORT:-8802}"
    ;;
  bmp-console-api)
    # The tenant console's BFF: sessions in redis, openapi's console profile through the
    # contract client with the system key bmp_bootstrap wrote (BMP_SYSTEM_API_KEY_FILE).
    # Threads, not processes: each open /events stream holds one.
    export DJANGO_SETTINGS_MODULE=bmp_console_api.settings
    export BMP_OPENAPI_CONSOLE_URL="${BMP_OPENAPI_CONSOLE_URL:-http://$(bmp_reach_address "$BMP_API_BIND"):${BMP_OPENAPI_CONSOLE_PORT:-8802}}"
    # The console's /oob-alert/ routes go on to oob-alert, as the session's tenant.
    export BMP_OOB_ALERT_URL="${BMP_OOB_ALERT_URL:-http://$(bmp_reach_address "$BMP_API_BIND"):${BMP_OOB_ALERT_PORT:-8804}}"
    BMP_WORKERS="${BMP_BFF_WORKERS:-2}" BMP_THREADS="${BMP_BFF_THREADS:-32}" \
      gunicorn_app bmp_console_api.wsgi:application "$BMP_API_BIND" "${BMP_CONSOLE_API_PORT:-8800}"
    ;;
  bmp-oob-alert)
    # BMC event logs become faults (port 8804): callers' API keys are checked by openapi,
    # its notices and health go to openapi with the system key (BMP_SYSTEM_API_KEY_FILE).
    export DJANGO_SETTINGS_MODULE=bmp_oob_alert.settings
    reach="$(bmp_reach_address "$BMP_API_BIND")"
    export BMP_OPENAPI_URL="${BMP_OPENAPI_URL:-http://$reach:${BMP_OPENAPI_PORT:-8801}}"
    export BMP_OPENAPI_CONSOLE_URL="${BMP_OPENAPI_CONSOLE_URL:-http://$reach:${BMP_OPENAPI_CONSOLE_PORT:-8802}}"
    BMP_WORKERS="${BMP_OOB_ALERT_WORKERS:-2}" \
      gunicorn_app bmp_oob_alert.wsgi:application "$BMP_API_BIND" "${BMP_OOB_ALERT_PORT:-8804}"
    ;;
  bmp-console-web)
    # The tenants' console, in front of console-api.
    console_nginx console-web console_web CONSOLE 8080 8800
    ;;
  bmp-operation-web)
    # The operators' console, in front of operation-api.
    console_nginx operation-web operation_web OPERATION 8081 8799
    ;;
  bmp-oob-agent)
    # Polls the SEL and FRU of the devices of BMP_IDC_IDS every BMP_OOB_POLL_INTERVAL s.
    reach="$(bmp_reach_address "$BMP_API_BIND")"
    export BMP_OPENAPI_URL="${BMP_OPENAPI_URL:-http://$reach:${BMP_OPENAPI_PORT:-8801}}"
    export BMP_OOB_ALERT_URL="${BMP_OOB_ALERT_URL:-http://$reach:${BMP_OOB_ALERT_PORT:-8804}}"
    exec "$BMP_VENV/bin/python" -m bmp_oob_agent
    ;;
  bmp-operation-api)
    # The operator portal's BFF: as bmp-console-api, calling openapi's operation profile.
    export DJANGO_SETTINGS_MODULE=bmp_operation_api.settings
    export BMP_OPENAPI_URL="${BMP_OPENAPI_URL:-http://$(bmp_reach_address "$BMP_API_BIND"):${BMP_OPENAPI_PORT:-8801}}"
    export BMP_OOB_ALERT_URL="${BMP_OOB_ALERT_URL:-http://$(bmp_reach_address "$BMP_API_BIND"):${BMP_OOB_ALERT_PORT:-8804}}"
    BMP_WORKERS="${BMP_BFF_WORKERS:-2}" BMP_THREADS="${BMP_BFF_THREADS:-32}" \
      gunicorn_app bmp_operation_api.wsgi:application "$BMP_API_BIND" "${BMP_OPERATION_API_PORT:-8799}"
    ;;
  bmp-openapi-worker)
    # Applies the scheduler's job events; its beat re-sends jobs the scheduler never acknowledged.
    export DJANGO_SETTINGS_MODULE=bmp_openapi.settings
    exec "$BMP_VENV/bin/celery" -A bmp_openapi.celery worker -Q openapi -B -P threads -c 4 \
      -n "openapi@%h" -s "$BMP_RUN_DIR/openapi-beat-schedule" --loglevel "${BMP_LOG_LEVEL:-INFO}"
    ;;
  bmp-scheduler)
    export DJANGO_SETTINGS_MODULE=bmp_scheduler.settings
    # More scheduler workers may share the queues (docs/scaling.md); only one of them runs the
    # beat (the sweep), the others start with BMP_SCHEDULER_BEAT=0 and a name of their own.
    # Step results have a queue of their own (bmp_common.queues): they do not wait behind the
    # submissions queued on "scheduler".
    beat=(-B -s "$BMP_RUN_DIR/scheduler-beat-schedule")
    [[ "${BMP_SCHEDULER_BEAT:-1}" == 1 ]] || beat=()
    exec "$BMP_VENV/bin/celery" -A bmp_scheduler.celery worker -Q scheduler.results,scheduler \
      "${beat[@]}" -P threads -c "${BMP_SCHEDULER_CONCURRENCY:-8}" \
      -n "${BMP_SCHEDULER_NODE:-scheduler}@%h" --loglevel "${BMP_LOG_LEVEL:-INFO}"
    ;;
  bmp-scheduler-gateway)
    # Plain HTTP for iPXE (/v1/boot/*); the agent endpoints answer only on the TLS program.
    # No proxy header may make a plain request look like HTTPS (gunicorn trusts
    # X-Forwarded-Proto from 127.0.0.1 by default).
    export DJANGO_SETTINGS_MODULE=bmp_scheduler.settings
    gunicorn_app bmp_scheduler.wsgi:application "$BMP_PROVISION_BIND" "${BMP_GATEWAY_PORT:-8803}" --forwarded-allow-ips=
    ;;
  bmp-scheduler-gateway-tls)
    # The same gateway over HTTPS, for the LiveOS agent: a certificate of the CA made at first
    # start (BMP_TLS_DIR), which the LiveOS embeds.
    export DJANGO_SETTINGS_MODULE=bmp_scheduler.settings
    tls_dir="${BMP_TLS_DIR:-$BMP_DATA_DIR/tls}"
    "$BMP_VENV/bin/python" -m bmp_scheduler.tls ensure --dir "$tls_dir"
    gunicorn_app bmp_scheduler.wsgi:application "$BMP_PROVISION_BIND" "${BMP_GATEWAY_TLS_PORT:-8813}" \
      --certfile "$tls_dir/gateway.pem" --keyfile "$tls_dir/gateway.key" --forwarded-allow-ips=
    ;;
  bmp-driver)
    idc_args=()
    IFS=',' read -ra idcs <<<"${BMP_IDC_IDS:-}"
    for idc in "${idcs[@]}"; do idc_args+=(--idc "$idc"); done
    exec "$BMP_VENV/bin/python" -m bmp_driver "${idc_args[@]}"
    ;;
  bmp-dhcp-agent)
    # One DHCP server per site: the local runtime serves the first IDC it is given.
    exec "$BMP_VENV/bin/python" -m bmp_dhcp_agent --idc "${BMP_IDC_IDS%%,*}"
    ;;
  bmp-dhcp-server)
    # The DHCP server of the first IDC, answering from the host table the dhcp-agent keeps
    # (BMP_DHCP_INTERFACE, BMP_DHCP_SERVER_IP: see services/dhcp_agent/README.md).
    exec "$BMP_VENV/bin/python" -m bmp_dhcp_agent serve --idc "${BMP_IDC_IDS%%,*}"
    ;;
  bmp-tftp)
    # iPXE programs, copied from Debian's ipxe package into a read-only root.
    "$BMP_VENV/bin/python" -m bmp_tftp prepare --root "$BMP_DATA_DIR/tftp"
    exec "$BMP_VENV/bin/python" -m bmp_tftp --root "$BMP_DATA_DIR/tftp" \
      --host "${BMP_TFTP_HOST:-$BMP_PROVISION_BIND}" --port "${BMP_TFTP_PORT:-6969}"
    ;;
  bmp-image)
    mkdir -p "$BMP_DATA_DIR/images"
    # The in-band monitoring agent's bundle (installBmpAgent), rebuilt from services/monitor_agent
    # at each start: the same sources give the same bytes and checksum.
    "$BMP_VENV/bin/python" -m bmp_monitor_agent.bundle --out "$BMP_DATA_DIR/images/monitor-agent"
    exec "$BMP_VENV/bin/python" -m bmp_image --root "$BMP_DATA_DIR/images" \
      --bind "$BMP_PROVISION_BIND:${BMP_IMAGE_PORT:-10000}"
    ;;
  bmp-rsyslog)
    # Debian's rsyslogd with only this configuration: RFC 5424/3164 over UDP on the
    # provisioning side, each node's lines in $BMP_LOG_DIR/rsyslog/<address>/<program>-<date>.log
    # (upstream's layout); the host's own 127.0.0.1 is dropped, as upstream does.
    # The configuration is deploy/bmp-rsyslog.conf.tpl, shared with the docker image.
    conf="$BMP_RUN_DIR/rsyslog.conf"
    mkdir -p "$BMP_RUN_DIR/rsyslog" "$BMP_LOG_DIR/rsyslog"
    sed_value() { printf '%s' "$1" | sed 's/[\\|&]/\\&/g'; }
    sed -e "s|@BMP_RSYSLOG_WORK_DIR@|$(sed_value "$BMP_RUN_DIR/rsyslog")|g" \
      -e "s|@BMP_RSYSLOG_LOG_DIR@|$(sed_value "$BMP_LOG_DIR/rsyslog")|g" \
      -e "s|@BMP_RSYSLOG_ADDRESS@|$(sed_value "$BMP_PROVISION_BIND")|g" \
      -e "s|@BMP_RSYSLOG_PORT@|$(sed_value "${BMP_RSYSLOG_PORT:-1514}")|g" \
      "$root/deploy/bmp-rsyslog.conf.tpl" >"$conf"
    exec rsyslogd -n -f "$conf" -i "$BMP_RUN_DIR/rsyslog.pid"
    ;;
  bmp-pushgateway)
    # Only the monitor-proxy pushes (on the loopback), always the same two families with the
    # same labels: the consistency check, which gathers every group on every push (0.3 to 1.5 s
    # a push with a few groups on a small machine), guards against nothing here.
    exec prometheus-pushgateway --web.listen-address="127.0.0.1:${BMP_PUSHGATEWAY_PORT:-9091}" \
      --persistence.file="$BMP_DATA_DIR/pushgateway.db" --persistence.interval=1m \
      --push.disable-consistency-check
    ;;
  bmp-prometheus)
    # Its configuration is generated from .env (bmp_pronoea.configs); lifecycle API for
    # pronoea's reloads, on the loopback only.
    "$BMP_VENV/bin/python" -m bmp_pronoea.configs --out "$monitor_conf"
    mkdir -p "$BMP_DATA_DIR/prometheus/data"
    exec prometheus --config.file="$monitor_conf/prometheus.yml" \
      --storage.tsdb.path="$BMP_DATA_DIR/prometheus/data" \
      --web.listen-address="127.0.0.1:${BMP_PROMETHEUS_PORT:-9090}" --web.enable-lifecycle \
      --rules.alert.resend-delay="${BMP_MONITOR_MINUTE_S:-60}s"
    ;;
  bmp-alertmanager)
    "$BMP_VENV/bin/python" -m bmp_pronoea.configs --out "$monitor_conf"
    mkdir -p "$BMP_DATA_DIR/alertmanager"
    exec prometheus-alertmanager --config.file="$monitor_conf/alertmanager.yml" \
      --storage.path="$BMP_DATA_DIR/alertmanager" \
      --web.listen-address="127.0.0.1:${BMP_ALERTMANAGER_PORT:-9093}" --cluster.listen-address=
    ;;
  bmp-pronoea)
    export BMP_OPENAPI_CONSOLE_URL="${BMP_OPENAPI_CONSOLE_URL:-http://$(bmp_reach_address "$BMP_API_BIND"):${BMP_OPENAPI_CONSOLE_PORT:-8802}}"
    # The console's /oob-alert/ routes go on to oob-alert, as the session's tenant.
    export BMP_OOB_ALERT_URL="${BMP_OOB_ALERT_URL:-http://$(bmp_reach_address "$BMP_API_BIND"):${BMP_OOB_ALERT_PORT:-8804}}"
    BMP_WORKERS="${BMP_MONITOR_WORKERS:-2}" gunicorn_app bmp_pronoea.wsgi:application 127.0.0.1 "${BMP_PRONOEA_PORT:-9999}"
    ;;
  bmp-monitor-proxy)
    # Where the guests' agents report (the provisioning side, as the image server).
    export BMP_OPENAPI_URL="${BMP_OPENAPI_URL:-http://$(bmp_reach_address "$BMP_API_BIND"):${BMP_OPENAPI_PORT:-8801}}"
    BMP_WORKERS="${BMP_MONITOR_WORKERS:-2}" gunicorn_app bmp_monitor_proxy.wsgi:application "$BMP_PROVISION_BIND" "${BMP_MONITOR_PROXY_PORT:-8805}"
    ;;
  bmp-lab)
    # N virtual servers (bmp-deploy.sh lab up N). Their BMC password is BMP_LAB_BMC_PASSWORD,
    # from var/secrets.env (the environment, never argv); the fleet writes it to a 0600 file.
    exec "$BMP_VENV/bin/python" -m bmp_lab up "${BMP_LAB_NODES:?run ./bmp-deploy.sh lab up N}" \
      --base-port "${BMP_LAB_BASE_PORT:-16230}" --state-dir "$BMP_RUN_DIR/lab" \
      --gateway "http://$(bmp_reach_address "$BMP_PROVISION_BIND"):${BMP_GATEWAY_PORT:-8803}" \
      --gateway-ca "${BMP_TLS_DIR:-$BMP_DATA_DIR/tls}/ca.pem" \
      --guest-root "$BMP_RUN_DIR/lab/guests"
    ;;
  *)
    echo "run-service.sh: unknown service $service" >&2
    exit 2
    ;;
esac
