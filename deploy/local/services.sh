# The services of the local runtime, in start order. Sourced by bmp-deploy.sh and run-service.sh.
# shellcheck disable=SC2034  # the variables are read by the scripts that source this file
# A new service is one line here and one branch in run-service.sh.
# shellcheck shell=bash

# name → health URL path ("" = no HTTP health; checked by its process state only)
declare -A BMP_LOCAL_HEALTH=(
  [bmp-redis]=""
  [bmp-openapi]="/health"
  [bmp-openapi-console]="/health"
)

# name → port variable and default port
declare -A BMP_LOCAL_PORT=(
  [bmp-openapi]="${BMP_OPENAPI_PORT:-8801}"
  [bmp-openapi-console]="${BMP_OPENAPI_CONSOLE_PORT:-8802}"
)

# Services that need the database schema migrated before they start.
BMP_MIGRATING_SERVICES=(bmp-openapi bmp-openapi-console)

bmp_local_services() {
  # bmp-redis is ours only while no external redis is configured.
  if [[ -z "${BMP_REDIS_HOST:-}" && -z "${BMP_REDIS_URL:-}" ]]; then
    echo bmp-redis
  fi
  echo bmp-openapi
  echo bmp-openapi-console
}
