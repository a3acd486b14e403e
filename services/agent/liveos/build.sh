#!/usr/bin/env bash
# Builds the agent LiveOS: a Debian kernel + an initramfs that is a whole Debian bookworm
# minbase root (python3, the disk tools of packages.txt, the agent package) whose /init
# (init-agent.sh) leases an address and runs `python3 -m bmp_agent`.
#
#   services/agent/liveos/build.sh OUT_DIR     # writes OUT_DIR/vmlinuz, OUT_DIR/initrd.img
#
# Two cached stages under BMP_LIVEOS_CACHE (default ~/.cache/bmp/liveos), never the repository:
#   base-<key>.tar    mmdebstrap of packages.txt (minutes; redone only when the list changes)
#   agent-<key>/      the packed initramfs (seconds; redone when the agent, init or kernel change)
# Environment: BMP_LIVEOS_GATEWAY_CA (required: the agent gateway's CA certificate, embedded at
# /etc/bmp/gateway-ca.pem; the agent trusts only a gateway with a certificate of it),
# BMP_LIVEOS_AGENT_DIR (default services/agent/bmp_agent), BMP_LIVEOS_MIRROR,
# BMP_LIVEOS_KERNEL_PACKAGE (as build-minimal.sh). Needs root, mmdebstrap, cpio, zstd.
set -euo pipefail
out="${1:?usage: build.sh OUT_DIR}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
agent="${BMP_LIVEOS_AGENT_DIR:-$here/../bmp_agent}"
cache="${BMP_LIVEOS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bmp/liveos}"
mirror="${BMP_LIVEOS_MIRROR:-http://deb.debian.org/debian}"
suite=bookworm
started_ms=$(($(date +%s%N) / 1000000))
say() { echo "build-liveos: $*" >&2; }
die() { say "$*"; exit 1; }

[ -f "$agent/__main__.py" ] || die "no agent package at $agent (set BMP_LIVEOS_AGENT_DIR)"
# shellcheck source=services/agent/liveos/gateway-ca.sh
source "$here/gateway-ca.sh"
ca=$(bmp_gateway_ca) || die "no gateway CA"
command -v mmdebstrap >/dev/null || die "mmdebstrap is missing (apt-get install mmdebstrap)"
mkdir -p "$cache"

# Same kernel as the minimal LiveOS.
# shellcheck source=services/agent/liveos/kernel.sh
source "$here/kernel.sh"
package=$(bmp_kernel_package) || die "no kernel package"
kernel_dir=$(bmp_kernel_dir "$cache" "$package")
version=$(basename "$(ls -d "$kernel_dir"/lib/modules/*)")

# -- stage 1: the Debian root ---------------------------------------------------------------
packages=$(sed -e 's/#.*//' "$here/packages.txt" | xargs | tr ' ' ,)
base_key=$(echo "$suite $mirror $packages" | sha256sum | cut -c1-16)
base="$cache/base-$base_key.tar"
if [ ! -s "$base" ]; then
  say "mmdebstrap $suite: $packages"
  # shellcheck disable=SC2016  # $1 is the hook's argument, expanded by mmdebstrap
  mmdebstrap --variant=minbase --format=tar --include="$packages" --quiet \
    --aptopt='Apt::Install-Recommends "false"' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*' \
    "$suite" "$base.tmp" "$mirror" >&2
  mv "$base.tmp" "$base"
fi

# -- stage 2: agent, init, kernel modules, packed -------------------------------------------
key=$( (
  echo "$base_key $package"
  cat "$0" "$here/init-agent.sh" "$here/udhcpc-script.sh"
  cd "$agent" && find . -name '*.py' -not -path '*/tests/*' | LC_ALL=C sort | xargs sha256sum
) | sha256sum | cut -c1-16)
build="$cache/agent-$key"
if [ ! -s "$build/initrd.img" ]; then
  root=$(mktemp -d)
  trap 'rm -rf "$root" "$build.tmp"' EXIT
  tar -xf "$base" -C "$root"
  # Size: no byte-code caches, no Python test suites or GUI, no apt state (the LiveOS never
  # installs anything).
  find "$root" -name __pycache__ -prune -exec rm -rf {} +
  python=$(cd "$root/usr/lib" && ls -d python3.* | head -n 1)
  for dir in test idlelib tkinter turtledemo ensurepip lib2to3 pydoc_data unittest/test; do
    rm -rf "${root:?}/usr/lib/$python/$dir"
  done
  # (Deleted here, not excluded with dpkg's path-exclude: that made mmdebstrap fail.)
  rm -rf "$root"/var/cache/* "$root"/var/lib/apt "$root"/usr/share/bug "$root"/usr/share/lintian
  rm -rf "$root"/usr/share/doc "$root"/usr/share/man "$root"/usr/share/info "$root"/usr/share/locale

  # Only the drivers a server's install needs: NICs, disk controllers, file systems, md RAID.
  modules="$kernel_dir/lib/modules/$version"
  target="$root/lib/modules/$version"
  mkdir -p "$target"
  cp "$modules"/modules.order "$modules"/modules.builtin* "$target/"
  for tree in drivers/block drivers/md drivers/virtio drivers/ata drivers/nvme drivers/scsi \
    drivers/net/ethernet drivers/net/virtio_net.ko drivers/net/net_failover.ko \
    drivers/net/mii.ko drivers/net/mdio drivers/net/phy drivers/net/mdio.ko drivers/char/ipmi \
    drivers/firmware/efi drivers/pci/controller fs/ext4 fs/jbd2 fs/mbcache.ko fs/xfs fs/fat \
    fs/nls fs/efivarfs net/core/failover.ko lib crypto arch/x86/crypto block; do
    [ -e "$modules/kernel/$tree" ] || continue
    mkdir -p "$target/kernel/$(dirname "$tree")"
    cp -a "$modules/kernel/$tree" "$target/kernel/$tree"
  done
  depmod -b "$root" "$version"
  # What the agent's steps load by name (bmp_agent/kmod.py: the ESP's FAT, md and its RAID
  # levels) and what udev loads for the disks and NICs the e2e servers have: missing = no build.
  for module in vfat nls_cp437 nls_utf8 md_mod raid0 raid1 raid10 raid456 nvme virtio_blk \
    virtio_scsi virtio_net ahci efivarfs; do
    modinfo -b "$root" -k "$version" -F filename "$module" >/dev/null 2>&1 ||
      die "the kernel module $module is not in the LiveOS ($package)"
  done

  install -m 0755 "$here/init-agent.sh" "$root/init"
  install -D -m 0755 "$here/udhcpc-script.sh" "$root/usr/share/bmp/udhcpc-script"
  site="$root/usr/lib/python3/dist-packages/bmp_agent"
  mkdir -p "$site"
  (cd "$agent" && find . -name '*.py' -not -path '*/tests/*' -not -path './tests' |
    cpio -pdm --quiet "$site")
  echo bmp-liveos >"$root/etc/hostname"
  : >"$root/etc/fstab"

  mkdir -p "$build.tmp"
  (cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | zstd -q -T0 -12) \
    >"$build.tmp/initrd.img"
  # Padded with zeros to a multiple of 4 bytes: on UEFI the kernel's EFI stub loads the initrds
  # named by initrd= end to end, and the kernel finds the next archive (the gateway's token
  # cpio) only at a 4-byte boundary; it skips zeros between archives.
  truncate -s %4 "$build.tmp/initrd.img"
  cp "$kernel_dir/boot/vmlinuz-$version" "$build.tmp/vmlinuz"
  echo "$package" >"$build.tmp/kernel-package"
  du -sm "$root" | cut -f1 >"$build.tmp/root-mb"
  rm -rf "$build" && mv "$build.tmp" "$build"
  how="built"
else
  how="cached"
fi
mkdir -p "$out"
cp "$build/vmlinuz" "$build/initrd.img" "$out/"
# The gateway's CA (public; the token comes per boot) in a small cpio appended to the packed
# root: the kernel unpacks archives laid end to end, so a new CA (each test session makes one)
# does not re-pack the 90 MB initramfs. No "." entry: it would set the mode of /.
ca_root=$(mktemp -d)
install -D -m 0644 "$ca" "$ca_root/etc/bmp/gateway-ca.pem"
(cd "$ca_root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) \
  >>"$out/initrd.img"
rm -rf "$ca_root"
truncate -s %4 "$out/initrd.img" # the token cpio that follows must start on a 4-byte boundary
printf 'build-liveos: %s %s (kernel %s bytes, initrd %s bytes, root %s MB unpacked) into %s in %s s\n' \
  "$how" "$(cat "$build/kernel-package")" "$(stat -c %s "$out/vmlinuz")" \
  "$(stat -c %s "$out/initrd.img")" "$(cat "$build/root-mb")" "$out" "$(bmp_elapsed "$started_ms")"
