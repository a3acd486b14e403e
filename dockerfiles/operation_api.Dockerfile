# bmp-operation-api: the operator portal's backend (BFF) on port 8799. No database: login sessions
# and column choices in Redis; image uploads streamed into /srv/bmp-image (bmp-image's volume); openapi's operation profile through the contract client with the
# system key that bmp-openapi's bootstrap writes to the shared bmp-system-key volume.
# Build context: the repository root.   ./bmp-build-image.sh build operation-api

# ---- builder: install the service into /opt/venv ------------------------------------------------
FROM python:3.11-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY pyproject.toml README.md ./
COPY shared/ shared/
COPY services/operation_api/ services/operation_api/
# "./" (not ".") so that hadolint sees a local path; versions are pinned in pyproject.toml.
RUN pip install --no-cache-dir './[bff]'

# ---- runtime: the venv and a non-root user ---------------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime

LABEL org.opencontainers.image.title="bmp-operation-api" \
      org.opencontainers.image.description="BMP operator portal backend (BFF)"

# /srv/bmp-image: the image uploads' folder, the bmp-image-data volume that bmp-image serves. It
# exists in the image, owned by bmp (as in bmp-image), so that a fresh named volume mounted on it
# gets that owner whichever of the two starts first.
RUN groupadd --system --gid 10001 bmp \
    && useradd --system --no-log-init --uid 10001 --gid bmp --home-dir /var/lib/bmp \
        --no-create-home --shell /usr/sbin/nologin bmp \
    && install -d -o bmp -g bmp -m 0755 /srv/bmp-image

COPY --from=builder /opt/venv /opt/venv

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
