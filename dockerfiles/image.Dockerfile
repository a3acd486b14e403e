# bmp-image: nginx serving the image root (LiveOS kernel/initrd, GuestOS images) read-only over
# HTTP on port 10000 (deploy/docker/nginx-image.conf). The image also carries services/image
# (`python -m bmp_image`, the local runtime's server, same rules) and Python for the healthcheck.
# Build context: the repository root.   ./bmp-build-image.sh build image

# The shared dependency layer (dockerfiles/deps.Dockerfile), built first by bmp-build-image.sh.
ARG DEPS_IMAGE=localhost/bmp/bmp-deps:v1.0

# ---- the in-band monitoring agent's bundle (installBmpAgent) --------------------------------------
# Served at /monitor-agent/ from the image itself: the image root is a volume, which would keep
# an old bundle across upgrades. Built from the sources (standard library only), not installed.
FROM ${DEPS_IMAGE} AS monitor-agent-bundle
# A build stage, never run: root for apt and the files it makes.
# hadolint ignore=DL3002
USER 0
WORKDIR /src
COPY services/monitor_agent/ services/monitor_agent/
RUN PYTHONPATH=services/monitor_agent python -m bmp_monitor_agent.bundle --out /opt/monitor-agent

# ---- runtime: Debian's nginx, the venv, a non-root user -----------------------------------------
FROM ${DEPS_IMAGE} AS runtime

USER 0

LABEL org.opencontainers.image.title="bmp-image" \
      org.opencontainers.image.description="BMP image service: LiveOS and GuestOS files over HTTP (nginx)"

# The root is a volume shared with operation-api (uploads land there); it exists in the image,
# owned by bmp, so that a fresh named volume mounted on it gets that owner.
RUN apt-get update \
    && apt-get install -y --no-install-recommends nginx-light=1.22.1-* \
    && rm -rf /var/lib/apt/lists/* \
    && install -d -o bmp -g bmp -m 0755 /srv/bmp-image

# Only this service's code on the shared layer: a code change rebuilds these layers alone.
COPY shared/bmp_common/ /opt/bmp/bmp_common/
COPY services/image/bmp_image/ /opt/bmp/bmp_image/
RUN python -m compileall -q /opt/bmp
COPY --from=monitor-agent-bundle /opt/monitor-agent /usr/share/bmp-image/monitor-agent
COPY deploy/docker/nginx-image.conf /etc/nginx/nginx.conf

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    BMP_IMAGE_ROOT=/srv/bmp-image \
    BMP_IMAGE_BIND=0.0.0.0:10000

WORKDIR /srv/bmp-image
# Numeric, so that runtimes can verify it is not root without reading /etc/passwd (user bmp).
USER 10001:10001
EXPOSE 10000

# /health is answered by nginx itself (deploy/docker/nginx-image.conf), with the standard library.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:10000/health', timeout=4)"]

# nginx runs under bmp_image.nginx_log, which reads its access lines (its standard output, a
# pipe), copies them to the container's log and tells the flight recorder of each file fetched.
# -e stderr: Debian's nginx opens its compiled-in error log before reading the config, which a
# non-root user on a read-only root fs cannot.
CMD ["python", "-m", "bmp_image.nginx_log", "--", "nginx", "-e", "stderr", "-g", "daemon off;"]
