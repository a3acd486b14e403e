# bmp-deps: the shared dependency layer of every Python image (never run by itself). User bmp
# (uid/gid 10001) and /opt/venv with the pinned third-party packages of pyproject.toml (base and
# the images' extras); the components add only their own code on top, so a code change rebuilds
# in seconds. Build context: a folder of wheels made on the host with `pip wheel`, its
# requirements.txt and the pip wheel that installs them (bmp-build-image.sh makes and caches it),
# so no step needs the network.
# BASE_IMAGE: the official python:3.11-slim-bookworm (docker) or the local Debian bookworm root
# with Debian's Python 3.11 (buildah). Their Python is /usr/local/bin/python3 and /usr/bin/python3:
# the venv is made with whichever "python3" the base has, and PATH puts the venv first.
ARG BASE_IMAGE=python:3.11-slim-bookworm

# ---- builder: install the wheels into /opt/venv (pip runs from its wheel, none is left behind) --
FROM ${BASE_IMAGE} AS builder
COPY . /wheels/
RUN python3 -m venv --without-pip /opt/venv \
    && set -- /wheels/pip-*.whl \
    && /opt/venv/bin/python "$1/pip" install --no-cache-dir --no-compile --disable-pip-version-check \
        --no-index --find-links /wheels -r /wheels/requirements.txt \
    && /opt/venv/bin/python -m compileall -q -j 0 /opt/venv/lib \
    && find /opt/venv -name 'pip' -maxdepth 4 -type d -path '*site-packages*' -exec rm -rf {} + \
    && echo /opt/bmp >"$(/opt/venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/bmp.pth"

# ---- runtime: the base, mysqlclient's runtime library, user bmp, the venv ------------------------
FROM ${BASE_IMAGE} AS runtime

LABEL org.opencontainers.image.title="bmp-deps" \
      org.opencontainers.image.description="BMP: the Python dependency layer of the service images"

# libmariadb3 (mysqlclient's library) and tzdata are in the local base; the official image gets
# them from apt.
RUN if ! dpkg-query -W libmariadb3 tzdata >/dev/null 2>&1; then \
        apt-get update \
        && apt-get install -y --no-install-recommends libmariadb3=1:10.11.* tzdata=2025* \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
    && groupadd --system --gid 10001 bmp \
    && useradd --system --no-log-init --uid 10001 --gid bmp --home-dir /var/lib/bmp \
        --no-create-home --shell /usr/sbin/nologin bmp \
    && install -d -m 0755 /opt/bmp

COPY --from=builder /opt/venv /opt/venv

# The services' packages go in /opt/bmp (on sys.path through bmp.pth in the venv).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

USER 10001:10001
HEALTHCHECK NONE
CMD ["python", "-c", "import django; print(django.get_version())"]
