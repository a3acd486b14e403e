# shellcheck shell=bash
# Shared by the LiveOS and GuestOS builders: which Debian kernel, fetched once into a cache, and
# how long a build took. Source it; it defines functions only.

# The linux-image package (BMP_LIVEOS_KERNEL_PACKAGE, else what linux-image-amd64 depends on).
bmp_kernel_package() {
  local package="${BMP_LIVEOS_KERNEL_PACKAGE:-}"
  if [ -z "$package" ]; then
    package=$(apt-cache depends linux-image-amd64 |
      sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1)
  fi
  [ -n "$package" ] || { echo "cannot tell which linux-image package to use" >&2; return 1; }
  echo "$package"
}

# bmp_kernel_dir CACHE PACKAGE: the package unpacked under CACHE (one exact package, never a
# glob: a glob pulls ~30 kernels), downloaded the first time only. Prints the directory.
bmp_kernel_dir() {
  local cache="$1" package="$2" dir="$1/$2"
  if [ ! -d "$dir/boot" ]; then
    mkdir -p "$cache/download"
    # apt-get's progress goes to stderr: this function's stdout is the directory only.
    (cd "$cache/download" && rm -f ./*.deb && apt-get download "$package" >&2 2>/dev/null)
    rm -rf "$dir.tmp" && dpkg-deb -x "$cache"/download/"$package"_*.deb "$dir.tmp"
    mv "$dir.tmp" "$dir" && rm -f "$cache"/download/"$package"_*.deb
  fi
  echo "$dir"
}

# bmp_elapsed STARTED_MS: seconds since STARTED_MS ($(date +%s%N) / 1000000), as 12.345.
bmp_elapsed() {
  local ms=$(($(date +%s%N) / 1000000 - $1))
  echo "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
}
