#!/usr/bin/env bash
# Builds the test GuestOS: a busybox root file system with the Debian kernel, its own small
# initramfs (virtio, ext4/xfs/vfat drivers) and a first-boot line on the console, packed as
# OUT_DIR/bmp-guestos.tar.xz (+ .sha256, the hash of the image record), and the same system as a
# whole disk, OUT_DIR/bmp-guestos.qcow2 (+ .sha256; GPT, ext4 LABEL=bmp-root, grub i386-pc; see
# disk-image.sh; BMP_GUESTOS_DISK_MB, default 128, its virtual size).
#
#   services/guestos/build.sh OUT_DIR
#
# The installer (the LiveOS agent) partitions, extracts this tar into the target, installs grub
# and writes the NoCloud seed; on its first boot the system prints
#   BMP-GUEST-UP hostname=<NoCloud local-hostname or /etc/hostname> root=<dev> boot=<n> kernel=<v>
# Cached under BMP_GUESTOS_CACHE (default ~/.cache/bmp/guestos) by the hash of its inputs; the
# kernel package is shared with the LiveOS cache (BMP_LIVEOS_CACHE). Needs: apt-get, dpkg-deb,
# busybox-static, cpio, gzip, xz, depmod/modprobe (kmod); for the qcow2 root (loop devices) and
# what disk-image.sh lists.
set -euo pipefail
out="${1:?usage: build.sh OUT_DIR}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${BMP_GUESTOS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bmp/guestos}"
kernels="${BMP_LIVEOS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bmp/liveos}"
busybox="${BMP_GUESTOS_BUSYBOX:-/bin/busybox}"
# The initramfs assembles a root on software RAID (md) with the host's mdadm and its libraries.
mdadm="${BMP_GUESTOS_MDADM:-$(command -v mdadm || echo /sbin/mdadm)}"
name=bmp-guestos.tar.xz
disk=bmp-guestos.qcow2
disk_mb="${BMP_GUESTOS_DISK_MB:-128}"
started_ms=$(($(date +%s%N) / 1000000))
die() { echo "build-guestos: $*" >&2; exit 1; }

if ldd "$busybox" >/dev/null 2>&1; then # ldd fails on a static binary
  die "$busybox is not a static busybox (apt-get install busybox-static)"
fi
[ -x "$mdadm" ] || die "mdadm is missing (apt-get install mdadm)"
# The LiveOS's kernel, from the same cache.
# shellcheck source=services/agent/liveos/kernel.sh
source "$here/../agent/liveos/kernel.sh"
package=$(bmp_kernel_package) || die "no kernel package"
kernel_dir=$(bmp_kernel_dir "$kernels" "$package")
version=$(basename "$(ls -d "$kernel_dir"/lib/modules/*)")

key=$( (
  echo "$package $disk_mb"
  cat "$0" "$here/initramfs-init.sh" "$here/disk-image.sh"
  find "$here/rootfs" -type f | LC_ALL=C sort | xargs sha256sum | sed "s|$here/||"
  sha256sum "$busybox" "$mdadm" | cut -d' ' -f1
) | sha256sum | cut -c1-16)
build="$cache/build-$key"
if [ ! -s "$build/$name" ] || [ ! -s "$build/$disk" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work" "$build.tmp"' EXIT
  root="$work/root"
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,boot,dev,proc,sys,run,tmp,root,var/lib/cloud/seed/nocloud,etc}
  chmod 1777 "$root/tmp" && chmod 0700 "$root/root"
  cp -a "$here/rootfs/." "$root/"
  cp "$busybox" "$root/bin/busybox"
  # One link per applet where a Debian system keeps it (/sbin/init, /usr/sbin/chpasswd, ...).
  "$busybox" --list-full | while read -r applet; do
    [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:*:19000:0:99999:7:::\n' >"$root/etc/shadow" && chmod 0640 "$root/etc/shadow"
  printf 'root:x:0:\nshadow:x:42:\n' >"$root/etc/group"
  printf '/bin/sh\n' >"$root/etc/shells"
  printf 'localhost\n' >"$root/etc/hostname"
  : >"$root/etc/fstab"
  printf 'PRETTY_NAME="BMP test GuestOS (busybox, Debian kernel)"\nNAME="BMP GuestOS"\nID=debian\nVERSION_ID="12"\n' \
    >"$root/etc/os-release"

  # Kernel and the modules the guest needs (disk, root file systems, NIC), with their deps.
  modules="$kernel_dir/lib/modules/$version"
  target="$root/lib/modules/$version"
  mkdir -p "$target"
  cp "$modules"/modules.order "$modules"/modules.builtin* "$target/"
  for tree in drivers/block drivers/virtio drivers/md drivers/scsi/virtio_scsi.ko \
    drivers/scsi/sd_mod.ko drivers/ata drivers/nvme drivers/net/virtio_net.ko \
    drivers/net/net_failover.ko net/core/failover.ko fs/ext4 fs/jbd2 fs/mbcache.ko fs/xfs \
    fs/fat fs/nls lib crypto arch/x86/crypto block; do
    [ -e "$modules/kernel/$tree" ] || continue
    mkdir -p "$target/kernel/$(dirname "$tree")"
    cp -a "$modules/kernel/$tree" "$target/kernel/$tree"
  done
  depmod -b "$root" "$version"
  cp "$kernel_dir/boot/vmlinuz-$version" "$kernel_dir/boot/config-$version" "$root/boot/"
  cp "$kernel_dir/boot/System.map-$version" "$root/boot/"

  # The initramfs: busybox, /init, and the modules to reach the root file system, in the insmod
  # order modprobe resolves here (the initramfs has no modules.dep).
  initramfs="$work/initramfs"
  mkdir -p "$initramfs"/{bin,dev,proc,sys,newroot,lib/modules}
  cp "$busybox" "$initramfs/bin/busybox" && ln -s busybox "$initramfs/bin/sh"
  install -m 0755 "$here/initramfs-init.sh" "$initramfs/init"
  install -D -m 0755 "$mdadm" "$initramfs/sbin/mdadm"
  for lib in $(ldd "$mdadm" | grep -o '/[^ ]*'); do
    install -D -m 0755 "$lib" "$initramfs$lib"
  done
  wanted="virtio_pci virtio_blk virtio_scsi sd_mod ahci nvme ext4 xfs vfat nls_cp437 nls_ascii"
  wanted="$wanted md_mod raid0 raid1 raid10"
  # shellcheck disable=SC2086  # one word per module
  modprobe -d "$root" -S "$version" -a --show-depends $wanted | sed -n 's/^insmod //p' |
    awk '!seen[$1]++' | while read -r path _; do
    rel=${path#"$target"/}
    mkdir -p "$initramfs/lib/modules/$(dirname "$rel")"
    cp "$path" "$initramfs/lib/modules/$rel"
    echo "$rel" >>"$initramfs/modules.order"
  done
  (cd "$initramfs" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9) \
    >"$root/boot/initrd.img-$version"
  ln -s "boot/vmlinuz-$version" "$root/vmlinuz" # Debian's links, for boot loaders that use them
  ln -s "boot/initrd.img-$version" "$root/initrd.img"

  mkdir -p "$build.tmp"
  tar --numeric-owner --owner=0 --group=0 --sort=name -C "$root" -cf - . | xz -T0 -6 \
    >"$build.tmp/$name"
  (cd "$build.tmp" && sha256sum "$name" >"$name.sha256")
  disk_started_ms=$(($(date +%s%N) / 1000000))
  bash "$here/disk-image.sh" "$root" "$version" "$disk_mb" "$build.tmp/$disk"
  (cd "$build.tmp" && sha256sum "$disk" >"$disk.sha256")
  bmp_elapsed "$disk_started_ms" >"$build.tmp/disk-seconds"
  echo "$package" >"$build.tmp/kernel-package"
  du -sm "$root" | cut -f1 >"$build.tmp/root-mb"
  rm -rf "$build" && mv "$build.tmp" "$build"
  how="built"
else
  how="cached"
fi
mkdir -p "$out"
cp "$build/$name" "$build/$name.sha256" "$build/$disk" "$build/$disk.sha256" "$out/"
printf 'build-guestos: %s %s (%s bytes, %s MB unpacked, kernel %s) sha256 %s in %s s\n' "$how" \
  "$out/$name" "$(stat -c %s "$out/$name")" "$(cat "$build/root-mb")" \
  "$(cat "$build/kernel-package")" "$(cut -d' ' -f1 "$out/$name.sha256")" \
  "$(bmp_elapsed "$started_ms")"
printf 'build-guestos: %s %s (%s bytes, %s MB disk, grub i386-pc, root LABEL=bmp-root; made in %s s) sha256 %s\n' \
  "$how" "$out/$disk" "$(stat -c %s "$out/$disk")" "$disk_mb" "$(cat "$build/disk-seconds")" \
  "$(cut -d' ' -f1 "$out/$disk.sha256")"
