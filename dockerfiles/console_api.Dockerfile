# bmp-console-api: the tenant console's backend (BFF) on port 8800. No database: login sessions
# and column choices in Redis; openapi's console profile through the contract client with the
# system key that bmp-openapi's bootstrap writes to the shared bmp-system-key volume.
# Build context: the repository root.   ./bmp-build-image.sh build console-api

# ---- builder: install the service into /opt/venv ------------------------------------------------
FROM python:3.11-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY pyproject.toml README.md ./
COPY shared/ shared/
COPY services/console_api/ services/console_api/
# "./" (not ".") so that hadolint sees a local path; versions are pinned in pyproject.toml.
RUN pip install --no-cache-dir './[bff]'

# ---- runtime: the venv and a non-root user ---------------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime

LABEL org.opencontainers.image.title="bmp-console-api" \
      org.opencontainers.image.description="BMP tenant console backend (BFF)"

RUN groupadd --system --gid 10001 bmp \
    && useradd --system --no-log-init --uid 10001 --gid bmp --home-dir /var/lib/bmp \
        --no-create-home --shell /usr/sbin/nologin bmp

COPY --from=builder /opt/venv /opt/venv

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
