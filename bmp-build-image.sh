#!/usr/bin/env bash
# Build the docker images of the BMP app services. Image names and the service list come from
# image.cfg; each service is built from dockerfiles/<name>.Dockerfile with the repository root as
# the build context. See dockerfiles/README.md.
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
cd -- "$ROOT"

err() { printf 'bmp-build-image.sh: %s\n' "$*" >&2; }

usage() {
    cat <<EOF
Usage: ./bmp-build-image.sh build SERVICE...
       ./bmp-build-image.sh images
       ./bmp-build-image.sh save SERVICE... -o FILE
       ./bmp-build-image.sh -h|--help

Build the docker image of each SERVICE from dockerfiles/<name>.Dockerfile (build context: the
repository root). SERVICE is "all" or one of (the "bmp-" prefix is optional):
  ${bmp_app_services[*]}
Boot images (no docker; root and Debian tools): "bmp-liveos" (the agent LiveOS) and
"bmp-guestos" (the test GuestOS, .tar.xz and whole-disk .qcow2) go into \${BMP_IMAGE_ROOT:-\$BMP_DATA_DIR/images}.
Services that share an image are built once: bmp-openapi-console and bmp-openapi-worker use
the bmp-openapi image, bmp-scheduler-gateway the bmp-scheduler one. bmp-rsyslog (rsyslogd, no
Python) is built on \${BASE_REGISTRY:-docker.io}/debian:bookworm-slim (--build-arg BASE_IMAGE).

Image names come from image.cfg: \${BMP_REGISTRY:-localhost/bmp}/<service>:\${TAG:-\${BMP_VERSION:-v1.0}}.
BMP_REGISTRY, BMP_VERSION, BASE_REGISTRY and TAG are taken from the environment, then from .env.
Engine: docker when an engine answers, else buildah (daemonless, --isolation chroot);
BMP_BUILD_ENGINE=docker|buildah forces one. The Python images build FROM one shared dependency
image ($bmp_deps_base_image) whose packages are wheels built by this host's Python 3.11 (pip wheel,
cached in \${BMP_BUILD_CACHE:-/var/cache/bmp-build}); with buildah its base is Debian's Python on
a Debian bookworm root made by mmdebstrap ($bmp_local_base_image), with docker
$bmp_python_base_image.
With buildah no build step reaches the network: the .debs the bases and the Dockerfiles install
are fetched by this host's apt first (mounted at /run/bmp-debs, the local roots' only source), and
the web consoles are built on this host with npm (deploy/local/console-web-build.sh; their dist/
is reused when up to date) and served by a local Debian nginx base ($bmp_local_web_base_image)
instead of the node and nginx images.
Images are built \${BMP_BUILD_JOBS:-<cores>} at a time; one whose inputs (Dockerfile, the files
it copies, the images it builds on) are unchanged is not built again. Every cache entry is named
by the hash of its inputs; deleting the cache folder is always safe (the next build is cold).
"images" lists the built images with their sizes; "save" writes them to a docker-archive FILE
(docker load / podman load on a host without a registry).
EOF
}

# Read BMP_* / BASE_* settings from .env without executing it. As with docker compose, a variable
# already set in the environment wins. Values are never printed.
load_dotenv() {
    local file=$1 line name value
    [[ -f $file ]] || return 0
    while IFS= read -r line || [[ -n $line ]]; do
        line=${line%$'\r'}
        [[ $line =~ ^[[:space:]]*(export[[:space:]]+)?((BMP|BASE)_[A-Za-z0-9_]+)=(.*)$ ]] || continue
        name=${BASH_REMATCH[2]}
        value=${BASH_REMATCH[4]}
        if [[ $value =~ ^\"([^\"]*)\"([[:space:]]+#.*)?[[:space:]]*$ ]] \
            || [[ $value =~ ^\'([^\']*)\'([[:space:]]+#.*)?[[:space:]]*$ ]]; then
            value=${BASH_REMATCH[1]}
        else
            value=${value%%[[:space:]]#*}
            value=${value%"${value##*[![:space:]]}"}
        fi
        [[ -n ${!name+x} ]] && continue
        printf -v "$name" '%s' "$value"
    done <"$file"
}

load_dotenv .env
if [[ ! -f image.cfg ]]; then
    err "image.cfg not found in $ROOT"
    exit 1
fi
# shellcheck source=image.cfg
source ./image.cfg

# bmp-openapi or openapi -> bmp-openapi; nothing (status 1) for an unknown name.
canonical_service() {
    local svc
    for svc in "${bmp_app_services[@]}"; do
        if [[ $1 == "$svc" || "bmp-$1" == "$svc" ]]; then
            printf '%s\n' "$svc"
            return 0
        fi
    done
    return 1
}

# ---- engines ---------------------------------------------------------------------------------
# Where the host-made parts are kept between builds (outside the checkout): the Debian root of
# the local base and the wheels, each in a folder named by a hash of what it is made from.
BUILD_CACHE=${BMP_BUILD_CACHE:-/var/cache/bmp-build}
ENGINE=""

pick_engine() {
    local want=${BMP_BUILD_ENGINE:-auto}
    case $want in
        auto | docker | buildah) ;;
        *)
            err "BMP_BUILD_ENGINE must be auto, docker or buildah, not $want"
            return 1
            ;;
    esac
    if [[ $want != buildah ]] && command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
        ENGINE=docker
    elif [[ $want != docker ]] && command -v buildah >/dev/null 2>&1; then
        ENGINE=buildah
    elif [[ $want == docker ]] || command -v docker >/dev/null 2>&1; then
        err "no Docker engine is reachable ('docker info' failed) and buildah is not installed: start the Docker daemon, set DOCKER_HOST, or install buildah (apt-get install buildah)"
        return 1
    else
        err "docker is not installed (no 'docker' command on PATH) and neither is buildah: install Docker, or buildah to build without a daemon"
        return 1
    fi
}

DEBS_DIR=""
# One image build with the chosen engine. buildah: chroot isolation (no daemon, no user
# namespace), docker format so that HEALTHCHECK is kept (OCI has no healthcheck), layer cache on.
run_build() {
    if [[ $ENGINE == docker ]]; then
        printf '+ docker build %s\n' "$*"
        docker build "$@"
    else
        printf '+ buildah build %s\n' "$*"
        # The fetched .debs, where the local bases' apt looks for packages (ensure_debs).
        buildah build --isolation chroot --format docker --layers \
            ${DEBS_DIR:+--volume "$DEBS_DIR:/run/bmp-debs:ro"} "$@"
    fi
}

# The id of an image, and one of its labels (empty when it is absent).
image_id() {
    if [[ $ENGINE == docker ]]; then
        docker image inspect --format '{{.Id}}' "$1" 2>/dev/null | cut -c1-19 || true
    else
        buildah inspect --type image --format '{{.FromImageID}}' "$1" 2>/dev/null | cut -c1-12 || true
    fi
}
image_label() {
    if [[ $ENGINE == docker ]]; then
        docker image inspect --format "{{index .Config.Labels \"$2\"}}" "$1" 2>/dev/null || true
    else
        buildah inspect --type image --format "{{index .Docker.Config.Labels \"$2\"}}" "$1" 2>/dev/null || true
    fi
}

# The base image of the Python images: the official one with docker, else the local Debian root.
python_base_image() {
    if [[ $ENGINE == docker ]]; then
        printf '%s\n' "${BMP_PYTHON_BASE_IMAGE:-$bmp_python_base_image}"
    elif [[ -n ${BMP_PYTHON_BASE_IMAGE:-} ]]; then
        printf '%s\n' "$BMP_PYTHON_BASE_IMAGE"
    else
        printf '%s\n' "$bmp_local_base_image"
    fi
}

# ---- the build cache: every entry named by a hash of what it is made from ---------------------
# $BUILD_CACHE/<kind>-<key>[.tar]: a new key makes a new entry (a stale one is never read) and the
# older entries of that kind are removed once the new one is complete.
cache_prune() {
    local kind=$1 keep=$2 entry
    for entry in "$BUILD_CACHE/$kind"-*; do
        [[ -e $entry && $entry != "$keep" && $entry != *.part ]] && rm -rf -- "$entry"
    done
    return 0
}

# An image made by the script (the bases, bmp-deps), kept as a docker-archive in the cache so that
# a fresh image store with a kept cache loads it in seconds. Status 0 if IMAGE now has KEY.
image_from_cache() {
    local image=$1 label=$2 key=$3 archive=$4
    [[ $(image_label "$image" "$label") == "$key" ]] && return 0
    [[ $ENGINE == buildah && -s $archive ]] || return 1
    echo "bmp-build-image.sh: loading $image from $archive" >&2
    buildah tag "$(buildah pull --quiet "docker-archive:$archive")" "$image" >/dev/null
}
# The archive is written in the background while the build goes on (cache_wait at the end).
image_to_cache() {
    local image=$1 archive=$2 kind=$3
    [[ $ENGINE == buildah ]] || return 0
    mkdir -p "$BUILD_CACHE"
    {
        if buildah push --quiet "$image" "docker-archive:$archive.part:$image" \
            && [[ -s $archive.part ]]; then
            mv "$archive.part" "$archive"
            cache_prune "$kind" "$archive"
        fi
        rm -f "$archive.part"
    } >&2 &
    printf '%s\n' "$!" >>"$CACHE_JOBS"
}
# (Polled: a base's archive is written by a child of the subshell that made the base.)
cache_wait() {
    local pid
    [[ -s ${CACHE_JOBS:-} ]] || return 0
    while IFS= read -r pid; do
        while kill -0 "$pid" 2>/dev/null; do
            sleep 0.5
        done
    done <"$CACHE_JOBS"
}

# ---- the local bases (buildah without a registry) ---------------------------------------------
# One Debian bookworm minbase root, made by mmdebstrap and imported from scratch
# ($bmp_local_debian_base_image); the Python and nginx bases add their packages to it with apt from the
# local .deb repository (ensure_debs), with no network. The root's apt knows no mirror: its one
# source is the folder of .debs that run_build mounts at /run/bmp-debs.
# The Python images' base: Debian's Python 3.11 and what they load from Debian (mysqlclient's
# libmariadb3, tzdata).
BASE_PACKAGES="python3 libmariadb3 tzdata"
# The web consoles' base, for the official nginx image: Debian's nginx, envsubst for the server
# block's template, busybox's wget for the healthcheck, and deploy/docker/nginx-entrypoint.sh,
# which fills /etc/nginx/templates as the official image's entrypoint does.
WEB_BASE_PACKAGES="nginx-light gettext-base busybox"
WEB_BASE_ENTRYPOINT=deploy/docker/nginx-entrypoint.sh
DEBIAN_SUITE=bookworm
# No docs, man pages or translations, no apt lists; and apt keeps no downloaded package and no
# package cache (as the official images' docker-clean): an image's apt-get install leaves only the
# installed files. Its only source: the mounted .debs. dpkg does not fsync each file it unpacks
# (as in the official Debian images: a root that becomes a layer has nothing to lose to a
# crash), which on a busy disk is most of an install's time.
# shellcheck disable=SC2016  # "$1" in the hooks is the new root, expanded by mmdebstrap
MMDEBSTRAP_OPTIONS=(
    --variant=minbase --dpkgopt=force-unsafe-io
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*'
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*'
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin'
    --customize-hook='printf "%s\n" "Dir::Cache::pkgcache \"\";" "Dir::Cache::srcpkgcache \"\";" "APT::Keep-Downloaded-Packages \"false\";" >"$1/etc/apt/apt.conf.d/90bmp-clean"'
    --customize-hook='rm -f "$1"/etc/apt/sources.list.d/*; echo "deb [trusted=yes] file:/run/bmp-debs ./" >"$1/etc/apt/sources.list"'
)

# The minbase root: $BUILD_CACHE/minbase-<hash of the suite, architecture and options>.tar.
ensure_minbase() {
    local key tar ctr
    key=$(printf '%s\n' "$DEBIAN_SUITE" "$(uname -m)" "${MMDEBSTRAP_OPTIONS[@]}" | sha256sum | cut -c1-16)
    if [[ $(image_label "$bmp_local_debian_base_image" bmp.base.key) != "$key" ]]; then
        tar=$BUILD_CACHE/minbase-$key.tar
        if [[ ! -s $tar ]]; then
            command -v mmdebstrap >/dev/null 2>&1 || {
                err "mmdebstrap is not installed (apt-get install mmdebstrap): it makes the local base images"
                return 1
            }
            mkdir -p "$BUILD_CACHE" || return 1
            echo "bmp-build-image.sh: making $bmp_local_debian_base_image (mmdebstrap $DEBIAN_SUITE minbase)" >&2
            mmdebstrap --quiet "${MMDEBSTRAP_OPTIONS[@]}" --format=tar "$DEBIAN_SUITE" "$tar.part" >&2 \
                || return 1
            mv "$tar.part" "$tar" || return 1
            cache_prune minbase "$tar"
        fi
        # (called as $(...) || ...: set -e does not apply here, hence each || return 1)
        ctr=$(buildah from scratch) || return 1
        buildah add --quiet "$ctr" "$tar" / >/dev/null || return 1
        buildah config --label "bmp.base.key=$key" --env LANG=C.UTF-8 "$ctr" || return 1
        buildah commit --quiet --rm --format docker "$ctr" "$bmp_local_debian_base_image" >/dev/null || return 1
    fi
    printf '%s\n' "$bmp_local_debian_base_image"
}

# The Debian packages of the bases and of every Dockerfile's apt-get install, and what they need
# beyond the minbase root (this host's apt resolves them against its dpkg status), fetched on this
# host into $BUILD_CACHE/debs-<hash of the specs and the root>: a flat repository
# (dpkg-scanpackages) that run_build mounts read-only at /run/bmp-debs, the local bases' only apt
# source. One repository for all: `build openapi` and `build all` share it. Prints the folder.
ensure_debs() {
    local minbase=$1 specs key dir ctr mnt file
    # "apt-get install -y --no-install-recommends PKG=VERSION..." up to "&&" or "\" (deps.Dockerfile's
    # apt-get runs only on the official image, which lacks what the local base has).
    specs=$({
        # shellcheck disable=SC2086  # one package a word
        printf '%s\n' $BASE_PACKAGES $WEB_BASE_PACKAGES
        for file in "$ROOT"/dockerfiles/*.Dockerfile; do
            [[ $file == */deps.Dockerfile ]] && continue
            sed -n 's/.*apt-get install -y --no-install-recommends \([^&\\]*\).*/\1/p' "$file"
        done
    } | tr -s ' ' '\n' | sed '/^$/d' | sort -u)
    key=$(printf '%s\n%s\n' "$specs" "$(image_label "$minbase" bmp.base.key)" | sha256sum | cut -c1-16)
    dir=$BUILD_CACHE/debs-$key
    if [[ ! -f $dir/Packages ]]; then
        command -v dpkg-scanpackages >/dev/null 2>&1 || {
            err "dpkg-scanpackages is not installed (apt-get install dpkg-dev): it indexes the fetched .debs"
            return 1
        }
        echo "bmp-build-image.sh: fetching $(echo "$specs" | tr '\n' ' ')into $dir" >&2
        rm -rf "$dir.part"
        mkdir -p "$dir.part/partial" || return 1
        # What the root has installed: its dpkg status, read from the image.
        ctr=$(buildah from --quiet --pull-never "$minbase") || return 1
        mnt=$(buildah mount "$ctr") || { buildah rm "$ctr" >/dev/null; return 1; }
        cp "$mnt/var/lib/dpkg/status" "$dir.part/status"
        buildah umount "$ctr" >/dev/null
        buildah rm "$ctr" >/dev/null
        # This host's apt and lists, its state untouched: no lock, no package cache, the root's
        # status instead of the host's. Lists older than the mirror (a version gone, a package
        # not found): apt-get update once, then again.
        fetch_debs() {
            # shellcheck disable=SC2086  # one package spec a word
            apt-get install --download-only --no-install-recommends --yes --quiet=2 \
                -o Dir::State::status="$dir.part/status" -o Dir::Cache::archives="$dir.part/" \
                -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o Debug::NoLocking=1 \
                -o APT::Sandbox::User=root -o APT::Keep-Downloaded-Packages=true $specs >&2
        }
        if ! fetch_debs; then
            echo "bmp-build-image.sh: apt-get update, then fetching again" >&2
            apt-get update -qq >&2 || return 1
            fetch_debs || return 1
        fi
        rm -rf "$dir.part/partial" "$dir.part/status" "$dir.part/lock"
        (cd "$dir.part" && dpkg-scanpackages --multiversion . /dev/null 2>/dev/null >Packages) \
            || return 1
        chmod -R a+rX "$dir.part"
        rm -rf "$dir"
        mv "$dir.part" "$dir"
        cache_prune debs "$dir"
    fi
    printf '%s\n' "$dir"
}

# ensure_base IMAGE PACKAGES ENTRYPOINT_FILE [buildah config options...]: IMAGE is the minbase
# root with PACKAGES installed from the local repository ($DEBS_DIR) and, if given, the entrypoint
# file as /docker-entrypoint.sh (and wget as busybox: the official nginx image's healthcheck uses
# it). Labelled and archived by the hash of all that, this recipe included.
# The install, in the root's shell: apt's lists, logs and caches are not kept (as mmdebstrap
# leaves the root).
BASE_INSTALL='export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "$@" >/dev/null
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt/* /var/log/dpkg.log /var/cache/debconf/*-old'
ensure_base() {
    local image=$1 packages=$2 entrypoint=$3 key archive ctr kind
    shift 3
    kind=base-${image##*/}
    kind=${kind%%:*}
    key=$( {
        printf '%s\n' "$(image_label "$bmp_local_debian_base_image" bmp.base.key)" "${DEBS_DIR##*/}" \
            "$packages" "$BASE_INSTALL" "$@"
        [[ -z $entrypoint ]] || sha256sum <"$ROOT/$entrypoint"
    } | sha256sum | cut -c1-16)
    archive=$BUILD_CACHE/$kind-$key.tar
    image_from_cache "$image" bmp.base.key "$key" "$archive" && return 0
    echo "bmp-build-image.sh: making $image ($packages from the local .debs)" >&2
    ctr=$(buildah from --quiet --pull-never "$bmp_local_debian_base_image") || return 1
    # shellcheck disable=SC2086  # one package a word
    if ! buildah run --isolation chroot --volume "$DEBS_DIR:/run/bmp-debs:ro" "$ctr" -- \
        sh -ec "$BASE_INSTALL" sh $packages >&2; then
        buildah rm "$ctr" >/dev/null
        return 1
    fi
    if [[ -n $entrypoint ]]; then
        if ! buildah copy --quiet --chmod 0755 "$ctr" "$ROOT/$entrypoint" /docker-entrypoint.sh \
            >/dev/null || ! buildah run --isolation chroot "$ctr" -- \
            ln -s /bin/busybox /usr/local/bin/wget; then
            buildah rm "$ctr" >/dev/null
            return 1
        fi
    fi
    buildah config --label "bmp.base.key=$key" "$@" "$ctr" || return 1
    buildah commit --quiet --rm --format docker "$ctr" "$image" >/dev/null || return 1
    image_to_cache "$image" "$archive" "$kind"
}
ensure_local_base() {
    ensure_base "$bmp_local_base_image" "$BASE_PACKAGES" "" --cmd python3
}
ensure_local_web_base() {
    ensure_base "$bmp_local_web_base_image" "$WEB_BASE_PACKAGES" "$WEB_BASE_ENTRYPOINT" \
        --entrypoint '["/docker-entrypoint.sh"]' --cmd '["nginx", "-g", "daemon off;"]' \
        --stop-signal SIGQUIT
}

# The pinned third-party packages of every Python image (pyproject.toml's base and the images'
# extras), as wheels built by this host's Python 3.11 into $BUILD_CACHE/wheels-<hash>, with the
# pip wheel that installs them. BMP_WHEELS_DIR uses a ready folder instead.
IMAGE_EXTRAS=mysql,openapi,driver,tftp,bff,oob-agent,oob-alert,monitor
ASYNC_TIMEOUT_VERSION=5.0.1
ensure_wheels() {
    if [[ -n ${BMP_WHEELS_DIR:-} ]]; then
        printf '%s\n' "$BMP_WHEELS_DIR"
        return 0
    fi
    local python=${BMP_BUILD_PYTHON:-} requirements key dir
    if [[ -z $python ]]; then
        python=python3
        [[ -x ${BMP_VENV:-$ROOT/.venv}/bin/python ]] && python=${BMP_VENV:-$ROOT/.venv}/bin/python
    fi
    if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
        err "$python is not Python 3.11: the wheels must match the images' Python (set BMP_BUILD_PYTHON)"
        return 1
    fi
    requirements=$("$python" - "$IMAGE_EXTRAS" <<'PY'
import sys, tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
wanted = list(project["dependencies"])
for extra in sys.argv[1].split(","):
    wanted += project["optional-dependencies"][extra]
pip = __import__("pip").__version__
print("\n".join(sorted(set(wanted), key=str.lower) + [f"pip=={pip}"]))
PY
    ) || return 1
    key=$(printf '%s\n%s\n%s\n' "$requirements" "$ASYNC_TIMEOUT_VERSION" "$("$python" -c 'import platform; print(platform.machine())')" \
        | sha256sum | cut -c1-16)
    dir=$BUILD_CACHE/wheels-$key
    if [[ ! -f $dir/.complete ]]; then
        echo "bmp-build-image.sh: building wheels into $dir" >&2
        rm -rf "$dir.part"
        mkdir -p "$dir.part"
        printf '%s\n' "$requirements" >"$dir.part/requirements.txt"
        # async-timeout: redis needs it on Python < 3.11.3 only, which Debian's 3.11.2 is and
        # this host's Python may not be, so pip wheel would leave it out.
        "$python" -m pip wheel --quiet --disable-pip-version-check --wheel-dir "$dir.part" \
            -r "$dir.part/requirements.txt" "async-timeout==$ASYNC_TIMEOUT_VERSION" >&2 || return 1
        touch "$dir.part/.complete"
        rm -rf "$dir"
        mv "$dir.part" "$dir"
        cache_prune wheels "$dir"
    fi
    printf '%s\n' "$dir"
}

# The consoles' built files (deploy/local/console-web-build.sh --dist-only: the files the web
# stage built when they are up to date with their sources, else npm ci from the lockfile and vite
# build on this host) as an image of files only, which the web Dockerfiles' "dist" stage takes
# instead of their Node stage (DIST_IMAGE): that stage is then skipped, and no node image is
# needed. Labelled with the hash of the files: remade only when they change.
ensure_web_dist() {
    local ctr app key
    "$ROOT/deploy/local/console-web-build.sh" --dist-only >&2 || return 1
    key=$(tar -C "$ROOT/services" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
        -cf - console_web/dist operation_web/dist | sha256sum | cut -c1-16) || return 1
    if [[ $(image_label "$bmp_web_dist_base_image" bmp.dist.key) != "$key" ]]; then
        ctr=$(buildah from scratch) || return 1
        for app in console_web operation_web; do
            buildah copy --quiet "$ctr" "$ROOT/services/$app/dist" "/src/services/$app/dist" \
                >/dev/null || return 1
        done
        buildah config --label "org.opencontainers.image.title=bmp-web-dist" \
            --label "bmp.dist.key=$key" "$ctr" || return 1
        buildah commit --quiet --rm --format docker "$ctr" "$bmp_web_dist_base_image" >/dev/null \
            || return 1
    fi
    printf '%s\n' "$bmp_web_dist_base_image"
}

# A hash of the files under the given paths (relative to the repository root) as a build sees
# them: names, modes, symbolic links and contents, without what .dockerignore keeps out of every
# image here (bytecode, node_modules, bmp_common's tests, the consoles' dist: they come from
# ensure_web_dist). Times and owners are not part of it.
# (Status 1 from tar, "file changed as we read it", is a test run writing bytecode next to the
# sources meanwhile: what it wrote is left out of the hash anyway.)
tree_hash() {
    {
        tar -C "$ROOT" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
            --warning=no-file-changed --exclude=__pycache__ --exclude='*.pyc' \
            --exclude=node_modules --exclude=shared/bmp_common/tests \
            --exclude='services/*_web/dist' -cf - -- "$@" || [[ $? -eq 1 ]]
    } | sha256sum | cut -c1-16
}

# What an image is made from: its Dockerfile, the files its COPY lines take from the build context
# (not those of another stage), and the keys of the images it builds on (ARGS: the build
# arguments' values). An image whose label bmp.build.key holds that key is not built again.
# Each source's hash is taken once (hash_sources) for all the Dockerfiles: shared/bmp_common is
# in thirteen.
copy_sources() {
    # "COPY [--flag...] SRC... DEST": the SRCs, with no --from.
    awk '$1 == "COPY" && $0 !~ /--from=/ { for (i = 2; i < NF; i++) if ($i !~ /^--/) print $i }' \
        "$@" | sort -u
}
declare -A source_hash=()
hash_sources() {
    local source
    while IFS= read -r source; do
        [[ -z ${source_hash[$source]+x} ]] || continue
        # (a missing source fails the build itself, at its COPY)
        if [[ -e $ROOT/$source ]]; then
            source_hash[$source]=$(tree_hash "$source") || return 1
        else
            source_hash[$source]=missing
        fi
    done < <(copy_sources "$@")
}
build_key() {
    local dockerfile=$1 source
    shift
    {
        sha256sum <"$ROOT/$dockerfile"
        while IFS= read -r source; do
            printf '%s %s\n' "$source" "${source_hash[$source]:?$source not hashed}"
        done < <(copy_sources "$ROOT/$dockerfile")
        printf '%s\n' "$@"
    } | sha256sum | cut -c1-16
}

# Images of this registry and tag that are present, with their sizes.
list_images() {
    if [[ $ENGINE == docker ]]; then
        docker image ls --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' | grep -F "${bmp_registry}/" \
            | grep -F ":${TAG}" || true
    else
        buildah images --format '{{.Name}}:{{.Tag}}	{{.Size}}' | grep -F "${bmp_registry}/" \
            | grep -F ":${TAG}" || true
    fi
}

# A docker-archive of the given images for a host with no registry (docker load / podman load).
save_images() {
    local out=$1
    shift
    if [[ $ENGINE == docker ]]; then
        docker save -o "$out" "$@"
    elif command -v podman >/dev/null 2>&1; then
        podman save --quiet --format docker-archive -m -o "$out" "$@"
    elif [[ $# -eq 1 ]]; then
        buildah push --quiet "$1" "docker-archive:$out:$1"
    else
        err "saving several images in one archive needs podman (apt-get install podman)"
        return 1
    fi
}

case ${1:-} in
    -h | --help | help)
        usage
        exit 0
        ;;
    build) shift ;;
    images)
        pick_engine || exit 1
        list_images
        exit 0
        ;;
    save)
        shift
        out=""
        save_images_list=()
        while [[ $# -gt 0 ]]; do
            case $1 in
                -o | --output)
                    out=${2:-}
                    shift 2 || break
                    ;;
                *)
                    if [[ $1 == all ]]; then
                        names=("${bmp_app_services[@]}")
                    elif svc=$(canonical_service "$1"); then
                        names=("$svc")
                    else
                        err "unknown service: $1"
                        exit 2
                    fi
                    for svc in "${names[@]}"; do
                        image_var=${svc//-/_}_image
                        case " ${save_images_list[*]} " in
                            *" ${!image_var} "*) ;;
                            *) save_images_list+=("${!image_var}") ;;
                        esac
                    done
                    shift
                    ;;
            esac
        done
        if [[ -z $out || ${#save_images_list[@]} -eq 0 ]]; then
            err "save needs SERVICE... and -o FILE"
            usage >&2
            exit 2
        fi
        pick_engine || exit 1
        save_images "$out" "${save_images_list[@]}"
        exit 0
        ;;
    *)
        [[ -n ${1:-} ]] && err "unknown command: $1"
        usage >&2
        exit 2
        ;;
esac

if [[ $# -eq 0 ]]; then
    err "no SERVICE given"
    usage >&2
    exit 2
fi

# Boot images, not docker images: the agent LiveOS (liveos/vmlinuz, liveos/initrd.img) and the
# test GuestOS (guestos/bmp-guestos.tar.xz and the whole-disk guestos/bmp-guestos.qcow2, each
# + .sha256), built on this host (root, Debian, loop devices) into the image service's root: BMP_IMAGE_ROOT, default $BMP_DATA_DIR/images as the local runtime.
case ${1:-} in
    bmp-liveos | liveos | bmp-guestos | guestos)
        image_root=${BMP_IMAGE_ROOT:-${BMP_DATA_DIR:-${BMP_VAR_DIR:-$ROOT/var}/data}/images}
        for arg in "$@"; do
            case $arg in
                bmp-liveos | liveos | bmp-guestos | guestos) ;;
                *)
                    err "build $1 takes only bmp-liveos and bmp-guestos, not $arg"
                    exit 2
                    ;;
            esac
        done
        # The LiveOS embeds the agent gateway's CA: made here if the platform never started.
        tls_dir=${BMP_TLS_DIR:-${BMP_DATA_DIR:-${BMP_VAR_DIR:-$ROOT/var}/data}/tls}
        for arg in "$@"; do
            case $arg in
                *liveos)
                    if [[ ! -s $tls_dir/ca.pem ]]; then
                        "${BMP_VENV:-$ROOT/.venv}/bin/python" -m bmp_scheduler.tls ensure --dir "$tls_dir"
                    fi
                    BMP_LIVEOS_GATEWAY_CA=${BMP_LIVEOS_GATEWAY_CA:-$tls_dir/ca.pem} \
                        services/agent/liveos/build.sh "$image_root/liveos"
                    ;;
                *guestos) services/guestos/build.sh "$image_root/guestos" ;;
            esac
        done
        exit 0
        ;;
esac

selected=()
for arg in "$@"; do
    if [[ $arg == all ]]; then
        selected+=("${bmp_app_services[@]}")
    elif svc=$(canonical_service "$arg"); then
        selected+=("$svc")
    else
        err "unknown service: $arg"
        usage >&2
        exit 2
    fi
done

# One build per Dockerfile, tagged with every distinct image name that uses it, with the base
# image image.cfg gives it (bmp_<name>_base_image), if any.
declare -A tags=() bases=()
dockerfiles=()
for svc in "${selected[@]}"; do
    var=${svc//-/_}
    image_var=${var}_image
    dockerfile_var=${var}_dockerfile
    image=${!image_var:-}
    dockerfile=dockerfiles/${!dockerfile_var:-${svc#bmp-}}.Dockerfile
    base_var=${var}_base_image
    if [[ -z $image ]]; then
        err "image.cfg defines no ${image_var} for ${svc}"
        exit 1
    fi
    if [[ ! -f $dockerfile ]]; then
        err "${dockerfile} (for ${svc}) not found"
        exit 1
    fi
    if [[ -z ${tags[$dockerfile]+x} ]]; then
        dockerfiles+=("$dockerfile")
        tags[$dockerfile]=""
        bases[$dockerfile]=${!base_var:-}
    fi
    case " ${tags[$dockerfile]} " in
        *" $image "*) ;;
        *) tags[$dockerfile]+="${tags[$dockerfile]:+ }${image}" ;;
    esac
done

# ---- engine: docker when an engine answers, else daemonless buildah --------------------------
# BMP_BUILD_ENGINE=docker|buildah forces one; auto (default) prefers a reachable Docker engine.
pick_engine || exit 1

needs_deps=0 needs_web=0 needs_base=0
for dockerfile in "${dockerfiles[@]}"; do
    grep -q '^ARG DEPS_IMAGE' "$dockerfile" && needs_deps=1
    grep -q '^ARG DIST_IMAGE' "$dockerfile" && needs_web=1
    [[ -n ${bases[$dockerfile]} ]] && ! grep -q '^ARG DIST_IMAGE' "$dockerfile" && needs_base=1
done
# Without a registry (buildah, no BMP_PYTHON_BASE_IMAGE): the local bases, and no build step
# reaches the network. With BMP_PYTHON_BASE_IMAGE buildah says a registry is reachable: the
# official bases then.
local_bases=0
[[ $ENGINE == buildah && -z ${BMP_PYTHON_BASE_IMAGE:-} ]] && local_bases=1
work=$(mktemp -d "${TMPDIR:-/tmp}/bmp-build-image.XXXXXX")
CACHE_JOBS=$work/cache-jobs
# The archives being written to the cache are complete before the script ends, whatever its end.
trap 'cache_wait; rm -rf -- "$work"' EXIT

# The wheels (pip wheel on this host: the network and the CPU) are made while the bases are.
wheels_pid=""
if [[ $needs_deps == 1 ]]; then
    ensure_wheels >"$work/wheels" &
    wheels_pid=$!
fi

# ---- the local bases: one mmdebstrap, the .debs, then the Python and nginx bases side by side --
web_base="" web_dist=""
if [[ $local_bases == 1 ]]; then
    minbase=$(ensure_minbase) || exit 1
    DEBS_DIR=$(ensure_debs "$minbase") || exit 1
    pids=()
    if [[ $needs_deps == 1 || $needs_base == 1 ]]; then
        ensure_local_base &
        pids+=($!)
    fi
    if [[ $needs_web == 1 ]]; then
        ensure_local_web_base &
        pids+=($!)
    fi
    for pid in "${pids[@]}"; do
        wait "$pid" || exit 1
    done
    if [[ $needs_web == 1 ]]; then
        web_base=$bmp_local_web_base_image
        web_dist=$(ensure_web_dist) || exit 1
    fi
fi

# ---- the shared dependency layer --------------------------------------------------------------
# Every Python image builds FROM bmp-deps: the base (python:3.11-slim-bookworm with docker, the
# local Debian root with buildah), user bmp and /opt/venv with the pinned third-party packages,
# installed from wheels made on this host (no network in any build step). A code change then
# rebuilds only the component's last layers.
base_key() {
    local key
    key=$(image_label "$1" bmp.base.key)
    [[ -n $key ]] || key=$(image_id "$1")
    printf '%s\n' "$key"
}
deps_key=""
if [[ $needs_deps == 1 ]]; then
    base_image=$(python_base_image) || exit 1
    wait "$wheels_pid" || exit 1
    wheels=$(cat "$work/wheels")
    # Rebuilt only when its inputs change (the wheels' folder is named by their hash, the base
    # by its recipe's hash or its id, the recipe by deps.Dockerfile's hash): a code change skips
    # even the cache check. With buildah it is also kept as an archive in the build cache.
    deps_key="${wheels##*/}-$(base_key "$base_image")-$(sha256sum <"$ROOT/dockerfiles/deps.Dockerfile" | cut -c1-12)"
    deps_archive=$BUILD_CACHE/deps-$deps_key.tar
    if image_from_cache "$bmp_deps_base_image" bmp.deps.key "$deps_key" "$deps_archive"; then
        echo "bmp-build-image.sh: $bmp_deps_base_image is up to date" >&2
    else
        run_build -f "$ROOT/dockerfiles/deps.Dockerfile" --build-arg "BASE_IMAGE=$base_image" \
            --label "bmp.deps.key=$deps_key" -t "$bmp_deps_base_image" "$wheels"
        image_to_cache "$bmp_deps_base_image" "$deps_archive" deps
    fi
fi

# ---- the images, BMP_BUILD_JOBS at a time (default: one per core) ------------------------------
# An image whose label bmp.build.key is the hash of its inputs (build_key) under every tag is up
# to date: not built again, not even walked through the layer cache.
jobs_max=${BMP_BUILD_JOBS:-$(nproc 2>/dev/null || echo 1)}
[[ $jobs_max =~ ^[1-9][0-9]*$ ]] || {
    err "BMP_BUILD_JOBS must be a positive number, not $jobs_max"
    exit 2
}
queue=()
declare -A job_args=()
hash_sources "${dockerfiles[@]}" || exit 1
for dockerfile in "${dockerfiles[@]}"; do
    args=(-f "$dockerfile")
    key_inputs=()
    if [[ -n $web_dist ]] && grep -q '^ARG DIST_IMAGE' "$dockerfile"; then
        # Debian's nginx for the official image, the host's build for the Node stage.
        args+=(--build-arg "BASE_IMAGE=$web_base" --build-arg "DIST_IMAGE=$web_dist")
        key_inputs+=("$(base_key "$web_base")" "$(image_label "$web_dist" bmp.dist.key)")
    elif [[ -n ${bases[$dockerfile]} && $local_bases == 1 ]]; then
        # No registry: the local Debian bookworm base stands in for debian:bookworm-slim.
        args+=(--build-arg "BASE_IMAGE=$bmp_local_base_image")
        key_inputs+=("$(base_key "$bmp_local_base_image")")
    elif [[ -n ${bases[$dockerfile]} ]]; then
        args+=(--build-arg "BASE_IMAGE=${bases[$dockerfile]}")
        key_inputs+=("${bases[$dockerfile]}=$(image_id "${bases[$dockerfile]}")")
    fi
    if grep -q '^ARG DEPS_IMAGE' "$dockerfile"; then
        args+=(--build-arg "DEPS_IMAGE=$bmp_deps_base_image")
        key_inputs+=("$deps_key")
    fi
    key=$(build_key "$dockerfile" "$ENGINE" "${key_inputs[@]}") || exit 1
    read -r -a images <<<"${tags[$dockerfile]}"
    current=1
    for image in "${images[@]}"; do
        args+=(-t "$image")
        [[ $(image_label "$image" bmp.build.key) == "$key" ]] || current=0
    done
    if [[ $current == 1 ]]; then
        echo "bmp-build-image.sh: ${tags[$dockerfile]} up to date" >&2
        continue
    fi
    args+=(--label "bmp.build.key=$key" .)
    queue+=("$dockerfile")
    job_args[$dockerfile]=$(printf '%q ' "${args[@]}")
done

# Each build's output is printed whole when it ends (builds side by side would interleave).
failed=()
declare -A running=()
reap() {
    local dockerfile log
    for dockerfile in "${!running[@]}"; do
        log=$work/${dockerfile##*/}.log
        [[ -f $log.rc ]] || continue
        cat "$log"
        [[ $(cat "$log.rc") == 0 ]] || failed+=("$dockerfile")
        unset "running[$dockerfile]"
    done
}
for dockerfile in "${queue[@]}"; do
    while [[ ${#running[@]} -ge $jobs_max ]]; do
        wait -n || true
        reap
    done
    eval "args=(${job_args[$dockerfile]})"
    log=$work/${dockerfile##*/}.log
    (
        status=0
        run_build "${args[@]}" >"$log" 2>&1 || status=$?
        echo "$status" >"$log.rc"
    ) &
    running[$dockerfile]=$!
done
while [[ ${#running[@]} -gt 0 ]]; do
    wait -n || true
    reap
done
# buildah 1.28 keeps the working container of a stage with no instruction (the consoles' "dist"
# stage, FROM the files' image): one more at every web build, unless removed here.
if [[ -n $web_dist ]]; then
    buildah containers --quiet --filter "ancestor=$web_dist" | xargs -r buildah rm >/dev/null || true
fi
if [[ ${#failed[@]} -gt 0 ]]; then
    err "failed: ${failed[*]}"
    exit 1
fi
