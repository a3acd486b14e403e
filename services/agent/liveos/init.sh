#!/bin/sh
# /init of the minimal LiveOS: bring the NIC up with DHCP, then call the agent gateway's
# heartbeat over HTTPS with the job token, forever. The token is in /etc/bmp/agent-token (the
# gateway's boot initrd, unpacked by the kernel), never on the command line; the gateway must
# present a certificate of the CA in /etc/bmp/gateway-ca.pem (bmp-post). Neither the token nor
# the gateway's answers (the plan and its parameters) are printed: only the steps' names.
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
token=$(cat /etc/bmp/agent-token 2>/dev/null)
[ -n "$token" ] || say "no agent token in /etc/bmp/agent-token (the gateway's boot initrd brings it)"
say "sn=$sn gateway=$gateway"  # never the token: the console log is kept

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
  # printf is the shell's own: the token is in no process's argv.
  answer=$(printf '{"sn": "%s", "token": "%s"}' "$sn" "$token" |
    bmp-post "$gateway/v1/agent/heartbeat" /etc/bmp/gateway-ca.pem 2>/tmp/heartbeat.err)
  case $? in
    0) steps=$(printf '%s' "$answer" | grep -o '"action": *"[A-Za-z]*"' |
        sed 's/.*"\([A-Za-z]*\)"$/\1/' | tr '\n' ' ')
      say "heartbeat: steps [${steps% }]" ;;  # the names only, never the parameters
    *) say "heartbeat: $(head -n 1 /tmp/heartbeat.err)" ;;  # a status or a TLS error
  esac
  sleep "$interval"
done
