#!/bin/sh
# Terrarium installer.
#
#   curl -fsSL <release-url>/install.sh | sh -s -- [install.sh flags] [terrariumctl install flags]
#   tar xzf terrarium-<version>-linux-<arch>.tar.gz && sudo terrarium-<version>/install.sh
#
# Download mode (the default when not run from an unpacked release, or with --base-url/--ref):
# fetches SHA256SUMS and terrarium-<version>-linux-<arch>.tar.gz from <base-url>/<ref>/, verifies
# the tarball's SHA-256 and refuses on a mismatch (nothing is installed). Local mode: installs the
# release this script is part of. Both install under <prefix>/releases/<version>, point
# <prefix>/current at it, link terrariumctl and trm into the bin dir, install a Java runtime and
# Ansible from the distribution's packages when missing, then run `terrariumctl install` with
# every flag this script did not consume. See docs/install.md.
#
# All logic is in functions; `main "$@"` is the last line, so a half-downloaded script does nothing.
set -eu

DEFAULT_BASE_URL=https://github.com/terrarium-project/terrarium/releases/download

PREFIX=/opt/terrarium
BIN_DIR=/usr/local/bin
SHARE_DIR=
BASE_URL=${TERRARIUM_RELEASE_URL:-}
REF=latest
DRY_RUN=0
UPDATE=0
ASSUME_YES=0
LOCAL_SRC=
FORWARD=
WORK_DIR=
# Test seams (docs/install.md, "Testing the installer"): another os-release file, another
# machine name, another program instead of the installed terrariumctl.
OS_RELEASE=${TERRARIUM_OS_RELEASE:-/etc/os-release}

log() { printf '%s\n' "$*"; }
err() { printf 'ERROR: %s\n' "$*" >&2; }
die() { err "$*"; exit 1; }

run() {
    if [ "$DRY_RUN" = 1 ]; then
        log "would run: $*"
    else
        "$@"
    fi
}

usage() {
    cat <<USAGE
Usage: install.sh [options] [terrariumctl install flags...]

Installs (or updates) Terrarium, then runs 'terrariumctl install' with every flag below that
install.sh does not know (e.g. --non-interactive --yes --email you@example.com).

Options:
  --base-url URL  release server (default \$TERRARIUM_RELEASE_URL, else $DEFAULT_BASE_URL);
                  files are fetched from URL/REF/SHA256SUMS and URL/REF/terrarium-<v>-linux-<arch>.tar.gz
  --ref TAG       release to install (default: latest)
  --update        replace an installed release by the fetched one without asking, then re-apply
                  (terrariumctl reconfigure)
  --prefix DIR    install root (default /opt/terrarium)
  --bin-dir DIR   where terrariumctl and trm are linked (default /usr/local/bin)
  --share-dir DIR where the bash completion script and the man pages are linked
                  (default: <bin-dir>/../share, i.e. /usr/local/share)
  --dry-run       print what would be done, change nothing
  -h, --help      this help
USAGE
}

# Appends one argument, shell-quoted, to FORWARD (POSIX sh has no arrays).
forward() {
    FORWARD="$FORWARD '$(printf '%s' "$1" | sed "s/'/'\\\\''/g")'"
}

need_value() {
    [ $# -ge 2 ] || { err "$1 needs a value"; usage >&2; exit 2; }
}

parse_args() {
    while [ $# -gt 0 ]; do
        case $1 in
            --prefix) need_value "$@"; PREFIX=$2; shift 2 ;;
            --prefix=*) PREFIX=${1#*=}; shift ;;
            --bin-dir) need_value "$@"; BIN_DIR=$2; shift 2 ;;
            --share-dir) need_value "$@"; SHARE_DIR=$2; shift 2 ;;
            --share-dir=*) SHARE_DIR=${1#*=}; shift ;;
            --bin-dir=*) BIN_DIR=${1#*=}; shift ;;
            --base-url) need_value "$@"; BASE_URL=$2; shift 2 ;;
            --base-url=*) BASE_URL=${1#*=}; shift ;;
            --ref) need_value "$@"; REF=$2; shift 2 ;;
            --ref=*) REF=${1#*=}; shift ;;
            --update) UPDATE=1; shift ;;
            --dry-run) DRY_RUN=1; shift ;;
            -h|--help) usage; exit 0 ;;
            --yes|-y) ASSUME_YES=1; forward "$1"; shift ;;
            *) forward "$1"; shift ;;
        esac
    done
    case $REF in
        ''|*/*|*..*) die "invalid --ref '$REF'" ;;
    esac
}

check_system() {
    if [ "$(id -u)" != 0 ] && [ "$DRY_RUN" = 0 ]; then
        die "run as root (sudo sh install.sh ...)"
    fi
    if [ ! -r "$OS_RELEASE" ]; then
        die "cannot identify the operating system ($OS_RELEASE missing)"
    fi
    os_id=$(os_field ID)
    os_version=$(os_field VERSION_ID)
    os_name=$(os_field PRETTY_NAME)
    case "$os_id:$os_version" in
        ubuntu:24.04|debian:12) ;;
        *) die "unsupported system '${os_name:-$os_id $os_version}': Terrarium supports Ubuntu 24.04 (and Debian 12 for development)" ;;
    esac
    machine=${TERRARIUM_UNAME_M:-$(uname -m)}
    case $machine in
        x86_64|amd64) ARCH=amd64 ;;
        aarch64|arm64) ARCH=arm64 ;;
        *) die "unsupported architecture '$machine': Terrarium supports x86_64 and aarch64" ;;
    esac
}

# One field of os-release, read without sourcing the file.
os_field() {
    sed -n "s/^$1=//p" "$OS_RELEASE" | head -n 1 | sed 's/^"\(.*\)"$/\1/; s/^'"'"'\(.*\)'"'"'$/\1/'
}

# Local mode when this script sits in an unpacked release and no download was asked for.
detect_mode() {
    if [ -n "$BASE_URL" ] || [ "$REF" != latest ]; then
        return 0
    fi
    case $(basename -- "$0") in
        install.sh) ;;
        *) return 0 ;;
    esac
    dir=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
    if [ -f "$dir/lib/terrarium.jar" ] && [ -x "$dir/bin/terrariumctl" ]; then
        LOCAL_SRC=$dir
    fi
}

fetch() {
    if command -v curl >/dev/null 2>&1; then
        curl -fsSL --proto '=https,http' --retry 2 -o "$2" "$1"
    elif command -v wget >/dev/null 2>&1; then
        wget -q -O "$2" "$1"
    else
        die "neither curl nor wget is installed (apt-get install curl)"
    fi
}

cleanup() {
    if [ -n "$WORK_DIR" ] && [ -d "$WORK_DIR" ]; then
        rm -rf "$WORK_DIR"
    fi
}

# Fetches SHA256SUMS and sets VERSION and TARBALL from its line for this architecture.
resolve_release() {
    base=${BASE_URL:-$DEFAULT_BASE_URL}
    URL="${base%/}/$REF"
    WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/terrarium-install.XXXXXX")
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    log "fetching $URL/SHA256SUMS"
    fetch "$URL/SHA256SUMS" "$WORK_DIR/SHA256SUMS" || die "cannot download $URL/SHA256SUMS"
    TARBALL=$(awk -v arch="$ARCH" '$2 ~ "^\\*?terrarium-[A-Za-z0-9._+-]+-linux-" arch "\\.tar\\.gz$" { sub(/^\*/, "", $2); print $2; exit }' \
        "$WORK_DIR/SHA256SUMS")
    [ -n "$TARBALL" ] || die "$URL/SHA256SUMS lists no terrarium-<version>-linux-$ARCH.tar.gz"
    VERSION=$(printf '%s' "$TARBALL" | sed "s/^terrarium-\(.*\)-linux-$ARCH\.tar\.gz$/\1/")
}

# Downloads the tarball, verifies it against SHA256SUMS and unpacks it in WORK_DIR; sets LOCAL_SRC.
download_release() {
    log "fetching $URL/$TARBALL"
    fetch "$URL/$TARBALL" "$WORK_DIR/$TARBALL" || die "cannot download $URL/$TARBALL"
    awk -v f="$TARBALL" '{ n = $2; sub(/^\*/, "", n) } n == f && $1 ~ /^[0-9a-fA-F]+$/ && length($1) == 64 { print $1 "  " n; exit }' \
        "$WORK_DIR/SHA256SUMS" > "$WORK_DIR/SHA256SUMS.mine"
    [ -s "$WORK_DIR/SHA256SUMS.mine" ] || die "SHA256SUMS has no valid SHA-256 line for $TARBALL"
    if ! (cd "$WORK_DIR" && sha256sum -c --status SHA256SUMS.mine); then
        die "checksum mismatch for $TARBALL (expected $(cut -d' ' -f1 "$WORK_DIR/SHA256SUMS.mine")): refusing to install; nothing was changed"
    fi
    log "verified $TARBALL (SHA-256 matches SHA256SUMS)"
    mkdir "$WORK_DIR/unpack"
    tar -xzf "$WORK_DIR/$TARBALL" -C "$WORK_DIR/unpack" || die "cannot unpack $TARBALL"
    LOCAL_SRC="$WORK_DIR/unpack/terrarium-$VERSION"
    [ -f "$LOCAL_SRC/lib/terrarium.jar" ] || die "$TARBALL does not hold terrarium-$VERSION/lib/terrarium.jar"
}

installed_version() {
    if [ -L "$PREFIX/current" ]; then
        basename "$(readlink "$PREFIX/current")"
    fi
}

# Asks on the terminal (also when stdin is the piped script); false without one.
confirm() {
    if [ "$ASSUME_YES" = 1 ]; then
        return 0
    fi
    if ! (: </dev/tty) 2>/dev/null; then
        return 1
    fi
    printf '%s [y/N] ' "$1" >/dev/tty
    read -r answer </dev/tty || return 1
    case $answer in
        y|Y|yes|YES) return 0 ;;
        *) return 1 ;;
    esac
}

ensure_packages() {
    missing=
    command -v java >/dev/null 2>&1 || missing="$missing openjdk-17-jre-headless"
    command -v ansible-playbook >/dev/null 2>&1 || missing="$missing ansible-core"
    command -v sha256sum >/dev/null 2>&1 || missing="$missing coreutils"
    if [ -z "$missing" ]; then
        return 0
    fi
    log "installing from the distribution's packages:$missing"
    run apt-get update -qq
    # shellcheck disable=SC2086 # a list of package names
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
}

install_release() {
    src=$1
    version=$2
    target="$PREFIX/releases/$version"
    log "installing Terrarium $version into $target"
    run mkdir -p "$PREFIX/releases"
    if [ "$src" != "$target" ]; then
        run rm -rf "$target.new"
        run cp -a "$src" "$target.new"
        run rm -rf "$target"
        run mv "$target.new" "$target"
    fi
    old=$(installed_version)
    run ln -sfn "releases/$version" "$PREFIX/current.new"
    run mv -T "$PREFIX/current.new" "$PREFIX/current"
    keep_previous_and_prune "$old" "$version"
    run mkdir -p "$BIN_DIR"
    run ln -sfn "$PREFIX/current/bin/terrariumctl" "$BIN_DIR/terrariumctl"
    # trm is the same program: a second name for the one launcher, never a copy that can drift
    run ln -sfn "$PREFIX/current/bin/terrariumctl" "$BIN_DIR/trm"
    link_shell_files "$src"
}

# As `terrariumctl update` (ReleaseUpdater): the release that was current stays as <prefix>/previous
# (so `terrariumctl update --rollback` finds it), every other older release is deleted.
keep_previous_and_prune() {
    old=$1
    new=$2
    if [ -n "$old" ] && [ "$old" != "$new" ]; then
        run ln -sfn "releases/$old" "$PREFIX/previous.new"
        run mv -T "$PREFIX/previous.new" "$PREFIX/previous"
    fi
    keep=""
    if [ -L "$PREFIX/previous" ]; then
        keep=$(basename "$(readlink "$PREFIX/previous")")
    fi
    [ -n "$old" ] && [ "$old" != "$new" ] && keep=$old
    for dir in "$PREFIX"/releases/*; do
        [ -d "$dir" ] || continue
        name=$(basename "$dir")
        case "$name" in
            "$new" | "$keep" | .*) ;;
            *) log "removing the older release $dir"; run rm -rf "$dir" ;;
        esac
    done
}

# Links the release's bash/zsh completion script (for both names) and its man pages into the share
# dir, where bash-completion and man(1) look (XDG_DATA_DIRS and MANPATH include /usr/local/share).
# Links of an older release that this one no longer has are removed.
link_shell_files() {
    share=${SHARE_DIR:-$(dirname "$BIN_DIR")/share}
    completions="$share/bash-completion/completions"
    man1="$share/man/man1"
    run mkdir -p "$completions" "$man1"
    run ln -sfn "$PREFIX/current/share/bash-completion/completions/terrariumctl" "$completions/terrariumctl"
    run ln -sfn "$PREFIX/current/share/bash-completion/completions/terrariumctl" "$completions/trm"
    if [ "$DRY_RUN" = 0 ]; then
        find "$man1" -maxdepth 1 -type l -lname "$PREFIX/current/share/man/man1/*" -delete
    fi
    # the pages of the release being installed: in a dry run `current` is still the old release (or
    # none), so name the new release's own pages when it is unpacked here, else say what would happen
    pages="$PREFIX/current/share/man/man1"
    if [ "$DRY_RUN" = 1 ]; then
        if [ -d "${1:-}/share/man/man1" ]; then
            pages="$1/share/man/man1"
        else
            log "would link the release's man pages (share/man/man1/*.1) into $man1"
            return 0
        fi
    fi
    for page in "$pages"/*.1; do
        [ -e "$page" ] || continue
        run ln -sfn "$PREFIX/current/share/man/man1/$(basename "$page")" "$man1/$(basename "$page")"
    done
}

# Runs `terrariumctl <subcommand>` with the forwarded flags (replaces this shell).
hand_over() {
    sub=$1
    program=${TERRARIUM_EXEC:-$BIN_DIR/terrariumctl}
    eval "set -- $FORWARD"
    if [ "$DRY_RUN" = 1 ]; then
        log "would run: $program $sub $*"
        return 0
    fi
    if [ -z "${TERRARIUM_EXEC:-}" ] && ! "$program" help "$sub" >/dev/null 2>&1; then
        if [ $# -gt 0 ]; then
            die "this release's terrariumctl has no '$sub' command; not applied: $*"
        fi
        log "installed; this release has no 'terrariumctl $sub' yet: configure with 'terrariumctl set ...'"
        return 0
    fi
    log "running: terrariumctl $sub $*"
    cleanup
    exec "$program" "$sub" "$@"
}

main() {
    parse_args "$@"
    check_system
    detect_mode
    current=$(installed_version)
    if [ -n "$LOCAL_SRC" ]; then
        version=$(basename "$LOCAL_SRC" | sed 's/^terrarium-//')
        log "local release $version ($LOCAL_SRC)"
    else
        resolve_release
        version=$VERSION
        log "release $version for linux-$ARCH at $URL"
    fi
    step=install
    if [ -n "$current" ] && [ "$current" = "$version" ] && [ "$UPDATE" = 0 ]; then
        log "Terrarium $version is already installed in $PREFIX"
    else
        if [ -n "$current" ] && [ "$current" != "$version" ]; then
            if [ "$UPDATE" = 1 ] || [ "$DRY_RUN" = 1 ] || confirm "Terrarium $current is installed. Update to $version?"; then
                UPDATE=1
            else
                log "Terrarium $current is installed; $version is available: re-run with --update to update"
                exit 0
            fi
        fi
        if [ -z "$LOCAL_SRC" ]; then
            if [ "$DRY_RUN" = 1 ]; then
                log "would download $URL/$TARBALL, verify it against SHA256SUMS and unpack it"
                LOCAL_SRC="$URL/$TARBALL"
            else
                download_release
            fi
        fi
        ensure_packages
        install_release "$LOCAL_SRC" "$version"
        if [ "$UPDATE" = 1 ] && [ -n "$current" ]; then
            log "updated $current -> $version (previous release kept in $PREFIX/releases/$current; \`terrariumctl update --rollback\` returns to it)"
            step=reconfigure
        fi
    fi
    hand_over "$step"
}

main "$@"
