# bmp-oob-agent: polls the BMC event logs (SEL) and FRU of one IDC's devices (BMP_IDC_ID) every
# BMP_OOB_POLL_INTERVAL seconds through the driver's BMC backends, and reports to bmp-oob-alert.
# Build context: the repository root.   ./bmp-build-image.sh build oob-agent

# The shared dependency layer (dockerfiles/deps.Dockerfile), built first by bmp-build-image.sh.
ARG DEPS_IMAGE=localhost/bmp/bmp-deps:v1.0
FROM ${DEPS_IMAGE}

# Root for the steps below; the image runs as bmp (USER at the end).
USER 0

LABEL org.opencontainers.image.title="bmp-oob-agent" \
      org.opencontainers.image.description="BMP out-of-band monitoring agent (BMC event logs of one IDC)"

# ipmitool: the driver's second backend, for BMCs its native IPMI client cannot talk to.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ipmitool=1.8.19-* \
    && rm -rf /var/lib/apt/lists/* \
    && install -d -o bmp -g bmp -m 0750 /var/lib/bmp

# Only this service's code on the shared layer: a code change rebuilds these layers alone.
COPY shared/bmp_common/ /opt/bmp/bmp_common/
COPY services/oob_agent/bmp_oob_agent/ /opt/bmp/bmp_oob_agent/
COPY services/driver/bmp_driver/ /opt/bmp/bmp_driver/
RUN python -m compileall -q /opt/bmp

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
