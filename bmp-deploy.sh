#!/usr/bin/env bash
# Deploy and manage BMP: the same commands as upstream's bmp-deploy.sh, two runtimes.
#   local  - every service a local process under supervisord (SQLite + a private redis-server by
#            default; .env can point at MySQL/MariaDB, RabbitMQ and Redis instead)
#   docker - docker compose with deploy/docker-compose.yml
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/local/env.sh
source "$ROOT/deploy/local/env.sh"
bmp_load_env "$ROOT"
# shellcheck source=deploy/local/services.sh
source "$ROOT/deploy/local/services.sh"

umask 077

usage() {
  cat <<'USAGE'
Usage: ./bmp-deploy.sh [-t|--tag TAG] COMMAND [SERVICE...]

OPTIONS:
    -t, --tag TAG  the tag of the images the docker runtime runs (default: image.cfg's TAG,
                   which is BMP_VERSION unless TAG is set)

COMMAND:
    start        Install what is missing, migrate the database and start SERVICE...
    stop         Stop SERVICE...
    restart      Stop, then start SERVICE...
    status       Print "running" or "not running" per SERVICE; exit 1 if any is down
    reinstall    Reinstall SERVICE from the current code and restart it; data is kept
    logs         Print the last lines of SERVICE's log (LINES=N to change, default 100)
    uninstall [--purge [--yes]] SERVICE...
                 Stop and remove SERVICE: `all` and `status all` leave it out until it is
                 started by name again (docker: `compose rm -sf`). Its data is kept unless
                 --purge, which deletes that service's own data folders (docker: volumes)
                 after a confirmation on the terminal, or --yes
    images       List the images of image.cfg: present here or not, and their size (docker,
                 podman or buildah, whichever answers)
    config       Print the effective configuration (secrets masked)
    credentials  Print the admin credentials generated at first start
    rotate-key   Put a new encryption key first, restart what runs and re-encrypt every stored
                 secret with it (the old key stays listed for backups and jobs in flight)
    rotate-key finish
                 Re-encrypt again and drop every key but the newest (local runtime)
    backup -o FILE
                 Write the database (SQLite copy or mysqldump), the data folder and the
                 secrets into FILE (tar.gz, mode 0600), services running or not (local runtime)
    restore FILE Put a backup back (database, data folder, secrets); refused while services
                 run. What it replaces is moved to var/restore-previous-TIME (local runtime)
    lab          Virtual servers to try the platform with (local runtime):
                   lab up N    run N virtual servers (IPMI BMCs on 127.0.0.1) as bmp-lab
                               and enrol them into the running platform (IDC "lab")
                   lab down    stop them (they stay enrolled)
                   lab status  list them and ping their BMCs

SERVICE:
    all                   every service
    bmp-redis             private redis (local runtime, only when no BMP_REDIS_HOST is set)
    bmp-openapi           core API, port 8801
    bmp-openapi-console   core API, console profile, port 8802
    bmp-console-api       the tenant console's backend (BFF), port 8800
    bmp-oob-alert         out-of-band faults (BMC event logs), port 8804
    bmp-oob-agent         polls the BMCs' event logs of BMP_IDC_IDS (docker: BMP_IDC_ID)
    bmp-operation-api     the operator portal's backend (BFF), port 8799
    bmp-rsyslog           the LiveOS agents' log lines (syslog, UDP 1514), filed per node address
  (the bmp- prefix may be left out)

Runtime: BMP_RUNTIME in .env (auto, local or docker).
Before a first start: ./bmp-deploy-precheck.sh (ports, disk, what the runtime needs).
USAGE
}

die_usage() {
  echo "bmp-deploy.sh: $*" >&2
  usage >&2
  exit 2
}

# -- service names ---------------------------------------------------------------------------

known_services() { bmp_local_services; }

resolve_services() {
  # Prints the canonical names of the requested services, in start order.
  local requested=("$@") known name wanted out=()
  mapfile -t known < <(known_services)
  [[ ${#requested[@]} -gt 0 ]] || die_usage "no SERVICE given"
  for wanted in "${requested[@]}"; do
    if [[ "$wanted" == "all" ]]; then
      # Without the services uninstalled (see uninstall_services).
      for name in "${known[@]}"; do
        is_uninstalled "$name" || echo "$name"
      done
      return
    fi
    [[ "$wanted" == bmp-* ]] || wanted="bmp-$wanted"
    local found=""
    for name in "${known[@]}"; do
      [[ "$name" == "$wanted" ]] && found=1
    done
    [[ -n "$found" ]] || die_usage "unknown service '$wanted'"
  done
  for name in "${known[@]}"; do
    for wanted in "${requested[@]}"; do
      [[ "$wanted" == bmp-* ]] || wanted="bmp-$wanted"
      if [[ "$wanted" == "$name" ]]; then
        out+=("$name")
        break
      fi
    done
  done
  printf '%s\n' "${out[@]}"
}

# The services `uninstall` removed: BMP_UNINSTALLED in var/runtime.env, comma-separated. `all`
# leaves them out until `start` or `reinstall` names them again.
is_uninstalled() { [[ ",${BMP_UNINSTALLED:-}," == *",$1,"* ]]; }

mark_uninstalled() {
  # mark_uninstalled yes|no SERVICE...: adds them to BMP_UNINSTALLED, or takes them out of it.
  local how="$1" name kept=() list=""
  shift
  IFS=, read -r -a kept <<<"${BMP_UNINSTALLED:-}"
  for name in "${kept[@]}"; do
    [[ -n "$name" && " $* " != *" $name "* ]] && list="${list:+$list,}$name"
  done
  if [[ "$how" == yes ]]; then
    for name in "$@"; do
      list="${list:+$list,}$name"
    done
  fi
  [[ "$list" == "${BMP_UNINSTALLED:-}" ]] && return
  if [[ -n "$list" ]]; then runtime_env_set BMP_UNINSTALLED "$list"; else runtime_env_set BMP_UNINSTALLED; fi
  export BMP_UNINSTALLED="$list"
}

# -- runtime choice --------------------------------------------------------------------------

runtime() {
  case "${BMP_RUNTIME:-auto}" in
    local | docker) echo "$BMP_RUNTIME" ;;
    auto)
      if command -v docker >/dev/null 2>&1 && timeout 5 docker info >/dev/null 2>&1; then
        echo docker
      else
        echo local
      fi
      ;;
    *)
      echo "bmp-deploy.sh: BMP_RUNTIME must be auto, local or docker" >&2
      exit 2
      ;;
  esac
}

# -- shared setup ----------------------------------------------------------------------------

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  echo "installing $* (apt)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null ||
    { as_root apt-get update -q >/dev/null && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null; }
}

uses_mysql() {
  [[ -n "${BMP_DB_HOST:-}" || "${BMP_DATABASE_URL:-}" == mysql* || "${BMP_DATABASE_URL:-}" == mariadb* ]]
}

ensure_secrets() {
  # Generated once, kept in var/secrets.env (0600); a value set in .env wins.
  local file="$BMP_VAR_DIR/secrets.env"
  mkdir -p "$BMP_VAR_DIR"
  touch "$file"
  chmod 600 "$file"
  if [[ -z "${BMP_SECRET_KEY:-}" ]]; then
    BMP_SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')"
    echo "BMP_SECRET_KEY=$BMP_SECRET_KEY" >>"$file"
    export BMP_SECRET_KEY
  fi
  if [[ -z "${BMP_ENCRYPTION_KEY:-}" ]]; then
    # A Fernet key: 32 random bytes, url-safe base64.
    BMP_ENCRYPTION_KEY="$(python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')"
    echo "BMP_ENCRYPTION_KEY=$BMP_ENCRYPTION_KEY" >>"$file"
    export BMP_ENCRYPTION_KEY
  fi
  if [[ -z "${BMP_MONITOR_TOKEN:-}" ]]; then
    # In-band monitoring's calls between openapi, pronoea, monitor-proxy and Alertmanager.
    BMP_MONITOR_TOKEN="$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
    echo "BMP_MONITOR_TOKEN=$BMP_MONITOR_TOKEN" >>"$file"
    export BMP_MONITOR_TOKEN
  fi
}

tls_dir() { echo "${BMP_TLS_DIR:-$BMP_DATA_DIR/tls}"; }

ensure_tls() {
  # The agent gateway's CA and certificate, made at first start and kept (0700 folder, 0600
  # keys); the LiveOS build embeds the CA (./bmp-build-image.sh build bmp-liveos).
  "$BMP_VENV/bin/python" -m bmp_scheduler.tls ensure --dir "$(tls_dir)"
}

# -- local runtime ---------------------------------------------------------------------------

SUPERVISOR_CONF() { echo "$BMP_RUN_DIR/supervisord.conf"; }

ensure_venv() {
  local extras="openapi,scheduler,driver,dhcp,tftp,image,lab,bff,oob-agent,oob-alert,monitor,ctl,local" stamp="$BMP_VENV/.bmp-installed" want
  # The driver's ipmitool backend, for BMCs its native IPMI client cannot talk to.
  command -v ipmitool >/dev/null 2>&1 || apt_install ipmitool
  [[ -f /usr/lib/ipxe/undionly.kpxe ]] || apt_install ipxe  # the boot programs bmp-tftp serves
  # In-band monitoring's stack: Debian's Prometheus, Pushgateway and Alertmanager.
  command -v prometheus >/dev/null 2>&1 || apt_install prometheus
  command -v prometheus-pushgateway >/dev/null 2>&1 || apt_install prometheus-pushgateway
  command -v prometheus-alertmanager >/dev/null 2>&1 || apt_install prometheus-alertmanager
  # The LiveOS agents' syslog receiver (bmp-rsyslog).
  command -v rsyslogd >/dev/null 2>&1 || apt_install rsyslog
  if uses_mysql; then
    extras="$extras,mysql"
    pkg-config --exists mysqlclient 2>/dev/null || apt_install default-libmysqlclient-dev pkg-config build-essential
  fi
  want="$extras $(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
  if [[ -x "$BMP_VENV/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" && "${1:-}" != "--force" ]]; then
    return
  fi
  if [[ ! -x "$BMP_VENV/bin/python" ]]; then
    echo "creating $BMP_VENV"
    python3 -m venv "$BMP_VENV" || { apt_install python3-venv && python3 -m venv "$BMP_VENV"; }
  fi
  echo "installing bmp[$extras] into $BMP_VENV"
  # (this machine's pip configuration warns about absent local indexes: not our news)
  "$BMP_VENV/bin/pip" install -q --disable-pip-version-check -e "${ROOT}[${extras}]" \
    2> >(grep -v '^WARNING: Location' >&2)
  echo "$want" >"$stamp"
}

ensure_console_web() {
  # Debian's nginx serves the console; installed without starting Debian's own site on :80.
  if ! command -v nginx >/dev/null 2>&1 && [[ ! -x /usr/sbin/nginx ]]; then
    echo "installing nginx (apt)"
    as_root env RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx >/dev/null ||
      { as_root apt-get update -q >/dev/null && as_root env RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx >/dev/null; }
  fi
  command -v envsubst >/dev/null 2>&1 || apt_install gettext-base
  # Built when missing or older than its sources (npm ci from the lockfile, vite build).
  "$ROOT/deploy/local/console-web-build.sh"
}

ensure_redis_server() {
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
}

write_supervisor_conf() {
  local conf service
  conf="$(SUPERVISOR_CONF)"
  mkdir -p "$BMP_RUN_DIR" "$BMP_LOG_DIR" "$BMP_DATA_DIR"
  {
    cat <<CONF
; Generated by bmp-deploy.sh at each start; edit deploy/local/ instead.
[unix_http_server]
file=$BMP_RUN_DIR/supervisor.sock
chmod=0700

[supervisord]
logfile=$BMP_LOG_DIR/supervisord.log
pidfile=$BMP_RUN_DIR/supervisord.pid
directory=$ROOT
nodaemon=false
minfds=4096

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$BMP_RUN_DIR/supervisor.sock
CONF
    for service in $(known_services); do
      cat <<CONF

[program:$service]
command=$ROOT/deploy/local/run-service.sh $service
directory=$ROOT
autostart=false
autorestart=true
startsecs=2
startretries=5
stopasgroup=true
killasgroup=true
stopwaitsecs=20
redirect_stderr=true
stdout_logfile=$BMP_LOG_DIR/$service.log
stdout_logfile_maxbytes=20MB
stdout_logfile_backups=5
environment=BMP_VAR_DIR="$BMP_VAR_DIR"
CONF
    done
  } >"$conf"
}

supervisorctl() {
  "$BMP_VENV/bin/supervisorctl" -c "$(SUPERVISOR_CONF)" "$@"
}

supervisor_all() {
  # supervisor_all start|stop SERVICE...: asks supervisord for all of them at once, then waits
  # until each has settled (started: RUNNING or given up; stopped). One supervisorctl per
  # service waits startsecs (or the stop) for each in turn: a minute for a full start.
  local action="$1"
  shift
  [[ $# -gt 0 ]] || return 0
  "$BMP_VENV/bin/python" - "$action" "$BMP_RUN_DIR/supervisor.sock" "$@" <<'PY'
import sys, time, xmlrpc.client
from supervisor.xmlrpc import Faults, SupervisorTransport

action, socket, *names = sys.argv[1:]
transport = SupervisorTransport(None, None, f"unix://{socket}")
rpc = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport).supervisor
call = rpc.startProcess if action == "start" else rpc.stopProcess
for name in names:
    try:
        call(name, False)  # do not wait: the loop below waits for all of them together
    except xmlrpc.client.Fault as fault:
        if fault.faultCode not in (Faults.ALREADY_STARTED, Faults.NOT_RUNNING):
            print(f"{name}: {fault.faultString}", file=sys.stderr)
settled = {"RUNNING", "FATAL", "STOPPED", "EXITED"} if action == "start" else {"STOPPED", "EXITED", "FATAL"}
deadline = time.monotonic() + 90  # startretries with backoff, or stopwaitsecs then SIGKILL
while time.monotonic() < deadline:
    states = [p["statename"] for p in rpc.getAllProcessInfo() if p["name"] in names]
    if all(state in settled for state in states):
        break
    time.sleep(0.2)
PY
}

supervisord_running() {
  local pidfile="$BMP_RUN_DIR/supervisord.pid"
  [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

ensure_supervisord() {
  write_supervisor_conf
  if supervisord_running; then
    supervisorctl reread >/dev/null
    supervisorctl update >/dev/null
  else
    "$BMP_VENV/bin/supervisord" -c "$(SUPERVISOR_CONF)"
    for _ in $(seq 1 50); do
      supervisorctl pid >/dev/null 2>&1 && return
      sleep 0.2
    done
    echo "supervisord did not start; see $BMP_LOG_DIR/supervisord.log" >&2
    exit 1
  fi
}

django_admin() {
  DJANGO_SETTINGS_MODULE=bmp_openapi.settings "$BMP_VENV/bin/django-admin" "$@"
}

wait_redis() {
  for _ in $(seq 1 50); do
    redis-cli -s "$BMP_RUN_DIR/redis.sock" ping >/dev/null 2>&1 && return
    sleep 0.2
  done
  echo "bmp-redis did not answer on $BMP_RUN_DIR/redis.sock; see $BMP_LOG_DIR/bmp-redis.log" >&2
  exit 1
}

wait_healthy() {
  # Waits until SERVICE's /health answers 200, or reports why not. A TLS service must also
  # present a certificate of our CA for the address it is reached on. A slow start (a loaded
  # machine) gets BMP_HEALTH_WAIT seconds; a process that exits fails at once.
  local service="$1" path="${BMP_LOCAL_HEALTH[$1]:-}" port="${BMP_LOCAL_PORT[$1]:-}" scheme=http host
  [[ -n "$path" ]] || return 0
  [[ " ${BMP_LOCAL_TLS[*]} " == *" $service "* ]] && scheme=https
  host="$(bmp_reach_address "$(bmp_local_bind "$service")")"
  if "$BMP_VENV/bin/python" - "$service" "$scheme://$host:$port$path" "$(tls_dir)/ca.pem" \
    "$BMP_RUN_DIR/supervisor.sock" "${BMP_HEALTH_WAIT:-120}" <<'PY'; then
import ssl, sys, time, urllib.error, urllib.request, xmlrpc.client
from supervisor.xmlrpc import SupervisorTransport

service, url, ca, socket, wait = sys.argv[1:6]
context = ssl.create_default_context(cafile=ca) if url.startswith("https:") else None
transport = SupervisorTransport(None, None, f"unix://{socket}")
supervisor = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport).supervisor
deadline = time.monotonic() + float(wait)
reason = "no answer yet"
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(url, timeout=3, context=context) as answer:
            if answer.status == 200:
                sys.exit(0)
            reason = f"HTTP {answer.status}"
    except urllib.error.HTTPError as error:
        reason = f"HTTP {error.code}: {error.read(300).decode(errors='replace')}"
    except OSError as error:
        reason = str(getattr(error, "reason", error))
    state = supervisor.getProcessInfo(service)["statename"]
    if state not in ("STARTING", "RUNNING", "BACKOFF"):
        reason = f"the process is {state}"
        break
    time.sleep(0.5)
print(f"{service} is not healthy: {url} ({reason}); see ./bmp-deploy.sh logs {service}", file=sys.stderr)
sys.exit(1)
PY
    return 0
  fi
  return 1
}

port_in_use() {
  # port_in_use SERVICE: something already answers on the service's address and port.
  local port="${BMP_LOCAL_PORT[$1]:-}" host
  [[ -n "$port" ]] || return 1
  host="$(bmp_reach_address "$(bmp_local_bind "$1")")"
  (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
}

local_status_of() {
  local state
  state="$(supervisorctl status "$1" 2>/dev/null | awk '{print $2}')" || true
  [[ "$state" == "RUNNING" ]]
}

local_start() {
  local services=("$@") service needs_migration="" failed=0 to_start=()
  ensure_secrets
  ensure_venv
  ensure_tls
  if printf '%s\n' "${services[@]}" | grep -qx bmp-redis; then
    ensure_redis_server
  fi
  if printf '%s\n' "${services[@]}" | grep -qxE 'bmp-(console|operation)-web'; then
    ensure_console_web
  fi
  ensure_supervisord
  for service in "${services[@]}"; do
    if [[ " ${BMP_MIGRATING_SERVICES[*]} " == *" $service "* ]]; then
      needs_migration=1
    fi
  done
  if printf '%s\n' "$(known_services)" | grep -qx bmp-redis; then
    # Everything else depends on it: start it whatever was asked.
    supervisorctl start bmp-redis >/dev/null 2>&1 || true
    wait_redis
  fi
  if [[ -n "$needs_migration" ]]; then
    django_admin migrate --noinput
    # The scheduler keeps its own tables (jobs, steps, agent tokens) in the same database.
    DJANGO_SETTINGS_MODULE=bmp_scheduler.settings "$BMP_VENV/bin/django-admin" migrate --noinput
    # oob-alert's fault tables and rules (seeded by its migrations), same database.
    DJANGO_SETTINGS_MODULE=bmp_oob_alert.settings "$BMP_VENV/bin/django-admin" migrate --noinput
    django_admin bmp_bootstrap --print-credentials
  fi
  for service in "${services[@]}"; do
    [[ "$service" == bmp-redis ]] && continue
    if ! local_status_of "$service" && port_in_use "$service"; then
      echo "$service: port ${BMP_LOCAL_PORT[$service]} on $(bmp_local_bind "$service") is already in use by another process" >&2
      failed=1
      continue
    fi
    to_start+=("$service")
  done
  supervisor_all start "${to_start[@]}"
  for service in "${services[@]}"; do
    local_status_of "$service" || [[ "$service" == bmp-redis ]] || continue
    wait_healthy "$service" || failed=1
  done
  local_status "${services[@]}" || failed=1
  return "$failed"
}

local_stop() {
  local services=("$@") service all="${STOP_ALL:-}"
  supervisord_running || return 0
  supervisor_all stop "${services[@]}"
  for service in "${services[@]}"; do
    echo "$service stopped"
  done
  if [[ -n "$all" ]]; then
    supervisorctl shutdown >/dev/null 2>&1 || true
    for _ in $(seq 1 50); do
      supervisord_running || return 0
      sleep 0.2
    done
  fi
}

print_status() {
  # print_status IS_RUNNING_COMMAND SERVICE...: one "running"/"not running" line per service.
  local is_running="$1" service down=0
  shift
  for service in "$@"; do
    if "$is_running" "$service"; then
      printf '%-24s running\n' "$service"
    else
      printf '%-24s not running\n' "$service"
      down=1
    fi
  done
  return "$down"
}

local_is_running() { supervisord_running && local_status_of "$1"; }

local_status() { print_status local_is_running "$@"; }

local_reinstall() {
  local services=("$@")
  local_stop "${services[@]}"
  # Fresh code and dependencies; var/ (database, redis data, secrets) is left alone.
  ensure_venv --force
  local_start "${services[@]}"
}

local_logs() {
  local service file
  for service in "$@"; do
    echo "==> $BMP_LOG_DIR/$service.log <=="
    tail -n "${LINES:-100}" "$BMP_LOG_DIR/$service.log" 2>/dev/null || echo "(no log yet)"
    if [[ "$service" == bmp-rsyslog ]]; then
      # The nodes' own lines: the newest file of each node address and program.
      while IFS= read -r file; do
        echo "==> $file <=="
        tail -n "${LINES:-100}" "$file"
      done < <(find "$BMP_LOG_DIR/rsyslog" -name '*.log' -type f -mtime -1 2>/dev/null | sort)
    fi
  done
}

# -- docker runtime --------------------------------------------------------------------------

compose() {
  local args=(--project-directory "$ROOT" -f "$ROOT/deploy/docker-compose.yml" --env-file "$ROOT/.env")
  [[ -f "$BMP_VAR_DIR/secrets.env" ]] && args+=(--env-file "$BMP_VAR_DIR/secrets.env")
  (
    # The image names bmp-build-image.sh tags, from image.cfg; in a subshell so its variables
    # (TAG, bmp_registry...) stay out of this script.
    # shellcheck source=image.cfg
    source "$ROOT/image.cfg"
    export BMP_OPENAPI_IMAGE="$bmp_openapi_image" BMP_DB_IMAGE="$bmp_db_image" \
      BMP_REDIS_IMAGE="$bmp_redis_image" BMP_MQ_IMAGE="$bmp_mq_image" \
      BMP_SCHEDULER_IMAGE="$bmp_scheduler_image" BMP_DRIVER_IMAGE="$bmp_driver_image" \
      BMP_DHCP_AGENT_IMAGE="$bmp_dhcp_agent_image" BMP_TFTP_IMAGE="$bmp_tftp_image" \
      BMP_IMAGE_IMAGE="$bmp_image_image" BMP_RSYSLOG_IMAGE="$bmp_rsyslog_image" \
      BMP_CONSOLE_API_IMAGE="$bmp_console_api_image" \
      BMP_OPERATION_API_IMAGE="$bmp_operation_api_image" BMP_OOB_ALERT_IMAGE="$bmp_oob_alert_image" \
      BMP_OOB_AGENT_IMAGE="$bmp_oob_agent_image" BMP_PRONOEA_IMAGE="$bmp_pronoea_image" \
      BMP_MONITOR_PROXY_IMAGE="$bmp_monitor_proxy_image" BMP_PROMETHEUS_IMAGE="$bmp_prometheus_image" \
      BMP_PUSHGATEWAY_IMAGE="$bmp_pushgateway_image" BMP_ALERTMANAGER_IMAGE="$bmp_alertmanager_image" \
      BMP_CONSOLE_WEB_IMAGE="$bmp_console_web_image" BMP_OPERATION_WEB_IMAGE="$bmp_operation_web_image"
    # The IDC services (bmp-driver, bmp-dhcp-agent, bmp-dhcp-server, bmp-oob-agent) are in the
    # compose profile "idc".
    if [[ -n "${BMP_IDC_ID:-}" ]]; then
      export COMPOSE_PROFILES="${COMPOSE_PROFILES:+$COMPOSE_PROFILES,}idc"
    fi
    exec docker compose "${args[@]}" "$@"
  )
}

docker_secrets() {
  # The docker runtime also needs the passwords of its own MySQL, Redis and RabbitMQ, and of
  # Redis's append-only flight recorder user (bmp-flight, for the boot file servers).
  ensure_secrets
  local file="$BMP_VAR_DIR/secrets.env" key
  for key in BMP_DB_PASSWORD BMP_DB_ROOT_PASSWORD BMP_REDIS_PASSWORD BMP_MQ_PASSWORD \
    BMP_FLIGHT_REDIS_PASSWORD; do
    if [[ -z "${!key:-}" ]]; then
      printf -v "$key" '%s' "$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
      echo "$key=${!key}" >>"$file"
      export "${key?}"
    fi
  done
}

docker_status() {
  DOCKER_RUNNING="$(compose ps --status running --services 2>/dev/null || true)"
  print_status docker_is_running "$@"
}

docker_is_running() { grep -qx "$1" <<<"$DOCKER_RUNNING"; }

DOCKER_IDC_SERVICES=(bmp-driver bmp-dhcp-agent bmp-dhcp-server bmp-oob-agent)

docker_services() {
  # Docker runs its own database, redis and broker; bmp-redis is always ours there.
  echo bmp-db bmp-redis bmp-mq bmp-openapi bmp-openapi-console bmp-console-api bmp-operation-api bmp-openapi-worker \
    bmp-scheduler-gateway bmp-scheduler-gateway-tls bmp-scheduler bmp-tftp bmp-image bmp-rsyslog \
    bmp-oob-alert bmp-pushgateway bmp-alertmanager bmp-prometheus bmp-pronoea bmp-monitor-proxy \
    bmp-console-web bmp-operation-web | tr ' ' '\n'
  # The workers of one IDC: none until BMP_IDC_ID names it (an IDC exists only once the
  # platform runs, so `start all` works without it).
  if [[ -n "${BMP_IDC_ID:-}" ]]; then
    echo bmp-driver
    echo bmp-dhcp-agent
    echo bmp-oob-agent
    # Answering DHCP takes the host's network and the provisioning interface: only where one
    # is named.
    if [[ -n "${BMP_DHCP_INTERFACE:-}" ]]; then
      echo bmp-dhcp-server
    fi
  fi
}

docker_need_idc() {
  # Fails, saying why, when SERVICE... names an IDC worker and BMP_IDC_ID is not set.
  local wanted
  [[ -z "${BMP_IDC_ID:-}" ]] || return 0
  for wanted in "$@"; do
    [[ "$wanted" == bmp-* ]] || wanted="bmp-$wanted"
    if [[ " ${DOCKER_IDC_SERVICES[*]} " == *" $wanted "* ]]; then
      echo "bmp-deploy.sh: $wanted serves one IDC: set BMP_IDC_ID in .env (the id of an IDC created through the API)" >&2
      return 1
    fi
  done
}

# -- lab: virtual servers (local runtime) ----------------------------------------------------

runtime_env_set() {
  # runtime_env_set KEY [VALUE]: sets KEY in var/runtime.env, or removes it when no VALUE.
  local key="$1" file="$BMP_VAR_DIR/runtime.env" tmp
  mkdir -p "$BMP_VAR_DIR"
  tmp="$(mktemp "$file.XXXXXX")"
  if [[ -f "$file" ]]; then
    grep -v "^$key=" "$file" >"$tmp" || true
  fi
  if [[ $# -gt 1 ]]; then
    echo "$key=$2" >>"$tmp"
  fi
  mv "$tmp" "$file"
}

lab_secrets() {
  # The lab BMCs' password, generated once into var/secrets.env (0600) like the other secrets.
  ensure_secrets
  if [[ -z "${BMP_LAB_BMC_PASSWORD:-}" ]]; then
    # 16 characters: IPMI 2.0 passwords are at most 20 bytes.
    BMP_LAB_BMC_PASSWORD="$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')"
    echo "BMP_LAB_BMC_PASSWORD=$BMP_LAB_BMC_PASSWORD" >>"$BMP_VAR_DIR/secrets.env"
    export BMP_LAB_BMC_PASSWORD
  fi
}

supervisor_has_program() {
  supervisorctl avail 2>/dev/null | awk '{print $1}' | grep -qx "$1"
}

lab_up() {
  local count="$1" state="$BMP_RUN_DIR/lab/lab-state.json" log ids idc_id service changed=""
  [[ "$count" =~ ^[1-9][0-9]{0,4}$ ]] || die_usage "lab up needs a number of servers (1-99999)"
  if ! local_is_running bmp-openapi; then
    echo "bmp-openapi is not running: start the platform first (./bmp-deploy.sh start all)" >&2
    return 1
  fi
  lab_secrets
  if local_is_running bmp-lab && [[ "${BMP_LAB_NODES:-}" != "$count" ]]; then
    supervisorctl stop bmp-lab >/dev/null # another size: start it again
  fi
  runtime_env_set BMP_LAB_NODES "$count"
  export BMP_LAB_NODES="$count"
  mark_uninstalled no bmp-lab
  local_is_running bmp-lab || rm -f "$state" # a fresh state file tells us the fleet is up
  local_start bmp-lab
  for _ in $(seq 1 150); do
    [[ -f "$state" ]] && break
    sleep 0.2
  done
  if [[ ! -f "$state" ]]; then
    echo "bmp-lab wrote no $state; see ./bmp-deploy.sh logs bmp-lab" >&2
    return 1
  fi

  log="$(mktemp "$BMP_RUN_DIR/lab-enrol.XXXXXX")"
  if ! "$BMP_VENV/bin/python" -m bmp_lab enrol --state-dir "$BMP_RUN_DIR/lab" \
    --api "http://$(bmp_reach_address "$BMP_API_BIND"):${BMP_OPENAPI_PORT:-8801}" | tee "$log"; then
    rm -f "$log"
    return 1
  fi
  idc_id="$(sed -n 's/^idc_id=//p' "$log" | tail -n 1)"
  rm -f "$log"
  [[ -n "$idc_id" ]] || { echo "bmp-lab enrol printed no idc_id" >&2 && return 1; }

  # The driver and the dhcp-agent serve the IDCs of BMP_IDC_IDS (var/runtime.env).
  ids="${BMP_IDC_IDS:-}"
  if [[ ",$ids," == *",$idc_id,"* ]]; then
    echo "BMP_IDC_IDS already names $idc_id"
  else
    ids="${ids:+$ids,}$idc_id"
    changed=1
    runtime_env_set BMP_IDC_IDS "$ids"
    echo "BMP_IDC_IDS=$ids written to $BMP_VAR_DIR/runtime.env"
  fi
  export BMP_IDC_IDS="$ids"
  ensure_supervisord # adds the programs that serve IDCs, now that there is one
  for service in bmp-driver bmp-dhcp-agent bmp-oob-agent; do
    supervisor_has_program "$service" || continue
    # Restarted to take a new IDC; left alone when it already serves it.
    [[ -z "$changed" ]] && local_status_of "$service" && continue
    if supervisorctl restart "$service" >/dev/null 2>&1; then
      echo "$service restarted for BMP_IDC_IDS=$ids"
    else
      echo "$service did not start; see ./bmp-deploy.sh logs $service" >&2
    fi
  done
}

lab_down() {
  if supervisord_running && supervisor_has_program bmp-lab; then
    supervisorctl stop bmp-lab >/dev/null 2>&1 || true
  fi
  # Not started again by `start all` until the next `lab up`.
  runtime_env_set BMP_LAB_NODES
  unset BMP_LAB_NODES
  if supervisord_running; then
    ensure_supervisord
  fi
  echo "bmp-lab stopped (its servers stay enrolled; their BMCs no longer answer)"
}

lab_command() {
  local action="${1:-}"
  case "$action" in
    up)
      [[ $# -eq 2 ]] || die_usage "usage: lab up N"
      lab_up "$2"
      ;;
    down) lab_down ;;
    status) "$BMP_VENV/bin/python" -m bmp_lab status --state-dir "$BMP_RUN_DIR/lab" ;;
    *) die_usage "lab needs up N, down or status" ;;
  esac
}

# -- backup and restore (local runtime) ------------------------------------------------------

backup_restore() {
  # backup_restore backup -o FILE | restore FILE: deploy/local/backup.py does the work; here the
  # checks that need the supervisor and the tools.
  local command="$1"
  shift
  if [[ ! -x "$BMP_VENV/bin/python" ]]; then
    echo "bmp-deploy.sh: no $BMP_VENV yet: nothing was ever started here (./bmp-deploy.sh start all)" >&2
    return 1
  fi
  if uses_mysql && ! command -v mysqldump >/dev/null 2>&1 && ! command -v mariadb-dump >/dev/null 2>&1; then
    apt_install default-mysql-client
  fi
  if [[ "$command" == backup ]]; then
    [[ $# -eq 2 && ( "$1" == -o || "$1" == --output ) && -n "$2" ]] || die_usage "usage: backup -o FILE"
    "$BMP_VENV/bin/python" "$ROOT/deploy/local/backup.py" backup -o "$2"
    return
  fi
  [[ $# -eq 1 && -n "$1" ]] || die_usage "usage: restore FILE"
  if supervisord_running; then
    # The services would keep writing the database and the data folder being replaced.
    echo "bmp-deploy.sh: services are running (supervisord pid $(cat "$BMP_RUN_DIR/supervisord.pid")): run ./bmp-deploy.sh stop all first" >&2
    return 1
  fi
  "$BMP_VENV/bin/python" "$ROOT/deploy/local/backup.py" restore "$1"
}

# -- commands --------------------------------------------------------------------------------

print_config() {
  local rt="$1"
  echo "runtime:   $rt"
  echo "host ip:   ${BMP_HOST_IP:-127.0.0.1}"
  echo "api bind:  $BMP_API_BIND (operator and tenant APIs)"
  echo "provision: $BMP_PROVISION_BIND (gateway, images, TFTP)"
  echo "data:      $BMP_VAR_DIR"
  if [[ "$rt" == docker ]]; then
    echo "database:  bmp-db (MySQL container), redis: bmp-redis, broker: bmp-mq (RabbitMQ)"
  elif uses_mysql; then echo "database:  MySQL/MariaDB at ${BMP_DB_HOST:-(BMP_DATABASE_URL)}"; else echo "database:  SQLite $BMP_DATA_DIR/bmp.sqlite3"; fi
  if [[ "$rt" == local ]]; then
    if [[ -n "${BMP_REDIS_HOST:-}${BMP_REDIS_URL:-}" ]]; then echo "redis:     ${BMP_REDIS_HOST:-(BMP_REDIS_URL)}"; else echo "redis:     private redis-server, $BMP_RUN_DIR/redis.sock"; fi
    if [[ -n "${BMP_MQ_HOST:-}${BMP_BROKER_URL:-}" ]]; then echo "broker:    ${BMP_MQ_HOST:-(BMP_BROKER_URL)}"; else echo "broker:    the redis above"; fi
  fi
  echo "services:"
  local service
  for service in $(known_services); do
    printf '  %-22s %s\n' "$service" "${BMP_LOCAL_PORT[$service]:+port ${BMP_LOCAL_PORT[$service]}}"
  done
  if [[ "$rt" == docker ]]; then
    echo "compose configuration (secrets masked):"
    compose config | sed -E 's/((PASS|SECRET|KEY|TOKEN)[A-Z_]*: *).*/\1******/'
  fi
}

set_secret() {
  # set_secret KEY VALUE: replace KEY's line in var/secrets.env (0600) without echoing VALUE.
  local file="$BMP_VAR_DIR/secrets.env"
  grep -v "^$1=" "$file" >"$file.new" || true
  printf '%s=%s\n' "$1" "$2" >>"$file.new"
  chmod 600 "$file.new"
  mv "$file.new" "$file"
  export "$1=$2"
}

rotate_key() {
  local file="$BMP_VAR_DIR/secrets.env" keys running=() service
  if ! grep -q '^BMP_ENCRYPTION_KEY=' "$file" 2>/dev/null; then
    echo "BMP_ENCRYPTION_KEY is not kept in $file (set in .env or the environment?):" \
      "rotate it there: put a new key first, restart, run bmp_rotate_secrets" >&2
    return 1
  fi
  ensure_venv
  for service in $(known_services); do
    [[ "$service" != bmp-redis ]] && local_is_running "$service" && running+=("$service")
  done
  case "${1:-}" in
    "")
      keys="$("$BMP_VENV/bin/python" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'),$BMP_ENCRYPTION_KEY"
      ;;
    finish) keys="${BMP_ENCRYPTION_KEY%%,*}" ;;
    *) die_usage "rotate-key takes nothing or 'finish'" ;;
  esac
  if [[ "${1:-}" == finish ]]; then
    # Everything must open with the newest key before the others go.
    django_admin bmp_rotate_secrets
    DJANGO_SETTINGS_MODULE=bmp_scheduler.settings "$BMP_VENV/bin/django-admin" bmp_rotate_secrets
  fi
  set_secret BMP_ENCRYPTION_KEY "$keys"
  if [[ ${#running[@]} -gt 0 ]]; then
    local_stop "${running[@]}" >/dev/null
    local_start "${running[@]}" >/dev/null || return 1
  fi
  if [[ -z "${1:-}" ]]; then
    django_admin bmp_rotate_secrets
    DJANGO_SETTINGS_MODULE=bmp_scheduler.settings "$BMP_VENV/bin/django-admin" bmp_rotate_secrets
    echo "new key first; the old one stays listed until './bmp-deploy.sh rotate-key finish'"
  else
    echo "only the newest key is listed now"
  fi
}

# -- uninstall and images --------------------------------------------------------------------

local_data_paths() {
  # local_data_paths SERVICE: the files and folders that SERVICE alone writes, those present.
  # Shared data is never listed: the database, var/secrets.env, the credentials, the gateway's
  # CA (every start makes sure of it, the LiveOS embeds it), the monitoring configuration.
  local service="$1" path
  local paths=("$BMP_LOG_DIR/$service".log "$BMP_LOG_DIR/$service".log.[0-9]*)
  case "$service" in
    bmp-redis) paths+=("$BMP_DATA_DIR/redis") ;;
    bmp-tftp) paths+=("$BMP_DATA_DIR/tftp") ;;
    bmp-image) paths+=("$BMP_DATA_DIR/images") ;;
    bmp-rsyslog) paths+=("$BMP_LOG_DIR/rsyslog" "$BMP_RUN_DIR/rsyslog") ;;
    bmp-pushgateway) paths+=("$BMP_DATA_DIR/pushgateway.db") ;;
    bmp-prometheus) paths+=("$BMP_DATA_DIR/prometheus/data") ;;
    bmp-alertmanager) paths+=("$BMP_DATA_DIR/alertmanager") ;;
    bmp-lab) paths+=("$BMP_RUN_DIR/lab") ;;
  esac
  for path in "${paths[@]}"; do
    [[ -e "$path" ]] && echo "$path"
  done
  return 0
}

docker_data_volumes() {
  # docker_data_volumes SERVICE: the named volumes (deploy/docker-compose.yml) that SERVICE
  # alone mounts. Shared ones (bmp-system-key, bmp-alert-key, bmp-image-data,
  # bmp-monitor-conf) are never listed.
  case "$1" in
    bmp-db) echo bmp-db-data ;;
    bmp-redis) echo bmp-redis-data ;;
    bmp-mq) echo bmp-mq-data ;;
    bmp-openapi) echo bmp-openapi-data ;;
    bmp-openapi-console) echo bmp-openapi-console-data ;;
    bmp-openapi-worker) echo bmp-openapi-worker-data ;;
    bmp-scheduler-gateway) echo bmp-scheduler-gateway-data ;;
    bmp-scheduler-gateway-tls) echo bmp-gateway-tls ;;
    bmp-scheduler) echo bmp-scheduler-data ;;
    bmp-dhcp-agent) echo bmp-dhcp-agent-data ;;
    bmp-prometheus) echo bmp-prometheus-data ;;
    bmp-alertmanager) echo bmp-alertmanager-data ;;
  esac
}

confirm_purge() {
  # confirm_purge YES WHAT...: goes on when YES is set or the terminal says yes; exits otherwise.
  local yes="$1" answer=""
  shift
  [[ -n "$yes" ]] && return 0
  if [[ ! -t 0 ]]; then
    echo "bmp-deploy.sh: uninstall --purge deletes data and there is no terminal to confirm on: add --yes" >&2
    exit 2
  fi
  echo "uninstall --purge deletes for good:"
  if [[ $# -gt 0 ]]; then printf '  %s\n' "$@"; else echo "  (nothing: no data of these services here)"; fi
  read -r -p "Type yes to go on: " answer || true
  if [[ "$answer" != yes ]]; then
    echo "nothing done" >&2
    exit 1
  fi
}

uninstall_services() {
  # uninstall_services RUNTIME [--purge] [--yes] SERVICE...: stop, remove, and with --purge
  # delete the service's own data.
  local rt="$1" purge="" yes="" args=() services resolved service doomed=() all=""
  shift
  for service in "$@"; do
    case "$service" in
      --purge) purge=1 ;;
      --yes | -y) yes=1 ;;
      -*) die_usage "uninstall: unknown option '$service'" ;;
      *) args+=("$service") ;;
    esac
  done
  [[ " ${args[*]} " == *" all "* ]] && all=1
  [[ "$rt" == docker ]] && { docker_need_idc "${args[@]}" || exit 1; }
  resolved="$(resolve_services "${args[@]}")" || exit 2
  mapfile -t services <<<"$resolved"
  [[ -n "${services[0]}" ]] || { echo "nothing to uninstall: every service already is" && return 0; }
  if [[ -n "$purge" ]]; then
    for service in "${services[@]}"; do
      if [[ "$rt" == docker ]]; then
        mapfile -t -O "${#doomed[@]}" doomed < <(docker_data_volumes "$service")
      else
        mapfile -t -O "${#doomed[@]}" doomed < <(local_data_paths "$service")
      fi
    done
    confirm_purge "$yes" "${doomed[@]}"
  fi
  if [[ "$rt" == docker ]]; then
    compose rm -s -f "${services[@]}"
    if [[ -n "$purge" && ${#doomed[@]} -gt 0 ]]; then
      docker volume rm "${doomed[@]}"
    fi
  else
    STOP_ALL="$all" local_stop "${services[@]}" >/dev/null
    if [[ -n "$purge" && ${#doomed[@]} -gt 0 ]]; then
      rm -rf -- "${doomed[@]}"
    fi
  fi
  mark_uninstalled yes "${services[@]}"
  for service in "${services[@]}"; do
    echo "$service uninstalled"
  done
  if [[ -n "$purge" ]]; then
    if [[ ${#doomed[@]} -gt 0 ]]; then printf 'deleted %s\n' "${doomed[@]}"; fi
    echo "shared data (database, secrets, credentials, CA) is kept"
  else
    echo "data kept: 'uninstall --purge' deletes it; 'start SERVICE' installs it again"
  fi
}

image_names() {
  # The distinct image names of image.cfg (with TAG, BMP_REGISTRY, BASE_REGISTRY applied): what
  # the services run, not the bases the builds start from (bmp_*_base_image).
  (
    # shellcheck source=image.cfg
    source "$ROOT/image.cfg"
    local name
    for name in $(compgen -A variable | grep -E '^bmp_[a-z_]+_image$' | grep -v '_base_image$'); do
      echo "${!name}"
    done | sort -u
  )
}

image_engine() {
  # The first engine that answers: docker, podman or buildah (nothing when none does).
  if command -v docker >/dev/null 2>&1 && timeout 5 docker info >/dev/null 2>&1; then
    echo docker
  elif command -v podman >/dev/null 2>&1 && timeout 10 podman info >/dev/null 2>&1; then
    echo podman
  elif command -v buildah >/dev/null 2>&1 && timeout 10 buildah images -q >/dev/null 2>&1; then
    echo buildah
  fi
}

list_images() {
  local engine name size present
  engine="$(image_engine)"
  if [[ -z "$engine" ]]; then
    echo "bmp-deploy.sh: no container engine answers (docker info, podman info, buildah images):" \
      "cannot tell which images are here. Install one: Docker Engine, or 'apt-get install podman buildah'" >&2
  else
    echo "engine: $engine"
  fi
  printf '%-56s %-8s %s\n' IMAGE PRESENT SIZE
  while IFS= read -r name; do
    present=no size=-
    case "$engine" in
      "") present="?" ;;
      docker | podman)
        if size="$("$engine" image inspect --format '{{.Size}}' "$name" 2>/dev/null)"; then
          present=yes
          [[ "$size" =~ ^[0-9]+$ ]] && size="$(awk -v b="$size" 'BEGIN { printf "%.1f MiB", b / 1048576 }')"
        fi
        ;;
      buildah)
        size="$(buildah images --noheading --format '{{.Size}}' "$name" 2>/dev/null | head -n 1)" &&
          [[ -n "$size" ]] && present=yes
        ;;
    esac
    [[ "$present" == yes ]] || size=-
    printf '%-56s %-8s %s\n' "$name" "$present" "${size:--}"
  done < <(image_names)
  [[ -n "$engine" ]]
}

print_credentials() {
  local rt="$1"
  if [[ "$rt" == docker ]]; then
    compose exec -T bmp-openapi cat /var/lib/bmp/credentials
    return
  fi
  if [[ ! -f "$BMP_CREDENTIALS_FILE" ]]; then
    echo "no credentials yet: run ./bmp-deploy.sh start all first" >&2
    return 1
  fi
  cat "$BMP_CREDENTIALS_FILE"
}

main() {
  local tag="" tagged=""
  while [[ $# -gt 0 ]]; do
    case "$1" in
      -t | --tag)
        [[ $# -ge 2 ]] || die_usage "$1 needs a TAG"
        tag="$2" tagged=1
        shift 2
        ;;
      --tag=*)
        tag="${1#--tag=}" tagged=1
        shift
        ;;
      *) break ;;
    esac
  done
  if [[ -n "$tagged" ]]; then
    # Docker's rule for a tag.
    [[ "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die_usage "bad image tag '$tag'"
    # shellcheck disable=SC2031  # image.cfg sets TAG in compose's subshell, not here
    export TAG="$tag" # image.cfg's TAG: the images compose runs and `images` lists
  fi
  [[ $# -gt 0 ]] || die_usage "no COMMAND given"
  local command="$1"
  shift
  case "$command" in
    -h | --help | help)
      usage
      return 0
      ;;
    images)
      [[ $# -eq 0 ]] || die_usage "images takes no SERVICE"
      list_images
      return
      ;;
    start | stop | restart | status | reinstall | logs | uninstall) ;;
    config | credentials | lab | rotate-key | backup | restore) ;;
    *) die_usage "unknown command '$command'" ;;
  esac
  local rt
  rt="$(runtime)"
  if [[ "$rt" == docker ]]; then
    known_services() { docker_services; }
  elif [[ -n "$tag" ]]; then
    echo "bmp-deploy.sh: the local runtime runs no image: --tag is left unused" >&2
  fi
  case "$command" in
    uninstall)
      uninstall_services "$rt" "$@"
      return
      ;;
    config)
      [[ "$rt" == docker ]] && docker_secrets # compose cannot render without them
      print_config "$rt"
      return
      ;;
    credentials)
      print_credentials "$rt"
      return
      ;;
    rotate-key)
      [[ "$rt" == local ]] || die_usage "rotate-key runs with the local runtime; with docker, put a new key first in BMP_ENCRYPTION_KEY, recreate the services and run bmp_rotate_secrets in bmp-openapi and bmp-scheduler"
      rotate_key "$@"
      return
      ;;
    backup | restore)
      [[ "$rt" == local ]] || die_usage "$command runs with the local runtime; docker: see docs/deployment.md, 'Backup and restore'"
      backup_restore "$command" "$@"
      return
      ;;
    lab)
      [[ "$rt" == local ]] || die_usage "lab runs with the local runtime (BMP_RUNTIME=local)"
      lab_command "$@"
      return
      ;;
  esac

  if [[ "$rt" == docker ]]; then
    local resolved services
    docker_need_idc "$@" || exit 1
    resolved="$(resolve_services "$@")" || exit 2
    mapfile -t services <<<"$resolved"
    [[ "$command" == start || "$command" == reinstall ]] && mark_uninstalled no "${services[@]}"
    case "$command" in
      start)
        docker_secrets
        compose up -d --wait "${services[@]}"
        docker_status "${services[@]}"
        ;;
      stop) compose stop "${services[@]}" ;;
      restart) compose restart "${services[@]}" ;;
      status) docker_status "${services[@]}" ;;
      reinstall)
        # Recreate the containers from their (rebuilt) images; named volumes keep the data.
        compose up -d --force-recreate --wait "${services[@]}"
        ;;
      logs) compose logs --tail "${LINES:-100}" "${services[@]}" ;;
    esac
    return
  fi

  local resolved services
  resolved="$(resolve_services "$@")" || exit 2
  mapfile -t services <<<"$resolved"
  [[ "$command" == start || "$command" == reinstall ]] && mark_uninstalled no "${services[@]}"
  local all=""
  [[ " $* " == *" all "* ]] && all=1
  case "$command" in
    start) local_start "${services[@]}" ;;
    stop) STOP_ALL="$all" local_stop "${services[@]}" ;;
    restart)
      local_stop "${services[@]}"
      local_start "${services[@]}"
      ;;
    status) local_status "${services[@]}" ;;
    reinstall) local_reinstall "${services[@]}" ;;
    logs) local_logs "${services[@]}" ;;
  esac
}

main "$@"
