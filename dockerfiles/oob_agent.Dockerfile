# bmp-oob-agent: polls the BMC event logs (SEL) and FRU of one IDC's devices (BMP_IDC_ID) every
# BMP_OOB_POLL_INTERVAL seconds through the driver's BMC backends, and reports to bmp-oob-alert.
# Build context: the repository root.   ./bmp-build-image.sh build oob-agent

# ---- builder: install the service into /opt/venv ------------------------------------------------
# (no compiler: its dependencies are pure Python or ship wheels)
FROM python:3.11-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
# The agent and the driver, whose BMC backends it reads the BMCs with; no other service.
COPY pyproject.toml README.md ./
COPY shared/ shared/
COPY services/oob_agent/ services/oob_agent/
COPY services/driver/ services/driver/
# "./" (not ".") so that hadolint sees a local path; versions are pinned in pyproject.toml.
RUN pip install --no-cache-dir './[oob-agent]'

# ---- runtime: the venv, ipmitool, a non-root user --------------------------------------------
FROM python:3.11-slim-bookworm AS runtime

LABEL org.opencontainers.image.title="bmp-oob-agent" \
      org.opencontainers.image.description="BMP out-of-band monitoring agent (BMC event logs of one IDC)"

# ipmitool: the driver's second backend, for BMCs its native IPMI client cannot talk to.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ipmitool=1.8.19-* \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 bmp \
    && useradd --system --no-log-init --uid 10001 --gid bmp --home-dir /var/lib/bmp \
        --no-create-home --shell /usr/sbin/nologin bmp \
    && install -d -o bmp -g bmp -m 0750 /var/lib/bmp

COPY --from=builder /opt/venv /opt/venv

# The heartbeat lives in /tmp: a tmpfs under a read-only root.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    BMP_DATA_DIR=/var/lib/bmp \
    BMP_OOB_HEARTBEAT_FILE=/tmp/bmp-oob-agent.heartbeat

WORKDIR /var/lib/bmp
# Numeric, so that runtimes can verify it is not root without reading /etc/passwd (user bmp).
USER 10001:10001

# No port, no queue: alive = its loop touched the heartbeat file lately (bmp_oob_agent.heartbeat:
# while waiting every 30 s, and at the end of each poll round).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bmp_oob_agent.heartbeat"]

# The IDCs come from BMP_IDC_IDS (or: docker run IMAGE python -m bmp_oob_agent --idc IDC).
CMD ["python", "-m", "bmp_oob_agent"]
