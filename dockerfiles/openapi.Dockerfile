# bmp-openapi: the core /v1 API on port 8801 and, started with BMP_OPENAPI_PROFILE=console and
# BMP_PORT=8802, the console profile (bmp-openapi-console). Same image for both.
# Build context: the repository root.   ./bmp-build-image.sh build openapi

# The shared dependency layer (dockerfiles/deps.Dockerfile), built first by bmp-build-image.sh.
ARG DEPS_IMAGE=localhost/bmp/bmp-deps:v1.0
FROM ${DEPS_IMAGE}

# Root for the steps below; the image runs as bmp (USER at the end).
USER 0

LABEL org.opencontainers.image.title="bmp-openapi" \
      org.opencontainers.image.description="BMP core /v1 API (openapi and console profiles)"

RUN install -d -o bmp -g bmp -m 0750 /var/lib/bmp \
    && install -d -o bmp -g bmp -m 0700 /var/lib/bmp-keys \
    && install -d -o bmp -g bmp -m 0700 /var/lib/bmp-alert-key

# Only this service's code on the shared layer: a code change rebuilds these layers alone.
COPY shared/bmp_common/ /opt/bmp/bmp_common/
COPY services/openapi/bmp_openapi/ /opt/bmp/bmp_openapi/
RUN python -m compileall -q /opt/bmp
# Run through sh: works whether or not the exec bit survived, and with the legacy builder.
COPY deploy/docker/openapi-entrypoint.sh /usr/local/bin/bmp-openapi-entrypoint

ENV PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=bmp_openapi.settings \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    BMP_DATA_DIR=/var/lib/bmp

WORKDIR /var/lib/bmp
# Numeric, so that runtimes can verify it is not root without reading /etc/passwd (user bmp).
USER 10001:10001

EXPOSE 8801 8802

# No curl in slim images: probe /health with the standard library, on this container's BMP_PORT.
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('BMP_PORT', '8801'), timeout=4)"]

ENTRYPOINT ["/bin/sh", "/usr/local/bin/bmp-openapi-entrypoint"]
