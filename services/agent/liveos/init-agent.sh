#!/bin/sh
# /init of the agent LiveOS (the whole Debian root is the initramfs, no switch_root): mount the
# kernel file systems, let udev load the drivers, lease an address, then run the agent.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
say() { echo "bmp-liveos: $*"; }
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /run /tmp
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/udev /run/lock
[ -e /sys/firmware/efi ] && mount -t efivarfs efivarfs /sys/firmware/efi/efivars 2>/dev/null
hostname bmp-liveos

# udev loads the modules of what it finds (NIC, disks, RAID) and creates /dev/disk/by-*.
/lib/systemd/systemd-udevd --daemon --resolve-names=never
udevadm trigger --type=subsystems --action=add
udevadm trigger --type=devices --action=add
udevadm settle --timeout=30

ip link set lo up
nic=""
for _ in $(seq 1 20); do
  for path in /sys/class/net/*; do
    name=${path##*/}
    [ "$name" = lo ] || [ ! -e "$path/device" ] || { nic=$name; break; }
  done
  [ -n "$nic" ] && break
  sleep 0.5
done
[ -n "$nic" ] || say "no network interface found"
ip link set "$nic" up
until busybox udhcpc -i "$nic" -s /usr/share/bmp/udhcpc-script -t 5 -T 2 -n -q; do
  say "no DHCP answer on $nic yet"
done
say "$nic is $(ip -4 -o addr show dev "$nic" | sed -n 's/.* inet \([^ ]*\).*/\1/p')"

# PID 1 must never exit (the kernel panics): rerun the agent if it ends.
export PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
while true; do
  python3 -m bmp_agent
  say "the agent ended with status $?; restarting it in 5 s"
  sleep 5
done
