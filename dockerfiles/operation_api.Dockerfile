# bmp-operation-api: the operator portal's backend (BFF) on port 8799. No database: login sessions
# and column choices in Redis; image uploads streamed into /srv/bmp-image (bmp-image's volume); openapi's operation profile through the contract client with the
# system key that bmp-openapi's bootstrap writes to the shared bmp-system-key volume.
# Build context: the repository root.   ./bmp-build-image.sh build operation-api

# The shared dependency layer (dockerfiles/deps.Dockerfile), built first by bmp-build-image.sh.
ARG DEPS_IMAGE=localhost/bmp/bmp-deps:v1.0
FROM ${DEPS_IMAGE}

# Root for the steps below; the image runs as bmp (USER at the end).
USER 0

LABEL org.opencontainers.image.title="bmp-operation-api" \
      org.opencontainers.image.description="BMP operator portal backend (BFF)"

# /srv/bmp-image: the image uploads' folder, the bmp-image-data volume that bmp-image serves. It
# exists in the image, owned by bmp (as in bmp-image), so that a fresh named volume mounted on it
# gets that owner whichever of the two starts first.
RUN install -d -o bmp -g bmp -m 0755 /srv/bmp-image

# Only this service's code on the shared layer: a code change rebuilds these layers alone.
COPY shared/bmp_common/ /opt/bmp/bmp_common/
COPY services/operation_api/bmp_operation_api/ /opt/bmp/bmp_operation_api/
RUN python -m compileall -q /opt/bmp

ENV PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=bmp_operation_api.settings \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    BMP_PORT=8799 \
    BMP_IMAGE_UPLOAD_DIR=/srv/bmp-image

WORKDIR /tmp
# Numeric, so that runtimes can verify it is not root without reading /etc/passwd (user bmp).
USER 10001:10001

EXPOSE 8799

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('BMP_PORT', '8799'), timeout=4)"]

# Threads, not processes: each open /events stream holds one.
CMD ["gunicorn", "bmp_operation_api.wsgi:application", "-c", "python:bmp_common.gunicorn_conf", "--bind", "0.0.0.0:8799", "--workers", "2", "--worker-class", "gthread", "--threads", "32", "--timeout", "60", "--no-control-socket", "--access-logfile", "-", "--error-logfile", "-"]
