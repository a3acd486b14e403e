# bmp-pronoea: BMP's monitor rules as Prometheus rule files (checked with promtool first),
# chart queries, and Alertmanager's alerts back to openapi (port 9999). At start it writes the
# Prometheus and Alertmanager configurations into the volume it shares with them.
# Build context: the repository root.   ./bmp-build-image.sh build pronoea

# The shared dependency layer (dockerfiles/deps.Dockerfile), built first by bmp-build-image.sh.
ARG DEPS_IMAGE=localhost/bmp/bmp-deps:v1.0

# ---- builder: promtool, taken from Debian's prometheus package -----------------------------------
FROM ${DEPS_IMAGE} AS builder
# A build stage, never run: root for apt and the files it makes.
# hadolint ignore=DL3002
USER 0
RUN apt-get update \
    && apt-get install -y --no-install-recommends prometheus=2.42.0+ds-5+deb12u1 \
    && rm -rf /var/lib/apt/lists/*

# ---- runtime: the venv, promtool and a non-root user ---------------------------------------------
FROM ${DEPS_IMAGE} AS runtime

USER 0

LABEL org.opencontainers.image.title="bmp-pronoea" \
      org.opencontainers.image.description="BMP in-band monitoring: rules, queries and alerts for Prometheus"

RUN install -d -o bmp -g bmp -m 0755 /etc/bmp-monitor /etc/bmp-monitor/rules

# Only this service's code on the shared layer: a code change rebuilds these layers alone.
COPY shared/bmp_common/ /opt/bmp/bmp_common/
COPY services/pronoea/bmp_pronoea/ /opt/bmp/bmp_pronoea/
RUN python -m compileall -q /opt/bmp
COPY --from=builder /usr/bin/promtool /usr/local/bin/promtool

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    BMP_PORT=9999 \
    BMP_PROMTOOL=/usr/local/bin/promtool

WORKDIR /tmp
# Numeric, so that runtimes can verify it is not root without reading /etc/passwd (user bmp).
USER 10001:10001

EXPOSE 9999

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('BMP_PORT', '9999'), timeout=4)"]

# The configurations first (from the environment), then the service.
CMD ["sh", "-ec", "python -m bmp_pronoea.configs --out \"${BMP_MONITOR_CONF_DIR:-/etc/bmp-monitor}\" && exec gunicorn bmp_pronoea.wsgi:application -c python:bmp_common.gunicorn_conf --bind 0.0.0.0:9999 --workers 2 --worker-class gthread --threads 4 --timeout 60 --no-control-socket --access-logfile - --error-logfile -"]
