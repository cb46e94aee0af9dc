#!/bin/sh
# Terrarium installer (local release). Run from an unpacked release:
#   tar xzf terrarium-<version>-linux-<arch>.tar.gz && sudo terrarium-<version>/install.sh
# Installs the release under /opt/terrarium/releases/<version>, points /opt/terrarium/current at it,
# links /usr/local/bin/terrariumctl and trm, and installs a Java runtime if none is present.
# Downloading a release by URL with SHA256SUMS verification and `terrariumctl install` come with
# host provisioning (see docs/install.md).
set -eu

PREFIX=/opt/terrarium
BIN_DIR=/usr/local/bin
DRY_RUN=0

log() { printf '%s\n' "$*"; }
err() { printf 'ERROR: %s\n' "$*" >&2; }

run() {
    if [ "$DRY_RUN" = 1 ]; then
        log "would run: $*"
    else
        "$@"
    fi
}

usage() {
    cat <<USAGE
Usage: install.sh [--prefix DIR] [--bin-dir DIR] [--dry-run]
  --prefix DIR   install root (default /opt/terrarium)
  --bin-dir DIR  where terrariumctl and trm are linked (default /usr/local/bin)
  --dry-run      print what would be done, change nothing
USAGE
}

check_system() {
    if [ "$(id -u)" != 0 ] && [ "$DRY_RUN" = 0 ]; then
        err "run as root (sudo $0)"; exit 1
    fi
    if [ ! -r /etc/os-release ]; then
        err "cannot identify the operating system (/etc/os-release missing)"; exit 1
    fi
    # shellcheck disable=SC1091
    . /etc/os-release
    case "${ID:-}:${VERSION_ID:-}" in
        ubuntu:24.04|debian:12) ;;
        *) err "unsupported system ${PRETTY_NAME:-unknown}: Terrarium supports Ubuntu 24.04 (Debian 12 for development)"; exit 1 ;;
    esac
    case "$(uname -m)" in
        x86_64|aarch64) ;;
        *) err "unsupported architecture $(uname -m): x86_64 or aarch64 required"; exit 1 ;;
    esac
}

release_dir() {
    dir=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
    if [ ! -f "$dir/lib/terrarium.jar" ]; then
        err "$dir is not an unpacked Terrarium release (lib/terrarium.jar missing)"; exit 1
    fi
    printf '%s' "$dir"
}

ensure_java() {
    if command -v java >/dev/null 2>&1; then
        return 0
    fi
    log "installing a Java runtime (openjdk-17-jre-headless)"
    run apt-get update -qq
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless
}

install_release() {
    src=$1
    version=$(basename "$src" | sed 's/^terrarium-//')
    target="$PREFIX/releases/$version"
    log "installing Terrarium $version into $target"
    run mkdir -p "$PREFIX/releases"
    if [ "$src" != "$target" ]; then
        run rm -rf "$target.new"
        run cp -a "$src" "$target.new"
        run rm -rf "$target"
        run mv "$target.new" "$target"
    fi
    run ln -sfn "$target" "$PREFIX/current.new"
    run mv -T "$PREFIX/current.new" "$PREFIX/current"
    run mkdir -p "$BIN_DIR"
    run ln -sfn "$PREFIX/current/bin/terrariumctl" "$BIN_DIR/terrariumctl"
    run ln -sfn "$PREFIX/current/bin/trm" "$BIN_DIR/trm"
}

main() {
    while [ $# -gt 0 ]; do
        case $1 in
            --prefix) PREFIX=$2; shift 2 ;;
            --bin-dir) BIN_DIR=$2; shift 2 ;;
            --dry-run) DRY_RUN=1; shift ;;
            -h|--help) usage; exit 0 ;;
            *) err "unknown option $1"; usage >&2; exit 2 ;;
        esac
    done
    check_system
    src=$(release_dir)
    ensure_java
    install_release "$src"
    log "done: run 'terrariumctl --help'"
}

main "$@"
