# bmp-monitor-proxy: where the in-guest monitoring agents report (port 8805). Each agent's
# credential is checked with openapi (BMP_MONITOR_TOKEN), its points pushed to the Pushgateway,
# its heartbeats and device tags kept in Redis.
# Build context: the repository root.   ./bmp-build-image.sh build monitor-proxy

# ---- builder: install the service into /opt/venv ------------------------------------------------
FROM python:3.11-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY pyproject.toml README.md ./
COPY shared/ shared/
COPY services/monitor_proxy/ services/monitor_proxy/
# "./" (not ".") so that hadolint sees a local path; versions are pinned in pyproject.toml.
RUN pip install --no-cache-dir './[monitor]'

# ---- runtime: the venv and a non-root user ---------------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime

LABEL org.opencontainers.image.title="bmp-monitor-proxy" \
      org.opencontainers.image.description="BMP in-band monitoring: the agents' proxy to the Pushgateway"

RUN groupadd --system --gid 10001 bmp \
    && useradd --system --no-log-init --uid 10001 --gid bmp --home-dir /var/lib/bmp \
        --no-create-home --shell /usr/sbin/nologin bmp

COPY --from=builder /opt/venv /opt/venv

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
