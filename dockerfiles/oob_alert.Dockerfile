# bmp-oob-alert: out-of-band monitoring on port 8804: BMC event-log records become hardware
# faults, component health and notices. Its own tables (faults, rules, the agent's cursors) in
# openapi's database, migrated by its entrypoint (BMP_RUN_MIGRATIONS=1). Callers' API keys are
# checked by openapi; its reports go to openapi with the system key (bmp-system-key volume).
# Build context: the repository root.   ./bmp-build-image.sh build oob-alert

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
# Only what the oob-alert distribution needs: no other service, no .env, no var/.
COPY pyproject.toml README.md ./
COPY shared/ shared/
COPY services/oob_alert/ services/oob_alert/
# "./" (not ".") so that hadolint sees a local path; versions are pinned in pyproject.toml.
RUN pip install --no-cache-dir './[oob-alert,mysql]'

# ---- runtime: the venv, the MariaDB client library, a non-root user ----------------------------
FROM python:3.11-slim-bookworm AS runtime

LABEL org.opencontainers.image.title="bmp-oob-alert" \
      org.opencontainers.image.description="BMP out-of-band monitoring: BMC event logs become faults"

# libmariadb3 is the runtime library of mysqlclient (it speaks MySQL 8 caching_sha2_password).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libmariadb3=1:10.11.* \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 bmp \
    && useradd --system --no-log-init --uid 10001 --gid bmp --home-dir /var/lib/bmp \
        --no-create-home --shell /usr/sbin/nologin bmp \
    && install -d -o bmp -g bmp -m 0750 /var/lib/bmp

COPY --from=builder /opt/venv /opt/venv
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
