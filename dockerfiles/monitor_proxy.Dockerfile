# bmp-monitor-proxy: where the in-guest monitoring agents report (port 8805). Each agent's
# credential is checked with openapi (BMP_MONITOR_TOKEN), its points pushed to the Pushgateway,
# its heartbeats and device tags kept in Redis.
# Build context: the repository root.   ./bmp-build-image.sh build monitor-proxy

# The shared dependency layer (dockerfiles/deps.Dockerfile), built first by bmp-build-image.sh.
ARG DEPS_IMAGE=localhost/bmp/bmp-deps:v1.0
FROM ${DEPS_IMAGE}

# Root for the steps below; the image runs as bmp (USER at the end).
USER 0

LABEL org.opencontainers.image.title="bmp-monitor-proxy" \
      org.opencontainers.image.description="BMP in-band monitoring: the agents' proxy to the Pushgateway"


# Only this service's code on the shared layer: a code change rebuilds these layers alone.
COPY shared/bmp_common/ /opt/bmp/bmp_common/
COPY services/monitor_proxy/bmp_monitor_proxy/ /opt/bmp/bmp_monitor_proxy/
RUN python -m compileall -q /opt/bmp

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    BMP_PORT=8805

WORKDIR /tmp
# Numeric, so that runtimes can verify it is not root without reading /etc/passwd (user bmp).
USER 10001:10001

EXPOSE 8805

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('BMP_PORT', '8805'), timeout=4)"]

CMD ["gunicorn", "bmp_monitor_proxy.wsgi:application", "-c", "python:bmp_common.gunicorn_conf", "--bind", "0.0.0.0:8805", "--workers", "2", "--worker-class", "gthread", "--threads", "8", "--timeout", "60", "--no-control-socket", "--access-logfile", "-", "--error-logfile", "-"]
