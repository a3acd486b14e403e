#!/usr/bin/env bash
# Starts one service in the foreground, for supervisord. Secrets come from files, never argv.
set -euo pipefail
service="$1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=deploy/local/env.sh
source "$root/deploy/local/env.sh"
bmp_load_env "$root"

bind="${BMP_HOST_IP:-127.0.0.1}"
gunicorn_app() {
  local module="$1" port="$2"
  exec "$BMP_VENV/bin/gunicorn" "$module" \
    --bind "$bind:$port" \
    --workers "${BMP_WORKERS:-2}" \
    --timeout 60 \
    --no-control-socket \
    --access-logfile - \
    --error-logfile -
}

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
    gunicorn_app bmp_openapi.wsgi:application "${BMP_OPENAPI_PORT:-8801}"
    ;;
  bmp-openapi-console)
    export DJANGO_SETTINGS_MODULE=bmp_openapi.settings BMP_OPENAPI_PROFILE=console
    gunicorn_app bmp_openapi.wsgi:application "${BMP_OPENAPI_CONSOLE_PORT:-8802}"
    ;;
  *)
    echo "run-service.sh: unknown service $service" >&2
    exit 2
    ;;
esac
