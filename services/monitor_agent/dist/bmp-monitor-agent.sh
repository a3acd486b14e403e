#!/bin/sh
# The agent's heartbeat for a guest without python3 (busybox and other minimal systems):
#
#   bmp-monitor-agent.sh [/etc/bmp-agent/agent.json] [--once]
#
# What the Python agent's heartbeat does, and nothing more (no metrics): every interval_s it
# posts {instance_id, sn, agent_version, timestamp, status: 1, software_raid} to the proxy's
# heartbeat route with the instance's credential, software_raid being the arrays of
# /proc/mdstat as bmp_monitor_agent/mdstat.py reads them (name, level, state, devices in slot
# order, failed, spares, wanted, up, degraded). The first one at its start: an array that came up
# degraded is known at boot, not a minute later. SIGTERM: a last heartbeat with status 2.
# Needs sh, sed, awk, and curl or wget and timeout (busybox's will do); the SN comes from DMI
# as the Python agent reads it.
set -u
conf="/etc/bmp-agent/agent.json"
once=""
for arg in "$@"; do
  case "$arg" in
  --once) once=1 ;;
  *) conf="$arg" ;;
  esac
done
VERSION="1.0.0-sh"
PROC="${BMP_AGENT_PROC:-/proc}"
SYS="${BMP_AGENT_SYS:-/sys}"

# One key of agent.json (written by InstallMonitorAgent or install.sh: flat, strings, numbers).
setting() {
  sed 's/[,{}]/\n/g' "$conf" |
    sed -n "s/^[[:space:]]*\"$1\"[[:space:]]*:[[:space:]]*\"\{0,1\}\([^\"]*\)\"\{0,1\}[[:space:]]*$/\1/p" |
    head -n 1
}

proxy_url=$(setting proxy_url)
case "$proxy_url" in
http://* | https://*) ;;
*) echo "bmp-monitor-agent.sh: proxy_url: http(s) only" >&2 && exit 2 ;;
esac
proxy_url="${proxy_url%/}/"
credential=$(setting credential)
credential_file=$(setting credential_file)
[ -n "$credential_file" ] && credential=$(tr -d ' \n\r\t' <"$credential_file")
interval=$(setting interval_s)
interval=${interval%%.*}
[ -n "$interval" ] && [ "$interval" -gt 0 ] 2>/dev/null || interval=60
sn=$(setting sn)
if [ -z "$sn" ]; then
  for name in product_serial board_serial chassis_serial; do
    value=$(tr -d '\n' <"$SYS/class/dmi/id/$name" 2>/dev/null)
    case "$(echo "$value" | tr '[:upper:]' '[:lower:]')" in
    "" | none | "not specified" | "default string" | 0) ;;
    *) sn="$value" && break ;;
    esac
  done
fi
[ -n "$sn" ] || sn=empty_sn_mocked # the Python agent's fallback

# /proc/mdstat as a JSON list (mdstat.parse's rules: degraded when fewer members are up than
# wanted, a member is faulty, or the array is inactive).
software_raid() {
  [ -r "$PROC/mdstat" ] || {
    echo "[]"
    return
  }
  awk '
    function names(want,   i, out, sep) {
      out = ""; sep = ""
      for (i = 0; i <= top; i++)
        if ((i in dev) && (want == "" || index(flag[i], want))) { out = out sep "\"" dev[i] "\""; sep = "," }
      return out
    }
    function flush(   devs, fails, spares) {
      if (name == "") return
      devs = names(""); fails = names("(F)"); spares = names("(S)")
      degraded = (state ~ /^inactive/ || fails != "" || up < wanted) ? "true" : "false"
      printf "%s{\"name\":\"%s\",\"level\":\"%s\",\"state\":\"%s\",\"devices\":[%s],\"failed\":[%s],\"spares\":[%s],\"wanted\":%d,\"up\":%d,\"degraded\":%s}", comma, name, level, state, devs, fails, spares, wanted, up, degraded
      comma = ","
      name = ""
    }
    BEGIN { printf "["; comma = "" }
    /^md[^ ]* *:/ {
      flush()
      name = $1; i = 3; state = ""; level = ""; wanted = 0; up = 0; top = -1
      split("", dev); split("", flag)
      if ($i == "active" || $i == "inactive") { state = $i; i++ }
      if ($i ~ /^\(.*\)$/) { state = state " " $i; i++ }
      if (i <= NF && $i !~ /\[[0-9]+\]/) { level = $i; i++ }
      for (; i <= NF; i++) {
        if (match($i, /\[[0-9]+\]/)) {
          slot = substr($i, RSTART + 1, RLENGTH - 2) + 0
          dev[slot] = substr($i, 1, RSTART - 1)
          flag[slot] = substr($i, RSTART + RLENGTH)
          if (slot > top) top = slot
        }
      }
      next
    }
    /^[ \t]*$/ { flush(); next }
    name != "" && match($0, /\[[0-9]+\/[0-9]+\]/) {
      split(substr($0, RSTART + 1, RLENGTH - 2), count, "/")
      wanted = count[1] + 0; up = count[2] + 0
    }
    END { flush(); print "]" }
  ' "$PROC/mdstat"
}

post() { # route body
  if command -v curl >/dev/null 2>&1; then
    # The credential on stdin, not in the command line that ps shows.
    printf 'Authorization: Bearer %s\n' "$credential" |
      curl -fsS -m 3 -o /dev/null -H @- -H 'Content-Type: application/json' \
        --data-binary "$2" "$proxy_url$1"
  else
    # timeout, not wget -T: busybox 1.35's wget crashes on -T.
    timeout 10 wget -q -O /dev/null --header 'Content-Type: application/json' \
      --header "Authorization: Bearer $credential" --post-data "$2" "$proxy_url$1"
  fi
}

heartbeat() { # status
  raid=""
  [ "$1" = 1 ] && raid=",\"software_raid\":$(software_raid)"
  body="{\"instance_id\":\"\",\"sn\":\"$sn\",\"agent_version\":\"$VERSION\",\"timestamp\":$(date +%s),\"status\":$1$raid}"
  post heartbeat "$body" || echo "bmp-monitor-agent.sh: heartbeat not sent" >&2
}

if [ -n "$once" ]; then
  heartbeat 1
  exit
fi
trap 'heartbeat 2; exit 0' TERM INT
trap '' HUP # started in the background of an init script that ends (no nohup in busybox)
echo "bmp-monitor-agent.sh $VERSION reporting for $sn to $proxy_url every $interval s"
while :; do
  heartbeat 1
  sleep "$interval" &
  wait $! # a TERM ends the sleep at once
done
