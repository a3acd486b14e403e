# bmp-scheduler: the workflow engine (Celery worker on queues "scheduler.results" and
# "scheduler", with beat for the sweep) and, started without a command, the agent gateway
# (gunicorn on BMP_PORT, 8803): the bmp-scheduler-gateway container. Same image for both.
# Build context: the repository root.   ./bmp-build-image.sh build scheduler

# The shared dependency layer (dockerfiles/deps.Dockerfile), built first by bmp-build-image.sh.
ARG DEPS_IMAGE=localhost/bmp/bmp-deps:v1.0
FROM ${DEPS_IMAGE}

# Root for the steps below; the image runs as bmp (USER at the end).
USER 0

LABEL org.opencontainers.image.title="bmp-scheduler" \
      org.opencontainers.image.description="BMP workflow engine (Celery worker + beat) and agent gateway"

RUN install -d -o bmp -g bmp -m 0750 /var/lib/bmp

# Only this service's code on the shared layer: a code change rebuilds these layers alone.
COPY shared/bmp_common/ /opt/bmp/bmp_common/
COPY services/scheduler/bmp_scheduler/ /opt/bmp/bmp_scheduler/
RUN python -m compileall -q /opt/bmp
# Run through sh: works whether or not the exec bit survived, and with the legacy builder.
COPY deploy/docker/scheduler-entrypoint.sh /usr/local/bin/bmp-scheduler-entrypoint

ENV PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=bmp_scheduler.settings \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    BMP_DATA_DIR=/var/lib/bmp \
    BMP_PORT=8803

WORKDIR /var/lib/bmp
# Numeric, so that runtimes can verify it is not root without reading /etc/passwd (user bmp).
USER 10001:10001

EXPOSE 8803

# The default command is the gateway: probe its /health with the standard library (no curl).
# The worker container (bmp-scheduler) replaces this check with a Celery ping (compose file).
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('BMP_PORT', '8803'), timeout=4)"]

ENTRYPOINT ["/bin/sh", "/usr/local/bin/bmp-scheduler-entrypoint"]
