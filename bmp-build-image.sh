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
Needs a docker client and a reachable Docker engine.
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

case ${1:-} in
    -h | --help | help)
        usage
        exit 0
        ;;
    build) shift ;;
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

if ! command -v docker >/dev/null 2>&1; then
    err "docker is not installed (no 'docker' command on PATH); install Docker to build images"
    exit 1
fi
if ! docker info >/dev/null 2>&1; then
    err "no Docker engine is reachable ('docker info' failed); start the Docker daemon or set DOCKER_HOST"
    exit 1
fi

for dockerfile in "${dockerfiles[@]}"; do
    args=(build -f "$dockerfile")
    if [[ -n ${bases[$dockerfile]} ]]; then
        args+=(--build-arg "BASE_IMAGE=${bases[$dockerfile]}")
    fi
    read -r -a images <<<"${tags[$dockerfile]}"
    for image in "${images[@]}"; do
        args+=(-t "$image")
    done
    args+=(.)
    printf '+ docker %s\n' "${args[*]}"
    docker "${args[@]}"
done
