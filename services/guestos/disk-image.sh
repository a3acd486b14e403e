#!/usr/bin/env bash
# The whole-disk variant of the test GuestOS, for images registered with `format: qcow2`: a GPT
# disk with a 1 MiB bios_grub partition and an ext4 root labelled bmp-root (GPT type "Linux root
# (x86-64)", sgdisk 8304: what the agent's WriteImage looks for first) holding ROOT_DIR, GRUB
# i386-pc in the MBR (boots under SeaBIOS), converted to a compressed qcow2.
#
#   disk-image.sh ROOT_DIR KERNEL_VERSION SIZE_MB OUT.qcow2
#
# Called by build.sh. Root (a loop device, a mount). Needs sgdisk, losetup, mkfs.ext4 (-d),
# grub-install with /usr/lib/grub/i386-pc, qemu-img; apt-get installs what is missing.
set -euo pipefail
root="${1:?usage: disk-image.sh ROOT_DIR KERNEL_VERSION SIZE_MB OUT.qcow2}"
version="${2:?}" size_mb="${3:?}" out="${4:?}"
label=bmp-root
die() { echo "build-guestos (qcow2): $*" >&2; exit 1; }

missing=()
command -v qemu-img >/dev/null || missing+=(qemu-utils)
command -v sgdisk >/dev/null || missing+=(gdisk)
command -v grub-install >/dev/null || missing+=(grub2-common)
[ -d /usr/lib/grub/i386-pc ] || missing+=(grub-pc-bin)
if [ ${#missing[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" \
    >/dev/null || die "cannot install ${missing[*]}"
fi

work=$(mktemp -d) loop=""
cleanup() {
  if mountpoint -q "$work/mnt" 2>/dev/null; then umount -l "$work/mnt"; fi
  if [ -n "$loop" ]; then losetup -d "$loop"; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The partition's device node; without devtmpfs (some containers) made from sysfs' numbers.
part_node() {
  local dev=$1 numbers="/sys/class/block/${1#/dev/}/dev"
  for _ in $(seq 1 50); do
    [ -b "$dev" ] && return 0
    sleep 0.1
  done
  [ -r "$numbers" ] || die "the kernel shows no $dev"
  mknod "$dev" b "$(cut -d: -f1 "$numbers")" "$(cut -d: -f2 "$numbers")"
}

raw="$work/disk.raw"
truncate -s "${size_mb}M" "$raw"
sgdisk --new=1:2048:4095 --typecode=1:ef02 --change-name=1:bios_grub \
  --new=2:4096:0 --typecode=2:8304 --change-name=2:"$label" "$raw" >/dev/null
loop=$(losetup --find --show --partscan "$raw")
partx --update "$loop" # partx reads the GPT itself: not every kernel has a GPT parser
part_node "${loop}p2"
# -d copies the tree with its owners and modes: no mount needed to fill it.
mkfs.ext4 -q -F -L "$label" -d "$root" "${loop}p2"

mkdir "$work/mnt"
mount "${loop}p2" "$work/mnt"
printf 'LABEL=%s\t/\text4\tdefaults\t0\t1\n' "$label" >"$work/mnt/etc/fstab"
mkdir -p "$work/mnt/boot/grub"
cat >"$work/mnt/boot/grub/grub.cfg" <<EOF
# the BMP test GuestOS (services/guestos/disk-image.sh)
set timeout=1
set default=0
serial --unit=0 --speed=115200
terminal_input console serial
terminal_output console serial
insmod part_gpt
insmod ext2
search --no-floppy --set=root --label $label
menuentry 'BMP test GuestOS' {
    linux /boot/vmlinuz-$version root=LABEL=$label ro console=tty0 console=ttyS0,115200n8
    initrd /boot/initrd.img-$version
}
EOF
if ! grub-install --target=i386-pc --boot-directory="$work/mnt/boot" "$loop" \
  >"$work/grub.log" 2>&1; then
  die "grub-install failed: $(tail -n 3 "$work/grub.log")"
fi
umount "$work/mnt"
losetup -d "$loop" && loop=""
qemu-img convert -c -f raw -O qcow2 "$raw" "$out"
