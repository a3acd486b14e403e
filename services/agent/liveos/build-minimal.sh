#!/usr/bin/env bash
# Builds the minimal LiveOS: a Debian kernel + a busybox initramfs whose /init heartbeats to the
# agent gateway over HTTPS (init.sh). Output: OUT_DIR/vmlinuz and OUT_DIR/initrd.img.
#
#   BMP_LIVEOS_GATEWAY_CA=var/data/tls/ca.pem services/agent/liveos/build-minimal.sh OUT_DIR
#
# BMP_LIVEOS_GATEWAY_CA: the CA certificate of the gateway (python -m bmp_scheduler.tls ensure),
# embedded at /etc/bmp/gateway-ca.pem; the public half only. busybox's wget does not verify
# certificates, so the host's openssl (and the libraries it needs) goes in to make the calls.
# The kernel package is downloaded once into the cache (BMP_LIVEOS_CACHE, default
# ~/.cache/bmp/liveos), never into the repository. A build is cached by the hash of its inputs.
# Needs: apt-get, dpkg-deb, cpio, gzip, busybox-static, openssl.
set -euo pipefail
out="${1:?usage: build-minimal.sh OUT_DIR}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${BMP_LIVEOS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bmp/liveos}"
busybox="${BMP_LIVEOS_BUSYBOX:-/bin/busybox}"
openssl="$(command -v openssl)" || { echo "build-minimal: openssl is missing (apt-get install openssl)" >&2; exit 1; }
# shellcheck source=services/agent/liveos/gateway-ca.sh
source "$here/gateway-ca.sh"
ca=$(bmp_gateway_ca) || exit 1
started_ms=$(($(date +%s%N) / 1000000))
# shellcheck source=services/agent/liveos/kernel.sh
source "$here/kernel.sh"

package=$(bmp_kernel_package)
if ldd "$busybox" >/dev/null 2>&1; then  # ldd fails on a static binary
  echo "build-minimal: $busybox is not a static busybox (apt-get install busybox-static)" >&2
  exit 1
fi

key=$( (echo "$package"; cat "$here/init.sh" "$here/udhcpc-script.sh" "$here/https-post.sh" "$0" "$ca"
  sha256sum "$busybox" "$openssl") | sha256sum | cut -c1-16)
build="$cache/build-$key"
if [ ! -s "$build/initrd.img" ]; then
  kernel_dir=$(bmp_kernel_dir "$cache" "$package")
  root=$(mktemp -d)
  trap 'rm -rf "$root"' EXIT
  mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/modules}
  cp "$busybox" "$root/bin/busybox"
  ln -s busybox "$root/bin/sh"
  install -m 0755 "$here/init.sh" "$root/init"
  install -m 0755 "$here/udhcpc-script.sh" "$root/bin/udhcpc-script"
  install -m 0755 "$here/https-post.sh" "$root/bin/bmp-post"
  install -D -m 0644 "$ca" "$root/etc/bmp/gateway-ca.pem"
  # openssl and the shared libraries it loads (with the dynamic loader), at their own paths.
  install -D -m 0755 "$openssl" "$root/usr/bin/openssl"
  for lib in $(ldd "$openssl" | grep -o '/[^ ]*'); do
    install -D -m 0755 "$lib" "$root$lib"
  done
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
  # Padded with zeros to a multiple of 4 bytes: on UEFI the kernel's EFI stub loads the initrds
  # named by initrd= end to end, and the kernel finds the next archive (the gateway's token
  # cpio) only at a 4-byte boundary; it skips zeros between archives.
  truncate -s %4 "$build.tmp/initrd.img"
  cp "$kernel_dir"/boot/vmlinuz-* "$build.tmp/vmlinuz"
  echo "$package" >"$build.tmp/kernel-package"
  rm -rf "$build" && mv "$build.tmp" "$build"
  how="built"
else
  how="cached"
fi
mkdir -p "$out"
cp "$build/vmlinuz" "$build/initrd.img" "$out/"
printf 'build-minimal: %s %s (kernel %s, initrd %s bytes) into %s in %s s\n' "$how" \
  "$(cat "$build/kernel-package")" "$(stat -c %s "$out/vmlinuz")" "$(stat -c %s "$out/initrd.img")" \
  "$out" "$(bmp_elapsed "$started_ms")"
