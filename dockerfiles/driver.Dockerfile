# bmp-driver: the out-of-band worker of one IDC (Celery, queue driver.<BMP_IDC_ID>): power and
# boot-device control and credential checks through the servers' BMCs (IPMI 2.0 lanplus).
# Build context: the repository root.   ./bmp-build-image.sh build driver

# The shared dependency layer (dockerfiles/deps.Dockerfile), built first by bmp-build-image.sh.
ARG DEPS_IMAGE=localhost/bmp/bmp-deps:v1.0
FROM ${DEPS_IMAGE}

# Root for the steps below; the image runs as bmp (USER at the end).
USER 0

LABEL org.opencontainers.image.title="bmp-driver" \
      org.opencontainers.image.description="BMP out-of-band driver worker (IPMI power and boot control)"

# ipmitool: the driver's second backend, for BMCs its native IPMI client cannot talk to.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ipmitool=1.8.19-* \
    && rm -rf /var/lib/apt/lists/* \
    && install -d -o bmp -g bmp -m 0750 /var/lib/bmp

# Only this service's code on the shared layer: a code change rebuilds these layers alone.
COPY shared/bmp_common/ /opt/bmp/bmp_common/
COPY services/driver/bmp_driver/ /opt/bmp/bmp_driver/
RUN python -m compileall -q /opt/bmp

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
