#!/usr/bin/env bash
# Sets up and runs every test: lint, then the suite on SQLite + a private redis-server, then the
# same suite on MariaDB/MySQL + RabbitMQ + Redis when those servers answer.
#
#   BMP_TEST_DATABASE_URL  default mysql://root@127.0.0.1:3306/bmp
#   BMP_TEST_BROKER_URL    default amqp://guest:guest@127.0.0.1:5672//
#   BMP_TEST_REDIS_URL     default redis://127.0.0.1:6379/0 (the run's first database: six a worker)
#   BMP_TEST_EXTERNAL      auto (default: run the second pass if the servers answer), 1 (must), 0 (skip)
#   BMP_TEST_IMAGES        0 (default): no image stage; 1: build every image daemonless and run
#                          the podman smoke test (pytest -m images) before the first pass;
#                          background: the same, alongside the first pass, waited for after it
# Extra arguments go to pytest, e.g. ./run-tests.sh -k envelope
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
VENV="${BMP_VENV:-$ROOT/.venv}"

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v shellcheck >/dev/null 2>&1 || need_apt+=(shellcheck)
command -v ipmitool >/dev/null 2>&1 || need_apt+=(ipmitool)
# In-band monitoring: the real Prometheus, Pushgateway and Alertmanager (and promtool).
command -v prometheus >/dev/null 2>&1 || need_apt+=(prometheus)
command -v prometheus-pushgateway >/dev/null 2>&1 || need_apt+=(prometheus-pushgateway)
command -v prometheus-alertmanager >/dev/null 2>&1 || need_apt+=(prometheus-alertmanager)
[[ -f /usr/lib/ipxe/undionly.kpxe ]] || need_apt+=(ipxe)
command -v busybox >/dev/null 2>&1 || need_apt+=(busybox-static)
# The flight recorder's DHCP lab tests relay a TCP redis into their namespace (test_flight_recorder.py).
command -v socat >/dev/null 2>&1 || need_apt+=(socat)
command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)
command -v ssh-keygen >/dev/null 2>&1 || need_apt+=(openssh-client)
# GNU cpio reads back the agent-token archives the gateway writes (shared/bmp_common/tests/test_cpio.py).
command -v cpio >/dev/null 2>&1 || need_apt+=(cpio)
# bmp-rsyslog, the LiveOS agents' syslog receiver (tests/integration/test_rsyslog.py).
command -v rsyslogd >/dev/null 2>&1 || need_apt+=(rsyslog)
# bmpctl's zsh completion script is loaded by a real zsh (services/ctl/tests/test_completion.py).
command -v zsh >/dev/null 2>&1 || need_apt+=(zsh)
# The lab's QEMU servers (services/lab/tests/test_qemu.py); a missing tool fails a test, never skips it.
command -v qemu-system-x86_64 >/dev/null 2>&1 || need_apt+=(qemu-system-x86)
# UEFI servers (OVMF) and their ESP read from the host without mounting it (tests/e2e).
[[ -f /usr/share/OVMF/OVMF_CODE_4M.fd ]] || need_apt+=(ovmf)
command -v mdir >/dev/null 2>&1 || need_apt+=(mtools)
# The LiveOS agent's disk tools, for its tests on loop devices.
for tool in sgdisk:gdisk parted:parted sfdisk:fdisk mkfs.xfs:xfsprogs mkfs.vfat:dosfstools \
  mdadm:mdadm grub-install:grub2-common qemu-img:qemu-utils; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || need_apt+=("${tool#*:}")
done
[[ -d /usr/lib/grub/i386-pc ]] || need_apt+=(grub-pc-bin)
[[ -d /usr/lib/grub/x86_64-efi ]] || need_apt+=(grub-efi-amd64-bin)
pkg-config --exists mysqlclient 2>/dev/null || need_apt+=(default-libmysqlclient-dev pkg-config build-essential)
python3 -c 'import ensurepip' 2>/dev/null || need_apt+=(python3-venv)
# The web consoles: Debian's nginx serves them, Debian's chromium runs their browser tests
# (Playwright drives it; no browser download), CJK fonts for the Chinese screenshots.
[[ -x /usr/sbin/nginx ]] || need_apt+=(nginx)
command -v envsubst >/dev/null 2>&1 || need_apt+=(gettext-base)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
[[ -d /usr/share/fonts/opentype/noto ]] || need_apt+=(fonts-noto-cjk)
# The service images without a Docker engine or a registry (BMP_TEST_IMAGES): buildah builds on
# local Debian bases that mmdebstrap makes, dpkg-scanpackages indexes the .debs fetched for them,
# podman (runc, slirp4netns) runs them.
images="${BMP_TEST_IMAGES:-0}"
if [[ "$images" != 0 ]]; then
  for tool in buildah:buildah podman:podman mmdebstrap:mmdebstrap runc:runc \
    slirp4netns:slirp4netns dpkg-scanpackages:dpkg-dev; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || need_apt+=("${tool#*:}")
  done
fi
if [[ ${#need_apt[@]} -gt 0 ]]; then
  echo "== installing ${need_apt[*]} (apt)"
  as_root apt-get update -q >/dev/null
  # (RUNLEVEL=1: Debian's nginx package must not start its own site on :80)
  as_root env RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_apt[@]}" >/dev/null
fi

EXTRAS="openapi,scheduler,driver,dhcp,tftp,image,lab,bff,oob-agent,oob-alert,monitor,pronoea,ctl,mysql,local,dev"
stamp="$VENV/.bmp-test-installed"
want="$(sha256sum pyproject.toml | cut -c1-16)"
if [[ ! -x "$VENV/bin/python" || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "== installing bmp[$EXTRAS] into $VENV"
  [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
  # (this machine's pip configuration warns about absent local indexes: not our news)
  "$VENV/bin/pip" install -q --disable-pip-version-check -e ".[$EXTRAS]" \
    2> >(grep -v '^WARNING: Location' >&2)
  echo "$want" >"$stamp"
fi
export PATH="$VENV/bin:$PATH"

echo "== ruff, shellcheck"
ruff check .
ruff format --check .
shellcheck -x bmp-deploy.sh bmp-build-image.sh run-tests.sh .ci/run deploy/local/*.sh deploy/docker/*.sh

# The web consoles (services/web_common and the apps): Node >= 20.19 and npm, the packages from
# the lockfile, then lint, type check, unit tests, the build (which the browser tests serve) and
# the size of the JavaScript a first page loads.
echo "== web consoles: npm ci, eslint, vue-tsc, vitest, vite build"
deploy/local/console-web-build.sh
npm run lint --silent
npm run typecheck --silent
npx vitest run --reporter=dot
node services/web_common/scripts/check-size.mjs services/console_web/dist 300 \
  src/pages/LoginView.vue src/pages/InstanceListPage.vue src/pages/InstanceDetailPage.vue \
  src/pages/monitoring/AlarmRulesPage.vue
node services/web_common/scripts/check-size.mjs services/operation_web/dist 300 \
  src/components/LoginView.vue src/pages/DeviceListPage.vue src/pages/DeviceTypeEditPage.vue \
  src/pages/oob/FaultLogPage.vue

# Tests choose their servers from these keys only; the caller's .env must not leak in.
unset BMP_DATABASE_URL BMP_DB_HOST BMP_REDIS_URL BMP_REDIS_HOST BMP_BROKER_URL BMP_MQ_HOST

# The scheduler is a Django project of its own: its tests run in a pytest of their own.
# The whole first pass runs on every core (BMP_TEST_WORKERS, default 2: pytest-xdist), a test
# file's tests on one worker (a module's platform is started once). Every test takes its ports,
# namespaces and folders fresh, and each worker has its own private redis-server.
workers="${BMP_TEST_WORKERS:-2}"
pytest_all() {
  if [[ $# -eq 0 ]]; then
    # The slowest tests are printed, so that a run that got slower says where.
    python -m pytest -n "$workers" --dist loadfile --durations=25
    DJANGO_SETTINGS_MODULE=bmp_scheduler.settings python -m pytest -n "$workers" --dist loadfile \
      services/scheduler/tests
  elif [[ "$*" == *services/scheduler* ]]; then
    DJANGO_SETTINGS_MODULE=bmp_scheduler.settings python -m pytest "$@"
  else
    python -m pytest "$@"
  fi
}

# The service images (issue 21): `bmp-build-image.sh build all` with buildah (no build step
# reaches the network; the consoles' files are the ones built above) into a registry of the
# test's own, again with nothing changed (no image is built), then each image inspected (not
# root, no secret, a healthcheck) and started with podman. .ci/run runs it in the background.
# Measured on this 2-core machine (bench/README.md): cold (fresh machine: empty
# /var/cache/bmp-build and image store) ~6.5 min alone and ~130 CPU-seconds, mostly waiting on
# the mirror and the disk; warm (a rerun: everything up to date by the hash of its inputs) under
# a minute and ~12 CPU-seconds. In the background it costs the first pass about its CPU share.
images_stage=(python -m pytest -m images tests/integration/test_images_podman.py -q -rA)
images_pid=""
case "$images" in
  0) ;;
  1)
    echo "== images: build all (buildah), podman smoke test"
    "${images_stage[@]}"
    ;;
  background)
    echo "== images: build all (buildah), podman smoke test, in the background (var/test-images.log)"
    mkdir -p var
    # In a process group of its own (setsid), so that a failed first pass, which ends the
    # script, ends the whole stage with it: pytest, the build and its buildah processes.
    setsid --wait "${images_stage[@]}" >var/test-images.log 2>&1 &
    images_pid=$!
    trap 'kill -- -"$images_pid" 2>/dev/null || true' EXIT
    ;;
  *)
    echo "BMP_TEST_IMAGES must be 0, 1 or background, not $images" >&2
    exit 2
    ;;
esac

echo "== pytest: SQLite + private redis-server"
# 12 schemathesis examples per operation here (the test's own default is 30; its first examples
# find what the fuzzer finds at all): the whole run stays under 45 minutes.
BMP_FUZZ_EXAMPLES="${BMP_FUZZ_EXAMPLES:-12}" pytest_all "$@"

if [[ -n "$images_pid" ]]; then
  echo "== images: waiting for the background stage"
  if ! wait "$images_pid"; then
    cat var/test-images.log
    exit 1
  fi
  trap - EXIT
  grep -E '^image build:|healthy after' var/test-images.log || true
  tail -n 1 var/test-images.log
fi

# Network boot end to end (QEMU, a namespace, taps; root): once, on its own SQLite and redis.
if [[ $# -eq 0 ]]; then
  echo "== pytest -m e2e: network boot"
  python -m pytest tests/e2e -m e2e --durations=10
fi

db_url="${BMP_TEST_DATABASE_URL:-mysql://root@127.0.0.1:3306/bmp}"
broker_url="${BMP_TEST_BROKER_URL:-amqp://guest:guest@127.0.0.1:5672//}"
redis_url="${BMP_TEST_REDIS_URL:-redis://127.0.0.1:6379/0}"
external="${BMP_TEST_EXTERNAL:-auto}"
[[ "$external" == 0 ]] && exit 0

if ! python - "$db_url" "$broker_url" "$redis_url" <<'PY'; then
import socket, sys
from urllib.parse import urlsplit
for url in sys.argv[1:]:
    parts = urlsplit(url)
    default = {"mysql": 3306, "mariadb": 3306, "amqp": 5672, "redis": 6379}[parts.scheme]
    try:
        socket.create_connection((parts.hostname, parts.port or default), timeout=2).close()
    except OSError:
        print(f"not reachable: {parts.scheme}://{parts.hostname}:{parts.port or default}")
        sys.exit(1)
PY
  if [[ "$external" == 1 ]]; then
    echo "BMP_TEST_EXTERNAL=1 but the servers above do not answer" >&2
    exit 1
  fi
  echo "== skipping the MariaDB/RabbitMQ/Redis pass: servers not reachable"
  exit 0
fi

echo "== pytest: MariaDB/MySQL + RabbitMQ + Redis"
export BMP_DATABASE_URL="$db_url" BMP_BROKER_URL="$broker_url" BMP_REDIS_URL="$redis_url"
# The fuzzing repeats the first pass's first examples: what differs here is the database.
export BMP_FUZZ_EXAMPLES="${BMP_FUZZ_EXAMPLES_EXTERNAL:-3}"
if [[ $# -eq 0 ]]; then
  # What this pass adds is the database and the broker: suites that touch neither ran above
  # (boot files, disks, codecs, BMC emulators, CLI rendering, static checks of the images), and
  # the permission matrix, whose answers come from the roles, not from the database engine (the
  # row-scoping tests, which query it, stay), and the web consoles in a browser (what they show
  # comes through the BFFs, whose own tests stay).
  # (A folder named in testpaths is collected whatever --ignore says: --ignore-glob its files.)
  set -- --ignore-glob='services/tftp/tests/*' --ignore-glob='services/image/tests/*' \
    --ignore-glob='services/lab/tests/*' --ignore=services/driver/tests/test_backends.py \
    --ignore=services/driver/tests/test_redfish.py \
    --ignore-glob='services/agent/tests/*' --ignore-glob='services/ctl/tests/*' \
    --ignore-glob='services/monitor_agent/tests/*' --ignore-glob='services/pronoea/tests/*' \
    --ignore=tests/test_docker_static.py --ignore=tests/test_deploy_docker_mode.py \
    --ignore=services/openapi/tests/test_rbac_matrix.py \
    --ignore=tests/integration/test_console_web.py \
    --ignore=tests/integration/test_operation_web.py \
    --ignore=services/dhcp_agent/tests/test_dhcp_codec.py \
    --ignore=services/dhcp_agent/tests/test_dhcp_policy.py \
    --ignore=services/dhcp_agent/tests/test_dhcp_server.py \
    --ignore=services/dhcp_agent/tests/test_dhcp_netns.py
  # On every core too: pytest-django gives each worker its own test database, and the plugin
  # its own six redis databases (BMP_REDIS_DB_BASE: 0-5, 6-11) and RabbitMQ vhost. The chaos
  # test then runs alone: its deadlines measure the platform through a broker outage, not a
  # neighbour's load.
  python -m pytest -n "$workers" --dist loadfile --durations=25 \
    --ignore=tests/integration/test_chaos.py "$@"
  python -m pytest tests/integration/test_chaos.py
  DJANGO_SETTINGS_MODULE=bmp_scheduler.settings python -m pytest -n "$workers" --dist loadfile \
    services/scheduler/tests
else
  pytest_all "$@"
fi
