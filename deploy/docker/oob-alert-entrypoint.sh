#!/bin/sh
# Entrypoint of the bmp-oob-alert image.
#
# No arguments: when BMP_RUN_MIGRATIONS=1 (the bmp-oob-alert container sets it), apply
# oob-alert's migrations (its own tables and the seeded fault rules, in the same database as
# openapi); then replace this shell with gunicorn on 0.0.0.0:${BMP_PORT:-8804}. Extra gunicorn
# options can be given in GUNICORN_CMD_ARGS, which gunicorn reads itself. Threaded workers
# (gthread, BMP_THREADS each), as in the local runtime.
# With arguments: run them instead (one-off commands, e.g. `django-admin showmigrations`).
set -eu

if [ "$#" -gt 0 ]; then
    exec "$@"
fi

if [ "${BMP_RUN_MIGRATIONS:-0}" = "1" ]; then
    echo "bmp-oob-alert: applying database migrations" >&2
    django-admin migrate --noinput
fi

exec gunicorn bmp_oob_alert.wsgi:application \
    -c python:bmp_common.gunicorn_conf \
    --bind "0.0.0.0:${BMP_PORT:-8804}" \
    --workers "${BMP_WORKERS:-2}" \
    --worker-class gthread --threads "${BMP_THREADS:-2}" \
    --timeout 60 \
    --no-control-socket \
    --access-logfile -
