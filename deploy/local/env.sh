# Loads the BMP configuration: .env, then the generated secrets; the caller's environment wins.
# shellcheck shell=bash

bmp_load_env() {
  local root="$1" saved
  # Keep variables the caller exported explicitly (CI and tests point at other servers).
  saved="$(export -p | grep -E '^declare -x (BMP_|BASE_REGISTRY=|TAG=|COMPOSE_)' |
    sed 's/^declare -x /declare -gx /' || true)"
  set -a
  # shellcheck disable=SC1091
  [[ -f "$root/.env" ]] && source "$root/.env"
  export BMP_VAR_DIR="${BMP_VAR_DIR:-$root/var}"
  # shellcheck disable=SC1091
  [[ -f "$BMP_VAR_DIR/secrets.env" ]] && source "$BMP_VAR_DIR/secrets.env"
  # What the platform learnt at run time (BMP_IDC_IDS, written by `bmp-deploy.sh lab up`).
  # shellcheck disable=SC1091
  [[ -f "$BMP_VAR_DIR/runtime.env" ]] && source "$BMP_VAR_DIR/runtime.env"
  set +a
  eval "$saved"
  export BMP_VAR_DIR="${BMP_VAR_DIR:-$root/var}"
  export BMP_DATA_DIR="${BMP_DATA_DIR:-$BMP_VAR_DIR/data}"
  export BMP_RUN_DIR="${BMP_RUN_DIR:-$BMP_VAR_DIR/run}"
  export BMP_LOG_DIR="${BMP_LOG_DIR:-$BMP_VAR_DIR/log}"
  export BMP_VENV="${BMP_VENV:-$root/.venv}"
  export BMP_CREDENTIALS_FILE="${BMP_CREDENTIALS_FILE:-$BMP_DATA_DIR/credentials}"
  # The operator and tenant APIs listen on BMP_API_BIND, the services the servers being
  # installed call (gateway, images, TFTP) on BMP_PROVISION_BIND: the operator API is not on
  # the provisioning network unless someone puts it there.
  export BMP_API_BIND="${BMP_API_BIND:-127.0.0.1}"
  export BMP_PROVISION_BIND="${BMP_PROVISION_BIND:-${BMP_HOST_IP:-127.0.0.1}}"
}

# The address to reach a service bound to $1 from this host (a wildcard bind: the loopback).
bmp_reach_address() {
  case "$1" in
    0.0.0.0 | :: | "") echo 127.0.0.1 ;;
    *) echo "$1" ;;
  esac
}
