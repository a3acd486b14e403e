# bmp-oob-alert: out-of-band monitoring on port 8804: BMC event-log records become hardware
# faults, component health and notices. Its own tables (faults, rules, the agent's cursors) in
# openapi's database, migrated by its entrypoint (BMP_RUN_MIGRATIONS=1). Callers' API keys are
# checked by openapi; its reports go to openapi with the system key (bmp-system-key volume).
# Build context: the repository root.   ./bmp-build-image.sh build oob-alert

# The shared dependency layer (dockerfiles/deps.Dockerfile), built first by bmp-build-image.sh.
ARG DEPS_IMAGE=localhost/bmp/bmp-deps:v1.0
FROM ${DEPS_IMAGE}

# Root for the steps below; the image runs as bmp (USER at the end).
USER 0

LABEL org.opencontainers.image.title="bmp-oob-alert" \
      org.opencontainers.image.description="BMP out-of-band monitoring: BMC event logs become faults"

RUN install -d -o bmp -g bmp -m 0750 /var/lib/bmp

# Only this service's code on the shared layer: a code change rebuilds these layers alone.
COPY shared/bmp_common/ /opt/bmp/bmp_common/
COPY services/oob_alert/bmp_oob_alert/ /opt/bmp/bmp_oob_alert/
RUN python -m compileall -q /opt/bmp
# Run through sh: works whether or not the exec bit survived, and with the legacy builder.
COPY deploy/docker/oob-alert-entrypoint.sh /usr/local/bin/bmp-oob-alert-entrypoint

ENV PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=bmp_oob_alert.settings \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    BMP_DATA_DIR=/var/lib/bmp \
    BMP_PORT=8804

WORKDIR /var/lib/bmp
# Numeric, so that runtimes can verify it is not root without reading /etc/passwd (user bmp).
USER 10001:10001

EXPOSE 8804

# No curl in slim images: probe /health with the standard library.
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('BMP_PORT', '8804'), timeout=4)"]

ENTRYPOINT ["/bin/sh", "/usr/local/bin/bmp-oob-alert-entrypoint"]
