#!/usr/bin/env bash
# Builds the minimal LiveOS: a Debian kernel + a busybox initramfs whose /init heartbeats to the
# agent gateway (init.sh). Output: OUT_DIR/vmlinuz and OUT_DIR/initrd.img.
#
#   services/agent/liveos/build-minimal.sh OUT_DIR
#
# The kernel package is downloaded once into the cache (BMP_LIVEOS_CACHE, default
# ~/.cache/bmp/liveos), never into the repository. A build is cached by the hash of its inputs.
# Needs: apt-get, dpkg-deb, cpio, gzip, busybox-static.
set -euo pipefail
out="${1:?usage: build-minimal.sh OUT_DIR}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${BMP_LIVEOS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bmp/liveos}"
busybox="${BMP_LIVEOS_BUSYBOX:-/bin/busybox}"
started_ms=$(($(date +%s%N) / 1000000))

# One exact kernel package, never a glob (a glob pulls every kernel of the archive). By default
# the one Debian's linux-image-amd64 points at.
package="${BMP_LIVEOS_KERNEL_PACKAGE:-}"
if [ -z "$package" ]; then
  package=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1)
fi
[ -n "$package" ] || { echo "build-minimal: cannot tell which linux-image package to use" >&2; exit 1; }
if ldd "$busybox" >/dev/null 2>&1; then  # ldd fails on a static binary
  echo "build-minimal: $busybox is not a static busybox (apt-get install busybox-static)" >&2
  exit 1
fi

key=$( (echo "$package"; cat "$here/init.sh" "$here/udhcpc-script.sh" "$0"; sha256sum "$busybox") | sha256sum | cut -c1-16)
build="$cache/build-$key"
if [ ! -s "$build/initrd.img" ]; then
  kernel_dir="$cache/$package"
  if [ ! -d "$kernel_dir/boot" ]; then
    mkdir -p "$cache/download"
    (cd "$cache/download" && rm -f ./*.deb && apt-get download "$package" 2>/dev/null)
    rm -rf "$kernel_dir.tmp" && dpkg-deb -x "$cache"/download/"$package"_*.deb "$kernel_dir.tmp"
    mv "$kernel_dir.tmp" "$kernel_dir" && rm -f "$cache"/download/"$package"_*.deb
  fi
  root=$(mktemp -d)
  trap 'rm -rf "$root"' EXIT
  mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/modules}
  cp "$busybox" "$root/bin/busybox"
  ln -s busybox "$root/bin/sh"
  install -m 0755 "$here/init.sh" "$root/init"
  install -m 0755 "$here/udhcpc-script.sh" "$root/bin/udhcpc-script"
  for module in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci \
    failover net_failover virtio_net; do
    found=$(find "$kernel_dir/lib/modules" -name "$module.ko*" | head -n 1)
    [ -n "$found" ] || { echo "build-minimal: module $module missing from $package" >&2; exit 1; }
    case "$found" in
      *.xz) xz -dc "$found" >"$root/lib/modules/$module.ko" ;;
      *.zst) zstd -qdc "$found" >"$root/lib/modules/$module.ko" ;;
      *) cp "$found" "$root/lib/modules/$module.ko" ;;
    esac
  done
  mkdir -p "$build.tmp"
  (cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9) >"$build.tmp/initrd.img"
  cp "$kernel_dir"/boot/vmlinuz-* "$build.tmp/vmlinuz"
  echo "$package" >"$build.tmp/kernel-package"
  rm -rf "$build" && mv "$build.tmp" "$build"
  how="built"
else
  how="cached"
fi
mkdir -p "$out"
cp "$build/vmlinuz" "$build/initrd.img" "$out/"
elapsed_ms=$(($(date +%s%N) / 1000000 - started_ms))
printf 'build-minimal: %s %s (kernel %s, initrd %s bytes) into %s in %s s\n' "$how" \
  "$(cat "$build/kernel-package")" "$(stat -c %s "$out/vmlinuz")" "$(stat -c %s "$out/initrd.img")" \
  "$out" "$((elapsed_ms / 1000)).$(printf '%03d' $((elapsed_ms % 1000)))"
