# bmp-tftp: the iPXE boot programs (undionly.kpxe, ipxe.efi, snponly.efi from Debian's ipxe
# package, copied in at build time) over TFTP, read-only, with fbtftp (services/tftp).
# Build context: the repository root.   ./bmp-build-image.sh build tftp

# ---- builder: install the service into /opt/venv and prepare the TFTP root ---------------------
FROM python:3.11-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1
# ipxe: only its files are kept (the boot programs), copied into the root below.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ipxe=1.0.0+git-20190125.36a4c85-5.1 \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
# Only what the tftp distribution needs: no other service, no .env, no var/.
COPY pyproject.toml README.md ./
COPY shared/ shared/
COPY services/tftp/ services/tftp/
# "./" (not ".") so that hadolint sees a local path; versions are pinned in pyproject.toml.
RUN pip install --no-cache-dir './[tftp]' \
    && python -m bmp_tftp prepare --root /srv/tftp

# ---- runtime: the venv, the boot programs (read-only), a non-root user --------------------------
FROM python:3.11-slim-bookworm AS runtime

LABEL org.opencontainers.image.title="bmp-tftp" \
      org.opencontainers.image.description="BMP TFTP server for the iPXE boot programs (read-only)"

RUN groupadd --system --gid 10001 bmp \
    && useradd --system --no-log-init --uid 10001 --gid bmp --home-dir /var/lib/bmp \
        --no-create-home --shell /usr/sbin/nologin bmp

COPY --from=builder /opt/venv /opt/venv
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
