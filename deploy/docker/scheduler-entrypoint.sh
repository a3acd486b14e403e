#!/bin/sh
# Entrypoint of the bmp-scheduler image (the agent gateway and the workflow worker).
#
# No arguments: when BMP_RUN_MIGRATIONS=1 (only the bmp-scheduler-gateway container sets it),
# apply the scheduler's migrations (its own tables, in the same database as openapi); then
# replace this shell with gunicorn serving the agent gateway on 0.0.0.0:${BMP_PORT:-8803}. Extra
# gunicorn options can be given in GUNICORN_CMD_ARGS, which gunicorn reads itself. Threaded workers
# (gthread, BMP_THREADS each), as in the local runtime.
# With arguments: run them instead (the bmp-scheduler worker's `celery ... worker`, or one-off
# commands, e.g. `django-admin showmigrations`).
set -eu

if [ "$#" -gt 0 ]; then
    exec "$@"
fi

if [ "${BMP_RUN_MIGRATIONS:-0}" = "1" ]; then
    echo "bmp-scheduler: applying database migrations" >&2
    django-admin migrate --noinput
fi

# BMP_TLS=1 (the bmp-scheduler-gateway-tls container): HTTPS for the LiveOS agents, with the CA
# and certificate made at first start in BMP_TLS_DIR (a volume; the LiveOS build embeds ca.pem).
set --
if [ "${BMP_TLS:-0}" = "1" ]; then
    tls_dir="${BMP_TLS_DIR:-/var/lib/bmp/tls}"
    python -m bmp_scheduler.tls ensure --dir "$tls_dir"
    set -- --certfile "$tls_dir/gateway.pem" --keyfile "$tls_dir/gateway.key"
fi

# No proxy header makes a plain request look like HTTPS (the agent endpoints need HTTPS).
# bmp_common.gunicorn_conf: a LiveOS agent whose server was powered off mid-request frees its
# thread (TCP keepalive), as in the local runtime.
exec gunicorn bmp_scheduler.wsgi:application "$@" \
    -c python:bmp_common.gunicorn_conf \
    --forwarded-allow-ips= \
    --bind "0.0.0.0:${BMP_PORT:-8803}" \
    --workers "${BMP_WORKERS:-4}" \
    --worker-class gthread --threads "${BMP_THREADS:-2}" \
    --no-control-socket \
    --access-logfile -
