# bmp-dhcp-agent: the DHCP worker of one IDC (Celery, queue dhcp.<BMP_IDC_ID>). It owns the IDC's
# host table (SQLite) in BMP_DHCP_STATE_DIR. The same image is the IDC's DHCP server,
# `python -m bmp_dhcp_agent serve` (compose service bmp-dhcp-server: host network, started as root
# and switched to user bmp by setpriv, from the base image's util-linux, keeping two capabilities).
# Build context: the repository root.   ./bmp-build-image.sh build dhcp-agent

# ---- builder: install the service into /opt/venv ------------------------------------------------
# (no compiler: the agent's dependencies are pure Python or ship wheels)
FROM python:3.11-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
# Only what the dhcp distribution needs: no other service, no .env, no var/.
COPY pyproject.toml README.md ./
COPY shared/ shared/
COPY services/dhcp_agent/ services/dhcp_agent/
# "./" (not ".") so that hadolint sees a local path; versions are pinned in pyproject.toml.
RUN pip install --no-cache-dir './[dhcp]'

# ---- runtime: the venv, a non-root user, the state directory ------------------------------------
FROM python:3.11-slim-bookworm AS runtime

LABEL org.opencontainers.image.title="bmp-dhcp-agent" \
      org.opencontainers.image.description="BMP DHCP agent worker (host table of one IDC)"

# The state directory exists in the image, owned by bmp, so that a fresh named volume mounted on
# /var/lib/bmp is created with it and with that owner.
RUN groupadd --system --gid 10001 bmp \
    && useradd --system --no-log-init --uid 10001 --gid bmp --home-dir /var/lib/bmp \
        --no-create-home --shell /usr/sbin/nologin bmp \
    && install -d -o bmp -g bmp -m 0750 /var/lib/bmp /var/lib/bmp/dhcp

COPY --from=builder /opt/venv /opt/venv

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
