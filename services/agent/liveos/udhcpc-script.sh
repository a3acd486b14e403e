#!/bin/sh
# udhcpc hook: apply the leased address and default route (busybox calls it with $1 = event).
# shellcheck disable=SC2154  # interface, ip, mask, router come from udhcpc
case "$1" in
  deconfig) ip -4 addr flush dev "$interface"; ip link set "$interface" up ;;
  bound | renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    for r in $router; do ip route add default via "$r" dev "$interface"; break; done
    ;;
esac
exit 0
