# bmp-dhcp-agent: the DHCP worker of one IDC (Celery, queue dhcp.<BMP_IDC_ID>). It owns the IDC's
# host table (SQLite) in BMP_DHCP_STATE_DIR. The same image is the IDC's DHCP server,
# `python -m bmp_dhcp_agent serve` (compose service bmp-dhcp-server: host network, started as root
# and switched to user bmp by setpriv, from the base image's util-linux, keeping two capabilities).
# Build context: the repository root.   ./bmp-build-image.sh build dhcp-agent

# The shared dependency layer (dockerfiles/deps.Dockerfile), built first by bmp-build-image.sh.
ARG DEPS_IMAGE=localhost/bmp/bmp-deps:v1.0
FROM ${DEPS_IMAGE}

# Root for the steps below; the image runs as bmp (USER at the end).
USER 0

LABEL org.opencontainers.image.title="bmp-dhcp-agent" \
      org.opencontainers.image.description="BMP DHCP agent worker (host table of one IDC)"

# The state directory exists in the image, owned by bmp, so that a fresh named volume mounted on
# /var/lib/bmp is created with it and with that owner.
RUN install -d -o bmp -g bmp -m 0750 /var/lib/bmp /var/lib/bmp/dhcp

# Only this service's code on the shared layer: a code change rebuilds these layers alone.
COPY shared/bmp_common/ /opt/bmp/bmp_common/
COPY services/dhcp_agent/bmp_dhcp_agent/ /opt/bmp/bmp_dhcp_agent/
RUN python -m compileall -q /opt/bmp

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    BMP_DATA_DIR=/var/lib/bmp \
    BMP_DHCP_STATE_DIR=/var/lib/bmp/dhcp

WORKDIR /var/lib/bmp
# Numeric, so that runtimes can verify it is not root without reading /etc/passwd (user bmp).
USER 10001:10001

# Alive = this container's worker answers a Celery ping over the broker. Its node name is
# dhcp.<IDC>@<hostname> (bmp_dhcp_agent.__main__), hence sh -c.
HEALTHCHECK --interval=30s --timeout=20s --start-period=60s --retries=3 \
    CMD ["/bin/sh", "-c", "celery -A bmp_dhcp_agent.worker inspect ping --timeout 10 --destination \"dhcp.${BMP_IDC_ID}@${HOSTNAME}\" >/dev/null"]

# The IDC comes from BMP_IDC_ID (or: docker run IMAGE python -m bmp_dhcp_agent --idc IDC).
CMD ["python", "-m", "bmp_dhcp_agent"]
