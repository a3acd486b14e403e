# bmp-openapi: the core /v1 API on port 8801 and, started with BMP_OPENAPI_PROFILE=console and
# BMP_PORT=8802, the console profile (bmp-openapi-console). Same image for both.
# Build context: the repository root.   ./bmp-build-image.sh build openapi

# ---- builder: compile mysqlclient and install the service into /opt/venv ----------------------
FROM python:3.11-slim-bookworm AS builder

RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        build-essential=12.* \
        default-libmysqlclient-dev=1.1.* \
        pkg-config=1.8.* \
    && rm -rf /var/lib/apt/lists/*

ENV PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
# Only what the openapi distribution needs: no tests of other services, no .env, no var/.
COPY pyproject.toml README.md ./
COPY shared/ shared/
COPY services/openapi/ services/openapi/
# "./" (not ".") so that hadolint sees a local path; versions are pinned in pyproject.toml.
RUN pip install --no-cache-dir './[openapi,mysql]'

# ---- runtime: the venv, the MariaDB client library, a non-root user ----------------------------
FROM python:3.11-slim-bookworm AS runtime

LABEL org.opencontainers.image.title="bmp-openapi" \
      org.opencontainers.image.description="BMP core /v1 API (openapi and console profiles)"

# libmariadb3 is the runtime library of mysqlclient (it speaks MySQL 8 caching_sha2_password).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libmariadb3=1:10.11.* \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 bmp \
    && useradd --system --no-log-init --uid 10001 --gid bmp --home-dir /var/lib/bmp \
        --no-create-home --shell /usr/sbin/nologin bmp \
    && install -d -o bmp -g bmp -m 0750 /var/lib/bmp \
    && install -d -o bmp -g bmp -m 0700 /var/lib/bmp-keys \
    && install -d -o bmp -g bmp -m 0700 /var/lib/bmp-alert-key

COPY --from=builder /opt/venv /opt/venv
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
