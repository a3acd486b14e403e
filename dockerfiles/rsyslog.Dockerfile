# bmp-rsyslog: the LiveOS agents' log lines (syslog over UDP, port 1514), filed per node address
# and program in /var/log/bmp/bmp-rsyslog/<address>/<program>-<date>.log (a volume). Debian's
# rsyslogd with deploy/bmp-rsyslog.conf.tpl, the local runtime's configuration. No Python.
# Build context: the repository root.   ./bmp-build-image.sh build rsyslog

ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}

LABEL org.opencontainers.image.title="bmp-rsyslog" \
      org.opencontainers.image.description="BMP syslog receiver for the LiveOS agents (rsyslog, UDP 1514)"

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# The log folder exists in the image, owned by bmp, so that a fresh named volume mounted on it
# gets that owner.
RUN apt-get update \
    && apt-get install -y --no-install-recommends rsyslog=8.2302.0-* \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 bmp \
    && useradd --system --no-log-init --uid 10001 --gid bmp --home-dir /var/lib/bmp \
        --no-create-home --shell /usr/sbin/nologin bmp \
    && install -d -o bmp -g bmp -m 0750 /var/log/bmp/bmp-rsyslog

# The template rendered for the container: every address on 1514 (the runtime publishes it on
# the provisioning side), its work files in /tmp (the only writable place on a read-only root).
COPY deploy/bmp-rsyslog.conf.tpl /etc/bmp-rsyslog.conf.tpl
RUN sed -e 's|@BMP_RSYSLOG_WORK_DIR@|/tmp|g' \
        -e 's|@BMP_RSYSLOG_LOG_DIR@|/var/log/bmp/bmp-rsyslog|g' \
        -e 's|@BMP_RSYSLOG_ADDRESS@|0.0.0.0|g' \
        -e 's|@BMP_RSYSLOG_PORT@|1514|g' \
        /etc/bmp-rsyslog.conf.tpl >/etc/bmp-rsyslog.conf \
    && rm /etc/bmp-rsyslog.conf.tpl \
    && ! grep -q '@BMP_' /etc/bmp-rsyslog.conf \
    && rsyslogd -N1 -f /etc/bmp-rsyslog.conf

WORKDIR /var/log/bmp/bmp-rsyslog
# Numeric, so that runtimes can verify it is not root without reading /etc/passwd (user bmp).
# Port 1514 > 1024: no capability needed.
USER 10001:10001
EXPOSE 1514/udp

# Alive = a UDP socket bound to port 1514 (0x05EA) in the container's network namespace.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["grep", "-q", "^ *[0-9]*: [0-9A-F]*:05EA ", "/proc/net/udp"]

# -n: foreground; -iNONE: no pid file (nothing to write it to).
CMD ["rsyslogd", "-n", "-f", "/etc/bmp-rsyslog.conf", "-iNONE"]
