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
cached in \${BMP_BUILD_CACHE:-/var/cache/bmp-build}); with buildah its base is a Debian bookworm
root made by mmdebstrap ($bmp_local_base_image), with docker $bmp_python_base_image.
With buildah no build step reaches the network: the .debs the Dockerfiles apt-get install are
fetched by this host's apt first (mounted at /run/bmp-debs, the local bases' only source), and
the web consoles are built on this host with npm (deploy/local/console-web-build.sh) and served
by a local Debian nginx base ($bmp_local_web_base_image) instead of the node and nginx images.
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
        ensure_local_base
    fi
}

# The local bases: Debian bookworm minbase roots made by mmdebstrap and imported with buildah
# from scratch. Each tarball is cached by a hash of its recipe; an image is remade only when that
# changes. Their apt knows no mirror: its one source is the folder of .debs that run_build mounts
# at /run/bmp-debs (ensure_debs), so that an image's `apt-get install` needs no network.
# The Python images' base: Debian's Python 3.11 and what they load from Debian (mysqlclient's
# libmariadb3, tzdata).
BASE_PACKAGES=python3,libmariadb3,tzdata
# The web consoles' base, for the official nginx image: Debian's nginx, envsubst for the server
# block's template, busybox's wget for the healthcheck, and deploy/docker/nginx-entrypoint.sh,
# which fills /etc/nginx/templates as the official image's entrypoint does.
WEB_BASE_PACKAGES=nginx-light,gettext-base,busybox
WEB_BASE_ENTRYPOINT=deploy/docker/nginx-entrypoint.sh
ensure_local_base() {
    ensure_debian_base "$bmp_local_base_image" "$BASE_PACKAGES" "" --cmd python3
}
ensure_local_web_base() {
    ensure_debian_base "$bmp_local_web_base_image" "$WEB_BASE_PACKAGES" "$WEB_BASE_ENTRYPOINT" \
        --entrypoint '["/docker-entrypoint.sh"]' --cmd '["nginx", "-g", "daemon off;"]' \
        --stop-signal SIGQUIT
}

# ensure_debian_base IMAGE PACKAGES ENTRYPOINT_FILE [buildah config options...]: prints IMAGE.
ensure_debian_base() {
    local image=$1 packages=$2 entrypoint=$3 recipe key tar ctr have
    shift 3
    recipe="bookworm minbase $packages nodoc aptclean debs-only tar $(uname -m) $*"
    [[ -n $entrypoint ]] && recipe+=" $(sha256sum <"$ROOT/$entrypoint" | cut -c1-16)"
    key=$(printf '%s' "$recipe" | sha256sum | cut -c1-16)
    have=$(buildah inspect --type image --format '{{index .Docker.Config.Labels "bmp.base.key"}}' \
        "$image" 2>/dev/null || true)
    if [[ $have == "$key" ]]; then
        printf '%s\n' "$image"
        return 0
    fi
    tar=$BUILD_CACHE/base-$key.tar
    if [[ ! -s $tar ]]; then
        command -v mmdebstrap >/dev/null 2>&1 || {
            err "mmdebstrap is not installed (apt-get install mmdebstrap): it makes the local base images"
            return 1
        }
        mkdir -p "$BUILD_CACHE" || return 1
        echo "bmp-build-image.sh: making $image (mmdebstrap bookworm: $packages)" >&2
        local hooks=()
        # The entrypoint, and wget as busybox (the official nginx image's healthchecks use it).
        # shellcheck disable=SC2016  # "$1" in the hook is the new root, expanded by mmdebstrap
        [[ -n $entrypoint ]] && hooks+=(
            --customize-hook="install -m 0755 '$ROOT/$entrypoint' \"\$1/docker-entrypoint.sh\""
            --customize-hook='ln -s /bin/busybox "$1/usr/local/bin/wget"'
        )
        # No docs, man pages or translations, no apt lists; and apt keeps no downloaded package
        # and no package cache (as the official images' docker-clean): an image's apt-get
        # install leaves only the installed files. Its only source: the mounted .debs.
        # shellcheck disable=SC2016  # "$1" in the hook is the new root, expanded by mmdebstrap
        mmdebstrap --quiet --variant=minbase --include="$packages" \
            --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
            --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
            --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
            --customize-hook='printf "%s\n" "Dir::Cache::pkgcache \"\";" "Dir::Cache::srcpkgcache \"\";" "APT::Keep-Downloaded-Packages \"false\";" >"$1/etc/apt/apt.conf.d/90bmp-clean"' \
            --customize-hook='rm -f "$1"/etc/apt/sources.list.d/*; echo "deb [trusted=yes] file:/run/bmp-debs ./" >"$1/etc/apt/sources.list"' \
            "${hooks[@]}" \
            --format=tar bookworm "$tar.part" >&2 || return 1
        mv "$tar.part" "$tar" || return 1
    fi
    # (called as $(...) || ...: set -e does not apply here, hence each || return 1)
    ctr=$(buildah from scratch) || return 1
    buildah add --quiet "$ctr" "$tar" / >/dev/null || return 1
    buildah config --label "bmp.base.key=$key" --env LANG=C.UTF-8 "$@" "$ctr" || return 1
    buildah commit --quiet --rm --format docker "$ctr" "$image" >/dev/null || return 1
    printf '%s\n' "$image"
}

# The Debian packages that the given Dockerfiles apt-get install, and what they need beyond the
# local base (this host's apt resolves them against the base's dpkg status), fetched on this host
# into $BUILD_CACHE/debs-<hash>: a flat repository (dpkg-scanpackages) that run_build mounts
# read-only at /run/bmp-debs, the local bases' only apt source. Prints the folder, or nothing
# when no Dockerfile installs a package.
ensure_debs() {
    local base=$1 specs key dir ctr mnt
    shift
    # "apt-get install -y --no-install-recommends PKG=VERSION..." up to "&&" or "\" (deps.Dockerfile's
    # apt-get runs only on the official image, which lacks what the local base has).
    specs=$(sed -n 's/.*apt-get install -y --no-install-recommends \([^&\\]*\).*/\1/p' "$@" \
        | tr -s ' ' '\n' | sed '/^$/d' | sort -u)
    [[ -n $specs ]] || return 0
    key=$(printf '%s\n%s\n' "$specs" "$(image_label "$base" bmp.base.key)" | sha256sum | cut -c1-16)
    dir=$BUILD_CACHE/debs-$key
    if [[ ! -f $dir/Packages ]]; then
        command -v dpkg-scanpackages >/dev/null 2>&1 || {
            err "dpkg-scanpackages is not installed (apt-get install dpkg-dev): it indexes the fetched .debs"
            return 1
        }
        echo "bmp-build-image.sh: fetching $(echo "$specs" | tr '\n' ' ')into $dir" >&2
        rm -rf "$dir.part"
        mkdir -p "$dir.part/partial" || return 1
        # What the base has installed: its dpkg status, read from the image.
        ctr=$(buildah from --quiet --pull-never "$base") || return 1
        mnt=$(buildah mount "$ctr") || { buildah rm "$ctr" >/dev/null; return 1; }
        cp "$mnt/var/lib/dpkg/status" "$dir.part/status"
        buildah umount "$ctr" >/dev/null
        buildah rm "$ctr" >/dev/null
        # This host's apt and lists (apt-get update first if a package is not found), its state
        # untouched: no lock, no package cache, the base's status instead of the host's.
        # shellcheck disable=SC2086  # one package spec a word
        apt-get install --download-only --no-install-recommends --yes --quiet=2 \
            -o Dir::State::status="$dir.part/status" -o Dir::Cache::archives="$dir.part/" \
            -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o Debug::NoLocking=1 \
            -o APT::Sandbox::User=root -o APT::Keep-Downloaded-Packages=true $specs >&2 || return 1
        rm -rf "$dir.part/partial" "$dir.part/status" "$dir.part/lock"
        (cd "$dir.part" && dpkg-scanpackages --multiversion . /dev/null 2>/dev/null >Packages) \
            || return 1
        chmod -R a+rX "$dir.part"
        rm -rf "$dir"
        mv "$dir.part" "$dir"
    fi
    printf '%s\n' "$dir"
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
    fi
    printf '%s\n' "$dir"
}

# The consoles' built files (deploy/local/console-web-build.sh: npm ci from the lockfile and vite
# build on this host, each skipped when up to date) as an image of files only, which the web
# Dockerfiles' "dist" stage takes instead of their Node stage (DIST_IMAGE): that stage is then
# skipped, and no node image is needed.
ensure_web_dist() {
    local ctr app
    "$ROOT/deploy/local/console-web-build.sh" >&2 || return 1
    ctr=$(buildah from scratch) || return 1
    for app in console_web operation_web; do
        buildah copy --quiet "$ctr" "$ROOT/services/$app/dist" "/src/services/$app/dist" \
            >/dev/null || return 1
    done
    buildah config --label "org.opencontainers.image.title=bmp-web-dist" "$ctr" || return 1
    buildah commit --quiet --rm --format docker "$ctr" "$bmp_web_dist_base_image" >/dev/null || return 1
    printf '%s\n' "$bmp_web_dist_base_image"
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

# ---- the shared dependency layer --------------------------------------------------------------
# Every Python image builds FROM bmp-deps: the base (python:3.11-slim-bookworm with docker, the
# local Debian root with buildah), user bmp and /opt/venv with the pinned third-party packages,
# installed from wheels made on this host (no network in any build step). A code change then
# rebuilds only the component's last layers.
needs_deps=0
for dockerfile in "${dockerfiles[@]}"; do
    grep -q '^ARG DEPS_IMAGE' "$dockerfile" && needs_deps=1
done
if [[ $needs_deps == 1 ]]; then
    base_image=$(python_base_image) || exit 1
    wheels=$(ensure_wheels) || exit 1
    # Rebuilt only when its inputs change (the wheels' folder is named by their hash, the base
    # by its recipe's hash or its id, the recipe by deps.Dockerfile's hash): a code change skips
    # even the cache check.
    base_key=$(image_label "$base_image" bmp.base.key)
    [[ -n $base_key ]] || base_key=$(image_id "$base_image")
    deps_key="${wheels##*/}-${base_key}-$(sha256sum <"$ROOT/dockerfiles/deps.Dockerfile" | cut -c1-12)"
    # With buildah the result is also kept as an archive in the build cache, so that a runner
    # whose image store is fresh but whose cache is kept loads it in seconds.
    deps_archive=$BUILD_CACHE/deps-$deps_key.tar
    if [[ $(image_label "$bmp_deps_base_image" bmp.deps.key) == "$deps_key" ]]; then
        echo "bmp-build-image.sh: $bmp_deps_base_image is up to date" >&2
    elif [[ $ENGINE == buildah && -s $deps_archive ]]; then
        echo "bmp-build-image.sh: loading $bmp_deps_base_image from $deps_archive" >&2
        buildah tag "$(buildah pull --quiet "docker-archive:$deps_archive")" "$bmp_deps_base_image"
    else
        run_build -f "$ROOT/dockerfiles/deps.Dockerfile" --build-arg "BASE_IMAGE=$base_image" \
            --label "bmp.deps.key=$deps_key" -t "$bmp_deps_base_image" "$wheels"
        if [[ $ENGINE == buildah ]]; then
            mkdir -p "$BUILD_CACHE"
            rm -f "$BUILD_CACHE"/deps-*.tar
            if buildah push --quiet "$bmp_deps_base_image" "docker-archive:$deps_archive.part" \
                && [[ -s $deps_archive.part ]]; then
                mv "$deps_archive.part" "$deps_archive"
            fi
        fi
    fi
fi

# ---- without a registry (buildah on the local bases): no build step reaches the network --------
# The Debian packages the Dockerfiles install are fetched on this host first (ensure_debs), and
# the web consoles are built on this host with npm (ensure_web_dist) and served by the local
# nginx base instead of the official node and nginx images.
# (BMP_PYTHON_BASE_IMAGE with buildah says a registry is reachable: the official bases then.)
web_base="" web_dist=""
if [[ $ENGINE == buildah && -z ${BMP_PYTHON_BASE_IMAGE:-} ]]; then
    # An mmdebstrap mostly waits on the mirror and the disk: the web base is made alongside the
    # Python one, its output in the build cache (if it fails, the call below makes it again).
    web_base_pid=""
    if grep -q '^ARG DIST_IMAGE' "${dockerfiles[@]}"; then
        mkdir -p "$BUILD_CACHE"
        ensure_local_web_base >"$BUILD_CACHE/web-base.log" 2>&1 &
        web_base_pid=$!
    fi
    if grep -q 'apt-get install' "${dockerfiles[@]}"; then
        local_base=$(ensure_local_base) || exit 1
        DEBS_DIR=$(ensure_debs "$local_base" "${dockerfiles[@]}") || exit 1
    fi
    if [[ -n $web_base_pid ]]; then
        wait "$web_base_pid" || true
        web_base=$(ensure_local_web_base) || exit 1
        web_dist=$(ensure_web_dist) || exit 1
    fi
fi

for dockerfile in "${dockerfiles[@]}"; do
    args=(-f "$dockerfile")
    if [[ -n $web_dist ]] && grep -q '^ARG DIST_IMAGE' "$dockerfile"; then
        # Debian's nginx for the official image, the host's build for the Node stage.
        args+=(--build-arg "BASE_IMAGE=$web_base" --build-arg "DIST_IMAGE=$web_dist")
    elif [[ -n ${bases[$dockerfile]} && $ENGINE == buildah && -z ${BMP_PYTHON_BASE_IMAGE:-} ]]; then
        # No registry: the local Debian bookworm base stands in for debian:bookworm-slim.
        args+=(--build-arg "BASE_IMAGE=$(python_base_image)")
    elif [[ -n ${bases[$dockerfile]} ]]; then
        args+=(--build-arg "BASE_IMAGE=${bases[$dockerfile]}")
    fi
    if grep -q '^ARG DEPS_IMAGE' "$dockerfile"; then
        args+=(--build-arg "DEPS_IMAGE=$bmp_deps_base_image")
    fi
    read -r -a images <<<"${tags[$dockerfile]}"
    for image in "${images[@]}"; do
        args+=(-t "$image")
    done
    args+=(.)
    run_build "${args[@]}"
done
