#!/bin/sh
# /init of the GuestOS initramfs: load the disk and file-system drivers, find the root file
# system named by root= (UUID=, LABEL=, PARTUUID= or a device), mount it and switch to it.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say() { echo "bmp-guestos initramfs: $*"; }
# The insmod order was resolved at build time (modprobe --show-depends): no modules.dep here.
while read -r module; do insmod "/lib/modules/$module" 2>/dev/null; done </modules.order

# A root on software RAID: assemble every array the disks' superblocks describe, degraded ones
# too (--run: a mirror whose other disk is gone still boots). Again while root= is not found
# (a disk driver that probes in the background, as NVMe's does).
# NVMe finds its namespaces in the background, after insmod returned: wait for each
# controller's first namespace, then for the partition list to hold still (0.4 s), so that an
# array is not started degraded for a member about to appear.
settle() {
  for try in $(seq 1 50); do
    pending=""
    for ctrl in /sys/class/nvme/nvme*; do
      [ -e "$ctrl" ] || continue
      ls -d "$ctrl"/nvme*n* >/dev/null 2>&1 || pending=$ctrl
    done
    [ -z "$pending" ] && break
    sleep 0.1
  done
  last="" same=0
  for try in $(seq 1 25); do
    now=$(cat /proc/partitions)
    if [ "$now" = "$last" ]; then same=$((same + 1)); else same=0; fi
    [ "$same" -ge 2 ] && return 0
    last=$now
    sleep 0.2
  done
}
assemble() {
  [ -x /sbin/mdadm ] || return 0
  mkdir -p /run/mdadm /etc/mdadm
  # Arrays made by the installer carry its host name (bmp-liveos): assemble them all the same.
  printf 'DEVICE partitions\nHOMEHOST <ignore>\nAUTO +all\n' >/etc/mdadm/mdadm.conf
  /sbin/mdadm --assemble --scan --run >/dev/null 2>&1
}
settle
assemble

root="" flags=ro
for arg in $(cat /proc/cmdline); do
  case $arg in
    root=*) root=${arg#root=} ;;
    rw) flags=rw ;;
  esac
done
device=""
for try in $(seq 1 50); do
  case $root in
    UUID=* | LABEL=*) device=$(findfs "$root" 2>/dev/null) ;;
    PARTUUID=*) device=$(blkid | sed -n "s/^\([^:]*\):.*PARTUUID=\"${root#PARTUUID=}\".*/\1/p") ;;
    /dev/*) [ -b "$root" ] && device=$root ;;
  esac
  [ -n "$device" ] && break
  sleep 0.2
  case $try in 10 | 25 | 40) assemble ;; esac
done
if [ -z "$device" ]; then
  say "root device '$root' not found; block devices: $(ls /sys/class/block | tr '\n' ' ')"
  exec sh
fi
mkdir -p /newroot
mount -o "$flags" "$device" /newroot || { say "cannot mount $device"; exec sh; }
say "root is $device"
grep -q '^md' /proc/mdstat 2>/dev/null && say "md: $(grep -A1 '^md' /proc/mdstat | tr -s ' \n' ' ')"
umount /sys /proc
mount --move /dev /newroot/dev 2>/dev/null || umount /dev
exec switch_root /newroot /sbin/init
