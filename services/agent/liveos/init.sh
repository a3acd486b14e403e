#!/bin/sh
# /init of the minimal LiveOS: bring the NIC up with DHCP, then call the agent gateway's
# heartbeat with the job token from the kernel command line, forever. The full agent replaces it.
/bin/busybox --install -s /bin
export PATH=/bin
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
token=$(arg bmp.token)
sn=$(arg bmp.sn)
interval=$(arg bmp.heartbeat)
[ -n "$interval" ] || interval=3
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

body="{\"sn\": \"$sn\", \"token\": \"$token\"}"
while true; do
  # busybox 1.35's wget -T crashes (SIGSEGV): bound the call with timeout instead.
  answer=$(timeout 15 wget -q -O - --header 'Content-Type: application/json' \
    --post-data "$body" "$gateway/v1/agent/heartbeat" 2>&1)
  say "heartbeat answer: $answer"
  sleep "$interval"
done
