# bmp-driver: the out-of-band worker of one IDC (Celery, queue driver.<BMP_IDC_ID>): power and
# boot-device control and credential checks through the servers' BMCs (IPMI 2.0 lanplus).
# Build context: the repository root.   ./bmp-build-image.sh build driver

# ---- builder: install the service into /opt/venv ------------------------------------------------
# (no compiler: the driver's dependencies are pure Python or ship wheels)
FROM python:3.11-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
# Only what the driver distribution needs: no other service, no .env, no var/.
COPY pyproject.toml README.md ./
COPY shared/ shared/
COPY services/driver/ services/driver/
# "./" (not ".") so that hadolint sees a local path; versions are pinned in pyproject.toml.
RUN pip install --no-cache-dir './[driver]'

# ---- runtime: the venv, ipmitool, a non-root user --------------------------------------------
FROM python:3.11-slim-bookworm AS runtime

LABEL org.opencontainers.image.title="bmp-driver" \
      org.opencontainers.image.description="BMP out-of-band driver worker (IPMI power and boot control)"

# ipmitool: the driver's second backend, for BMCs its native IPMI client cannot talk to.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ipmitool=1.8.19-* \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 bmp \
    && useradd --system --no-log-init --uid 10001 --gid bmp --home-dir /var/lib/bmp \
        --no-create-home --shell /usr/sbin/nologin bmp \
    && install -d -o bmp -g bmp -m 0750 /var/lib/bmp

COPY --from=builder /opt/venv /opt/venv

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    BMP_DATA_DIR=/var/lib/bmp

WORKDIR /var/lib/bmp
# Numeric, so that runtimes can verify it is not root without reading /etc/passwd (user bmp).
USER 10001:10001

# No port: the driver only consumes its queue and talks to BMCs (UDP 623, outgoing).
# Alive = this container's worker answers a Celery ping over the broker. Its node name is
# driver.<IDC>@<hostname> (bmp_driver.__main__), hence sh -c.
HEALTHCHECK --interval=30s --timeout=20s --start-period=60s --retries=3 \
    CMD ["/bin/sh", "-c", "celery -A bmp_driver.worker inspect ping --timeout 10 --destination \"driver.${BMP_IDC_ID}@${HOSTNAME}\" >/dev/null"]

# The IDC comes from BMP_IDC_ID (or: docker run IMAGE python -m bmp_driver --idc IDC).
CMD ["python", "-m", "bmp_driver"]
