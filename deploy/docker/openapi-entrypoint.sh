#!/bin/sh
# Entrypoint of the bmp-openapi image (both profiles: openapi and console).
#
# No arguments: when BMP_RUN_MIGRATIONS=1 (only the bmp-openapi container sets it), apply the
# database migrations and run the idempotent bootstrap; then replace this shell with gunicorn on
# 0.0.0.0:${BMP_PORT:-8801} (the console profile sets BMP_PORT=8802). Extra gunicorn options can be
# given in GUNICORN_CMD_ARGS, which gunicorn reads itself. Threaded workers (gthread, BMP_THREADS
# each), as in the local runtime: a request waiting on the database does not hold a whole worker.
# With arguments: run them instead (one-off commands, e.g. `django-admin showmigrations`).
set -eu

if [ "$#" -gt 0 ]; then
    exec "$@"
fi

if [ "${BMP_RUN_MIGRATIONS:-0}" = "1" ]; then
    echo "bmp-openapi: applying database migrations" >&2
    django-admin migrate --noinput
    echo "bmp-openapi: bootstrap" >&2
    django-admin bmp_bootstrap
fi

exec gunicorn bmp_openapi.wsgi:application \
    -c python:bmp_common.gunicorn_conf \
    --bind "0.0.0.0:${BMP_PORT:-8801}" \
    --workers "${BMP_WORKERS:-4}" \
    --worker-class gthread --threads "${BMP_THREADS:-2}" \
    --no-control-socket \
    --access-logfile -
