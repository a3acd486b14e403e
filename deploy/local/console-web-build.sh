#!/usr/bin/env bash
# Builds the web consoles' files (services/console_web/dist, services/operation_web/dist) when they are missing or older than
# their sources: `npm ci` from the lockfile when it changed, then `vite build`. Needs Node
# >= 20.19 and npm. Used by bmp-deploy.sh (start) and the browser tests.
# --dist-only (bmp-build-image.sh): only the built files are wanted, so when both are up to date
# nothing runs, not even npm ci on a tree without node_modules (nor is Node needed).
#
#   deploy/local/console-web-build.sh [--force | --dist-only]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# The built files are public (nginx's workers read them as another user): whatever umask the
# caller has (bmp-deploy.sh's is 077), they are readable by all; no secret is ever in them.
umask 022
readable() { [[ ! -d "$1" ]] || chmod -R u=rwX,go=rX "$1"; }

# What a build of an app depends on: the lockfile and every source file of the shared package
# and the app.
sources_hash() {
  {
    sha256sum package.json package-lock.json
    find services/web_common "services/$1" -type f \
      -not -path '*/node_modules/*' -not -path '*/dist/*' -not -path '*/tests/*' -print0 |
      sort -z | xargs -0 sha256sum
  } | sha256sum | cut -c1-32
}
up_to_date() { [[ -f "services/$1/dist/.bmp-build-hash" && "$(cat "services/$1/dist/.bmp-build-hash")" == "$(sources_hash "$1")" ]]; }

if [[ "${1:-}" == "--dist-only" ]] && up_to_date console_web && up_to_date operation_web; then
  readable services/console_web/dist
  readable services/operation_web/dist
  exit 0
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "console-web: Node.js >= 20.19 and npm are needed to build the console (https://nodejs.org)" >&2
  exit 1
fi
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "console-web: Node.js $(node --version) is too old, >= 20.19 is needed" >&2
  exit 1
fi

lock_hash="$(sha256sum package-lock.json | cut -c1-32)"
if [[ ! -f node_modules/.bmp-lock-hash || "$(cat node_modules/.bmp-lock-hash)" != "$lock_hash" ]]; then
  echo "console-web: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" >node_modules/.bmp-lock-hash
fi

# Each console (the tenants' and the operators'), rebuilt only when its sources changed.
for app in console_web operation_web; do
  dist="services/$app/dist"
  want="$(sources_hash "$app")"
  stamp="$dist/.bmp-build-hash"
  if [[ "${1:-}" != "--force" ]] && up_to_date "$app"; then
    readable "$dist"
    continue
  fi
  echo "${app//_/-}: vite build"
  npm run build --workspace "services/$app" --silent >/dev/null
  echo "$want" >"$stamp"
  readable "$dist"
done
