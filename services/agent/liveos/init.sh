#!/bin/sh
# /init of the minimal LiveOS: bring the NIC up with DHCP, then call the agent gateway's
# heartbeat over HTTPS, forever. The first calls carry the boot ticket from /etc/bmp/agent-token
# (the gateway's boot initrd, unpacked by the kernel; it crossed plain HTTP), never on the
# command line; the first answer carries the session token, kept in /run/bmp/agent-session
# (tmpfs, 0600) and sent from then on (the gateway kills the ticket when it sees it). The
# gateway must present a certificate of the CA in /etc/bmp/gateway-ca.pem (bmp-post). Neither
# token nor the gateway's answers (the plan and its parameters) are printed: only the steps'
# names and which of the two credentials was sent.
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin  # openssl (bmp-post) is in /usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say() { echo "bmp-liveos: $*"; }

# Kernel command-line value of KEY (bmp.gateway=...), with the gateway's %XX quoting undone.
arg() {
  value=$(tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p" | tail -n 1)
  printf '%b' "$(echo "$value" | sed 's/%\([0-9A-Fa-f][0-9A-Fa-f]\)/\\x\1/g')"
}

# Debian builds virtio as modules; load them in dependency order (no modules.dep in here).
for module in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci \
  failover net_failover virtio_net; do
  insmod "/lib/modules/$module.ko" 2>/dev/null
done

gateway=$(arg bmp.gateway)
sn=$(arg bmp.sn)
interval=$(arg bmp.heartbeat)
[ -n "$interval" ] || interval=3
ticket=$(cat /etc/bmp/agent-token 2>/dev/null)
[ -n "$ticket" ] || say "no boot ticket in /etc/bmp/agent-token (the gateway's boot initrd brings it)"
say "sn=$sn gateway=$gateway"  # never a token: the console log is kept
# The session token lives in RAM that only root reads (a file, so that no argv carries it).
session=/run/bmp/agent-session
mkdir -p /run/bmp
mount -t tmpfs -o mode=0700,size=64k tmpfs /run/bmp

nic=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
  for path in /sys/class/net/*; do
    name=${path##*/}
    [ "$name" = lo ] || { nic=$name; break; }
  done
  [ -n "$nic" ] && break
  sleep 0.5
done
ip link set lo up
ip link set "$nic" up
until udhcpc -i "$nic" -s /bin/udhcpc-script -t 5 -T 2 -n -q; do
  say "no DHCP answer on $nic yet"
done
say "$nic is $(ip -4 -o addr show dev "$nic" | sed -n 's/.* inet \([^ ]*\).*/\1/p')"

while true; do
  # Until an answer gave the session token, the ticket (an answer lost on the way: the ticket
  # again, which buys another session token).
  sent=ticket
  token=$ticket
  if [ -s "$session" ]; then sent=session; token=$(cat "$session"); fi
  # printf is the shell's own: the token is in no process's argv.
  answer=$(printf '{"sn": "%s", "token": "%s"}' "$sn" "$token" |
    bmp-post "$gateway/v1/agent/heartbeat" /etc/bmp/gateway-ca.pem 2>/tmp/heartbeat.err)
  case $? in
    0) steps=$(printf '%s' "$answer" | grep -o '"action": *"[A-Za-z]*"' |
        sed 's/.*"\([A-Za-z]*\)"$/\1/' | tr '\n' ' ')
      fresh=$(printf '%s' "$answer" | sed -n 's/.*"token": *"\([A-Za-z0-9_-]*\)".*/\1/p')
      if [ -n "$fresh" ]; then
        (umask 077 && printf '%s' "$fresh" >"$session.new" && mv "$session.new" "$session")
      fi
      say "heartbeat ($sent): steps [${steps% }]" ;;  # the names only, never the parameters
    *) say "heartbeat ($sent): $(head -n 1 /tmp/heartbeat.err)" ;;  # a status or a TLS error
  esac
  sleep "$interval"
done
