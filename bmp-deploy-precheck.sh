#!/usr/bin/env bash
# Checks a host before ./bmp-deploy.sh start: every service's port free (or held by our own
# running service), room in the data folder, and what the runtime needs (docker: an engine and
# compose; local: Python 3.11, Debian's packages, the venv's supervisor). One line per check:
#   OK       fine
#   WARN     works, but see the note (start installs it itself, or little room)
#   MISSING  blocks: what is missing and how to install it
# Exit 0 when nothing blocks, 1 otherwise. Installs nothing and changes nothing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/local/env.sh
source "$ROOT/deploy/local/env.sh"
bmp_load_env "$ROOT"
# shellcheck source=deploy/local/services.sh
source "$ROOT/deploy/local/services.sh"

MIN_FREE_GIB=10
blocked=0

usage() {
  cat <<'USAGE'
Usage: ./bmp-deploy-precheck.sh

Checks the ports of every service, the free disk in the data folder (BMP_VAR_DIR) and what the
runtime of BMP_RUNTIME (.env: auto, local or docker) needs; prints OK, WARN or MISSING (with how
to install it) per check. Exit 1 when something blocks a start.
USAGE
}

ok() { printf 'OK       %s\n' "$*"; }
warn() { printf 'WARN     %s\n' "$*"; }
missing() {
  printf 'MISSING  %s\n' "$*"
  blocked=1
}

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
    *) echo "bad" ;;
  esac
}

can_apt() {
  # bmp-deploy.sh start installs Debian packages itself when apt-get runs as root or via sudo.
  command -v apt-get >/dev/null 2>&1 && { [[ $(id -u) -eq 0 ]] || sudo -n true 2>/dev/null; }
}

need_package() {
  # need_package COMMAND PACKAGE WHAT: OK when COMMAND is found; else WARN when start can
  # install PACKAGE itself, MISSING when it cannot.
  local command="$1" package="$2" what="$3"
  if command -v "$command" >/dev/null 2>&1 || [[ -e "$command" ]]; then
    ok "$what: $command"
  elif can_apt; then
    warn "$what: $command not found; ./bmp-deploy.sh start installs it (apt-get install $package)"
  else
    missing "$what: $command not found; install it: sudo apt-get install $package"
  fi
}

# -- ports -----------------------------------------------------------------------------------

port_list() {
  # "SERVICE PROTO ADDRESS PORT" per port the services listen on (RUNTIME=docker: the host
  # ports deploy/docker-compose.yml publishes).
  local service api="$BMP_API_BIND" provision="$BMP_PROVISION_BIND"
  if [[ "${RUNTIME:-local}" == docker ]]; then
    printf '%s\n' "bmp-openapi tcp $api 8801" "bmp-openapi-console tcp $api 8802" \
      "bmp-console-api tcp $api 8800" "bmp-operation-api tcp $api 8799" \
      "bmp-oob-alert tcp $api 8804" "bmp-scheduler-gateway tcp $provision 8803" \
      "bmp-scheduler-gateway-tls tcp $provision 8813" "bmp-image tcp $provision 10000" \
      "bmp-monitor-proxy tcp $provision 8805" "bmp-tftp udp $provision 69"
    return
  fi
  for service in "${!BMP_LOCAL_PORT[@]}"; do
    echo "$service tcp $(bmp_local_bind "$service") ${BMP_LOCAL_PORT[$service]}"
  done
  echo "bmp-tftp udp ${BMP_TFTP_HOST:-$BMP_PROVISION_BIND} ${BMP_TFTP_PORT:-6969}"
  echo "bmp-rsyslog udp $BMP_PROVISION_BIND ${BMP_RSYSLOG_PORT:-1514}"
}

busy_ports() {
  # Reads port_list's lines; prints those whose address and port cannot be bound now.
  python3 -c '
import errno, socket, sys
for line in sys.stdin:
    service, proto, host, port = line.split()
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, kind) as sock:
        if kind == socket.SOCK_STREAM:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, int(port)))
        except PermissionError:
            pass  # a port under 1024 as a user: says nothing about who holds it
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                print(line.strip())
'
}

port_key() {
  # port_key SERVICE: the .env key of its port.
  case "$1" in
    bmp-scheduler-gateway) echo BMP_GATEWAY_PORT ;;
    bmp-scheduler-gateway-tls) echo BMP_GATEWAY_TLS_PORT ;;
    *)
      local name="${1#bmp-}"
      name="${name//-/_}"
      echo "BMP_${name^^}_PORT"
      ;;
  esac
}

holder() {
  # holder PROTO PORT: "program (pid N)" of the listener when ss can tell (own processes only).
  local flag=-ltnpH
  [[ "$1" == udp ]] && flag=-lunpH
  ss "$flag" "sport = :$2" 2>/dev/null | grep -o 'users:(("[^"]*",pid=[0-9]*' | head -n 1 |
    sed -E 's/users:\(\("([^"]*)",pid=([0-9]*)/\1, pid \2/' || true
}

ours_running() {
  # ours_running RUNTIME SERVICE: the service runs under our supervisord / compose project.
  if [[ "$1" == docker ]]; then
    grep -qx "$2" <<<"${DOCKER_RUNNING:-}"
  else
    [[ -x "$BMP_VENV/bin/supervisorctl" && -S "$BMP_RUN_DIR/supervisor.sock" ]] || return 1
    "$BMP_VENV/bin/supervisorctl" -c "$BMP_RUN_DIR/supervisord.conf" status "$2" 2>/dev/null |
      awk '{print $2}' | grep -qx RUNNING
  fi
}

check_ports() {
  local rt="$1" service proto host port busy who
  busy="$(port_list | sort -k4n | busy_ports)"
  if [[ "$rt" == docker ]]; then
    local args=(--project-directory "$ROOT" -f "$ROOT/deploy/docker-compose.yml" --env-file "$ROOT/.env")
    [[ -f "$BMP_VAR_DIR/secrets.env" ]] && args+=(--env-file "$BMP_VAR_DIR/secrets.env")
    DOCKER_RUNNING="$(docker compose "${args[@]}" ps --status running --services 2>/dev/null || true)"
  fi
  while read -r service proto host port; do
    if ! grep -qx "$service $proto $host $port" <<<"$busy"; then
      ok "port $port/$proto on $host ($service) is free"
    elif ours_running "$rt" "$service"; then
      ok "port $port/$proto on $host is held by $service, running"
    else
      who="$(holder "$proto" "$port")"
      missing "port $port/$proto on $host ($service) is in use by another process${who:+ ($who)}:" \
        "stop it$([[ "$rt" == docker ]] || echo ", or set another port in .env ($(port_key "$service"))")"
    fi
  done < <(port_list | sort -k4n)
}

# -- disk ------------------------------------------------------------------------------------

check_disk() {
  local dir="$BMP_VAR_DIR" free_kib gib
  while [[ ! -d "$dir" ]]; do dir="$(dirname "$dir")"; done
  free_kib="$(df -Pk "$dir" | awk 'NR == 2 {print $4}')"
  gib="$(awk -v k="$free_kib" 'BEGIN { printf "%.1f", k / 1048576 }')"
  if ((free_kib < MIN_FREE_GIB * 1048576)); then
    warn "disk: $gib GiB free for $BMP_VAR_DIR (under $MIN_FREE_GIB GiB: OS images and logs need room)"
  else
    ok "disk: $gib GiB free for $BMP_VAR_DIR"
  fi
}

# -- what the runtime needs ------------------------------------------------------------------

check_docker() {
  if command -v docker >/dev/null 2>&1 && timeout 5 docker info >/dev/null 2>&1; then
    ok "container engine (docker info answers)"
    if docker compose version >/dev/null 2>&1; then
      ok "docker compose v2"
    else
      missing "docker compose v2: install it: sudo apt-get install docker-compose-plugin (Docker's apt repository) or docker-compose-v2 (Debian/Ubuntu)"
    fi
  elif command -v podman >/dev/null 2>&1 && timeout 10 podman info >/dev/null 2>&1; then
    missing "docker: podman answers, but bmp-deploy.sh drives 'docker compose': install podman-docker and docker-compose (or set BMP_RUNTIME=local)"
  else
    missing "container engine: neither 'docker info' nor 'podman info' answers: install Docker Engine (https://docs.docker.com/engine/install/debian/) or set BMP_RUNTIME=local"
  fi
}

check_local() {
  local python
  python="$(command -v python3 || true)"
  if [[ -n "$python" ]] && python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    ok "python3 $(python3 -c 'import platform; print(platform.python_version())') ($python)"
    if python3 -c 'import ensurepip, venv' 2>/dev/null || [[ -x "$BMP_VENV/bin/python" ]]; then
      ok "python3 venv"
    else
      need_package /nonexistent/venv python3-venv "python3 venv (to make $BMP_VENV)"
    fi
  else
    missing "python3 3.11 or newer: install it: sudo apt-get install python3 python3-venv (Debian 12)"
  fi
  if [[ -z "${BMP_REDIS_HOST:-}${BMP_REDIS_URL:-}" ]]; then
    need_package redis-server redis-server "redis (bmp-redis)"
  fi
  need_package rsyslogd rsyslog "syslog receiver (bmp-rsyslog)"
  need_package prometheus prometheus "Prometheus (bmp-prometheus)"
  need_package prometheus-pushgateway prometheus-pushgateway "Pushgateway (bmp-pushgateway)"
  need_package prometheus-alertmanager prometheus-alertmanager "Alertmanager (bmp-alertmanager)"
  need_package ipmitool ipmitool "ipmitool (bmp-driver)"
  need_package /usr/lib/ipxe/undionly.kpxe ipxe "iPXE boot programs (bmp-tftp)"
  need_package nginx nginx "nginx (the web consoles)"
  if [[ -x "$BMP_VENV/bin/supervisord" ]]; then
    ok "supervisor ($BMP_VENV/bin/supervisord)"
  else
    warn "supervisor: not in $BMP_VENV yet; ./bmp-deploy.sh start installs it with the Python packages"
  fi
}

main() {
  case "${1:-}" in
    "") ;;
    -h | --help | help)
      usage
      return 0
      ;;
    *)
      echo "bmp-deploy-precheck.sh: unknown argument '$1'" >&2
      usage >&2
      return 2
      ;;
  esac
  local rt
  rt="$(runtime)"
  if [[ "$rt" == bad ]]; then
    echo "bmp-deploy-precheck.sh: BMP_RUNTIME must be auto, local or docker" >&2
    return 2
  fi
  echo "runtime: $rt (BMP_RUNTIME=${BMP_RUNTIME:-auto}), data: $BMP_VAR_DIR"
  RUNTIME="$rt"
  check_ports "$rt"
  check_disk
  if [[ "$rt" == docker ]]; then check_docker; else check_local; fi
  if [[ "$blocked" -ne 0 ]]; then
    echo "precheck: something blocks a start (MISSING above)"
    return 1
  fi
  echo "precheck: nothing blocks a start"
}

main "$@"
