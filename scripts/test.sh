#!/usr/bin/env bash
# The whole test suite, as CI runs it: brings up the development host (installs and starts LXD,
# zfs-fuse, sanoid/syncoid, s3proxy — idempotent), then runs unit tests and the integration tests
# (*IT) against those real components.
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
    set -a
    # shellcheck disable=SC1091
    source /var/lib/terrarium-dev/devhost.env
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
    if ((${#missing[@]})); then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    fi
}

main "$@"
