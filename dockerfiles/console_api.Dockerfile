# bmp-console-api: the tenant console's backend (BFF) on port 8800. No database: login sessions
# and column choices in Redis; openapi's console profile through the contract client with the
# system key that bmp-openapi's bootstrap writes to the shared bmp-system-key volume.
# Build context: the repository root.   ./bmp-build-image.sh build console-api

# The shared dependency layer (dockerfiles/deps.Dockerfile), built first by bmp-build-image.sh.
ARG DEPS_IMAGE=localhost/bmp/bmp-deps:v1.0
FROM ${DEPS_IMAGE}

# Root for the steps below; the image runs as bmp (USER at the end).
USER 0

LABEL org.opencontainers.image.title="bmp-console-api" \
      org.opencontainers.image.description="BMP tenant console backend (BFF)"


# Only this service's code on the shared layer: a code change rebuilds these layers alone.
COPY shared/bmp_common/ /opt/bmp/bmp_common/
COPY services/console_api/bmp_console_api/ /opt/bmp/bmp_console_api/
RUN python -m compileall -q /opt/bmp

ENV PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=bmp_console_api.settings \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    BMP_PORT=8800

WORKDIR /tmp
# Numeric, so that runtimes can verify it is not root without reading /etc/passwd (user bmp).
USER 10001:10001

EXPOSE 8800

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('BMP_PORT', '8800'), timeout=4)"]

# Threads, not processes: each open /events stream holds one.
CMD ["gunicorn", "bmp_console_api.wsgi:application", "-c", "python:bmp_common.gunicorn_conf", "--bind", "0.0.0.0:8800", "--workers", "2", "--worker-class", "gthread", "--threads", "32", "--timeout", "60", "--no-control-socket", "--access-logfile", "-", "--error-logfile", "-"]
