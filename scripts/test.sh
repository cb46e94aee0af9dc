#!/usr/bin/env bash
# The whole test suite, as CI runs it: brings up the development host (installs and starts LXD,
# zfs-fuse, sanoid/syncoid, s3proxy — idempotent) and the OpenZFS QEMU guest (builds its image when
# it is not cached, boots it with fresh pools; always powered off at the end), then runs unit tests
# and the integration tests (*IT) against those real components — the *OpenZfsIT group twice: on
# zfs-fuse and in the guest (docs/testing.md). A guest that cannot be built or booted fails the run.
set -euo pipefail

main() {
    local here
    here=$(cd "$(dirname "$0")/.." && pwd -P)
    cd "$here"
    if [[ ! -d ../shared/schemas ]]; then
        echo "ERROR: ../shared/schemas not found next to the repository (the Traefik schemas the tests validate against)" >&2
        exit 1
    fi
    ensure_build_tools
    bash scripts/devhost.sh up
    trap 'bash scripts/openzfs-guest.sh down' EXIT
    local start=$SECONDS
    if ! bash scripts/openzfs-guest.sh up; then
        echo "ERROR: the OpenZFS test guest could not be built or booted (see above); the OpenZFS group cannot run" >&2
        exit 1
    fi
    echo "==> OpenZFS guest ready in $((SECONDS - start)) s"
    # The dev host again, right before the tests: a daemon that died since `up` (CI, session 11:
    # a zfs-fuse started at the very beginning of the run was gone seconds later) is started
    # again here rather than failing tests one by one.
    if ! bash scripts/devhost.sh status >/dev/null; then
        bash scripts/devhost.sh status || true
        echo "==> the dev host lost a component since up; starting it again"
        bash scripts/devhost.sh up
    fi
    set -a
    # shellcheck disable=SC1091
    source /var/lib/terrarium-dev/devhost.env
    # shellcheck disable=SC1091
    source /var/lib/terrarium-dev/openzfs.env
    set +a
    # the Debian 12 system-container image of the converge and profile tests (cached by content)
    bash scripts/debian-container-image.sh >/dev/null
    mvn -B -ntp verify -DskipITs=false "$@"
}

ensure_build_tools() {
    local missing=()
    command -v javac >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
    command -v mvn >/dev/null 2>&1 || missing+=(maven)
    command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
    command -v ansible-playbook >/dev/null 2>&1 || missing+=(ansible-core)
    command -v ansible-lint >/dev/null 2>&1 || missing+=(ansible-lint)
    # AnsibleConvergeIT reaches its container through community.general's lxd connection
    ansible-doc -t connection community.general.lxd >/dev/null 2>&1 || missing+=(ansible)
    command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
    # StatusDaemonRowTest and JobTriggerStaleDaemonTest hold a real process under gdb (state t)
    command -v gdb >/dev/null 2>&1 || missing+=(gdb)
    # ConsoleBrowserIT drives Debian's browser with Selenium (never a downloaded one)
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
    if ((${#missing[@]})); then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    fi
    ensure_promtool
}

# AlertRulesTest loads docs/alerts/terrarium.rules.yml with promtool (check rules, test rules).
# Only the promtool binary is taken from Debian's prometheus package (19 MB download): installing
# the package would add a Prometheus server and start its service on this machine.
ensure_promtool() {
    command -v promtool >/dev/null 2>&1 && return 0
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && apt-get download prometheus >/dev/null 2>&1) || { apt-get update -qq && (cd "$tmp" && apt-get download prometheus); }
    dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x"
    install -m 0755 "$tmp/x/usr/bin/promtool" /usr/local/bin/promtool
    rm -rf "$tmp"
}

main "$@"
