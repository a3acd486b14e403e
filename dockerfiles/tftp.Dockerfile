# bmp-tftp: the iPXE boot programs (undionly.kpxe, ipxe.efi, snponly.efi from Debian's ipxe
# package, copied in at build time) over TFTP, read-only, with fbtftp (services/tftp).
# Build context: the repository root.   ./bmp-build-image.sh build tftp

# The shared dependency layer (dockerfiles/deps.Dockerfile), built first by bmp-build-image.sh.
ARG DEPS_IMAGE=localhost/bmp/bmp-deps:v1.0

# ---- builder: the TFTP root, with the boot programs of Debian's ipxe package -------------------
FROM ${DEPS_IMAGE} AS builder
# A build stage, never run: root for apt and the files it makes.
# hadolint ignore=DL3002
USER 0
# ipxe: only its files are kept (the boot programs), copied into the root below.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ipxe=1.0.0+git-20190125.36a4c85-5.1 \
    && rm -rf /var/lib/apt/lists/*
COPY shared/bmp_common/ /opt/bmp/bmp_common/
COPY services/tftp/bmp_tftp/ /opt/bmp/bmp_tftp/
RUN python -m bmp_tftp prepare --root /srv/tftp

# ---- runtime: the service, the boot programs (read-only), user bmp ----------------------------
FROM ${DEPS_IMAGE} AS runtime

USER 0

LABEL org.opencontainers.image.title="bmp-tftp" \
      org.opencontainers.image.description="BMP TFTP server for the iPXE boot programs (read-only)"

# Only this service's code on the shared layer: a code change rebuilds these layers alone.
COPY shared/bmp_common/ /opt/bmp/bmp_common/
COPY services/tftp/bmp_tftp/ /opt/bmp/bmp_tftp/
RUN python -m compileall -q /opt/bmp
# Owned by root, readable by all: the server's user cannot change what it serves.
COPY --from=builder /srv/tftp /srv/tftp

# A non-root user cannot bind udp/69: the container listens on 6969 and the runtime maps 69 to
# it (compose: "${BMP_HOST_IP}:69:6969/udp"). Each transfer answers from a new port (RFC 1350),
# which the host's connection tracking lets back to the client.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    BMP_TFTP_ROOT=/srv/tftp \
    BMP_TFTP_HOST=0.0.0.0 \
    BMP_TFTP_PORT=6969

WORKDIR /srv/tftp
# Numeric, so that runtimes can verify it is not root without reading /etc/passwd (user bmp).
USER 10001:10001
EXPOSE 6969/udp

# Alive = the server answers a read request for undionly.kpxe with its size (then the check
# aborts the transfer, as firmware does after a size probe).
HEALTHCHECK --interval=30s --timeout=10s --start-period=10s --retries=3 \
    CMD ["python", "-m", "bmp_tftp.healthcheck"]

CMD ["python", "-m", "bmp_tftp"]
