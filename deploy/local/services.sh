# The services of the local runtime, in start order. Sourced by bmp-deploy.sh and run-service.sh.
# shellcheck disable=SC2034  # the variables are read by the scripts that source this file
# A new service is one line here and one branch in run-service.sh.
# shellcheck shell=bash

# name → health URL path ("" = no HTTP health; checked by its process state only)
declare -A BMP_LOCAL_HEALTH=(
  [bmp-redis]=""
  [bmp-openapi]="/health"
  [bmp-openapi-console]="/health"
  [bmp-console-api]="/health"
  [bmp-operation-api]="/health"
  [bmp-openapi-worker]=""
  [bmp-scheduler]=""
  [bmp-scheduler-gateway]="/health"
  [bmp-scheduler-gateway-tls]="/health"
  [bmp-driver]=""
  [bmp-dhcp-agent]=""
  [bmp-dhcp-server]=""
  [bmp-tftp]=""
  [bmp-image]="/health"
  [bmp-rsyslog]=""
  [bmp-lab]=""
  [bmp-oob-alert]="/health"
  [bmp-oob-agent]=""
  [bmp-console-web]="/health"
  [bmp-operation-web]="/health"
)

# name → port variable and default port
declare -A BMP_LOCAL_PORT=(
  [bmp-openapi]="${BMP_OPENAPI_PORT:-8801}"
  [bmp-openapi-console]="${BMP_OPENAPI_CONSOLE_PORT:-8802}"
  [bmp-console-api]="${BMP_CONSOLE_API_PORT:-8800}"
  [bmp-operation-api]="${BMP_OPERATION_API_PORT:-8799}"
  [bmp-scheduler-gateway]="${BMP_GATEWAY_PORT:-8803}"
  [bmp-scheduler-gateway-tls]="${BMP_GATEWAY_TLS_PORT:-8813}"
  [bmp-image]="${BMP_IMAGE_PORT:-10000}"
  [bmp-oob-alert]="${BMP_OOB_ALERT_PORT:-8804}"
  [bmp-pushgateway]="${BMP_PUSHGATEWAY_PORT:-9091}"
  [bmp-prometheus]="${BMP_PROMETHEUS_PORT:-9090}"
  [bmp-alertmanager]="${BMP_ALERTMANAGER_PORT:-9093}"
  [bmp-pronoea]="${BMP_PRONOEA_PORT:-9999}"
  [bmp-monitor-proxy]="${BMP_MONITOR_PROXY_PORT:-8805}"
  [bmp-console-web]="${BMP_CONSOLE_WEB_PORT:-8080}"
  [bmp-operation-web]="${BMP_OPERATION_WEB_PORT:-8081}"
)

# Services whose health URL is HTTPS with a certificate of the CA in BMP_TLS_DIR.
BMP_LOCAL_TLS=(bmp-scheduler-gateway-tls)
# The address a service listens on (env.sh): the APIs on BMP_API_BIND, the rest on
# BMP_PROVISION_BIND.
bmp_local_bind() {
  case "$1" in
    bmp-openapi | bmp-openapi-console | bmp-console-api | bmp-operation-api | bmp-oob-alert | bmp-console-web | bmp-operation-web)
      echo "$BMP_API_BIND" ;;
    # In-band monitoring's stack answers on the loopback only; its agents reach the proxy.
    bmp-pushgateway | bmp-prometheus | bmp-alertmanager | bmp-pronoea) echo 127.0.0.1 ;;
    *) echo "$BMP_PROVISION_BIND" ;;
  esac
}

# Services that need the database schema migrated before they start.
BMP_MIGRATING_SERVICES=(bmp-openapi bmp-openapi-console bmp-scheduler bmp-scheduler-gateway
  bmp-scheduler-gateway-tls bmp-oob-alert)

bmp_local_services() {
  # bmp-redis is ours only while no external redis is configured.
  if [[ -z "${BMP_REDIS_HOST:-}" && -z "${BMP_REDIS_URL:-}" ]]; then
    echo bmp-redis
  fi
  echo bmp-openapi
  echo bmp-openapi-console
  # The tenant console's backend (after openapi: it calls openapi's console profile).
  echo bmp-console-api
  # The operator portal's backend (it calls openapi's operation profile).
  echo bmp-operation-api
  echo bmp-openapi-worker
  echo bmp-scheduler
  echo bmp-scheduler-gateway
  echo bmp-scheduler-gateway-tls
  echo bmp-tftp
  echo bmp-image
  # The LiveOS agents' log lines (syslog over UDP, port BMP_RSYSLOG_PORT), filed per node.
  echo bmp-rsyslog
  # Out-of-band monitoring: faults, health and notices (after openapi, which checks its
  # callers' keys).
  echo bmp-oob-alert
  # The tenants' web console: nginx with the built files, in front of console-api and oob-alert.
  echo bmp-console-web
  # The operators' web console: nginx with the built files, in front of operation-api.
  echo bmp-operation-web
  # In-band monitoring: the Prometheus stack, pronoea (rules, alerts) and the agents' proxy.
  echo bmp-pushgateway
  echo bmp-alertmanager
  echo bmp-prometheus
  echo bmp-pronoea
  echo bmp-monitor-proxy
  # The out-of-band and DHCP workers serve IDCs: none until BMP_IDC_IDS names some (the lab
  # writes it into var/runtime.env when it enrols its servers).
  if [[ -n "${BMP_IDC_IDS:-}" ]]; then
    echo bmp-driver
    echo bmp-dhcp-agent
    echo bmp-oob-agent
    # Answering DHCP takes root and the provisioning interface: only where one is named.
    if [[ -n "${BMP_DHCP_INTERFACE:-}" ]]; then
      echo bmp-dhcp-server
    fi
  fi
  # Virtual servers, after `bmp-deploy.sh lab up N` (which writes BMP_LAB_NODES=N there too).
  if [[ -n "${BMP_LAB_NODES:-}" ]]; then
    echo bmp-lab
  fi
}
