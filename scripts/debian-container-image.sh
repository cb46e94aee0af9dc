#!/usr/bin/env bash
# debian-container-image.sh — a Debian 12 system-container image for LXD, built with debootstrap.
#
# Usage: scripts/debian-container-image.sh [--force]
#
# Builds a Debian 12 (bookworm) root filesystem with systemd as init, cloud-init (NoCloud seed
# rendered by LXD's image templates from user.user-data / user.vendor-data / user.network-config),
# openssh-server, sudo, python3 (+ python3-apt for Ansible) and the packages Terrarium's roles
# install (so a converge inside the container needs no download), packs it as an LXD unified image
# (metadata.yaml + templates/ + rootfs/) and imports it with the alias
# terrarium-debian12-<first 12 hex digits of this script's SHA-256>. The last line on stdout is that
# alias. When an image with that alias exists the build is skipped (the cache is keyed by this
# script's content); --force rebuilds. Older terrarium-debian12-* images are deleted after a build.
#
# Used by the Ansible converge test and the LXD profile test (docs/testing.md). Takes ~10 minutes
# cold on 2 cores; downloaded .deb files are kept in $CACHE_DIR/debs to speed up a rebuild, but the
# build never needs them.
#
# Environment: TERRARIUM_DEBIAN_MIRROR (default: the first Debian URI in this host's APT sources),
# TERRARIUM_DEV_STATE_DIR (default /var/lib/terrarium-dev), LXD's own (the `lxc` client).
# Debian 12 host, root, debootstrap installed (apt-get install debootstrap).
set -euo pipefail

readonly SUITE=bookworm
readonly STATE_DIR=${TERRARIUM_DEV_STATE_DIR:-/var/lib/terrarium-dev}
readonly CACHE_DIR="$STATE_DIR/cache/debian-image"
readonly ALIAS_PREFIX=terrarium-debian12-

# Installed after debootstrap with apt (which resolves alternatives properly).
readonly PACKAGES=(
    # a system container: systemd as init, networking (systemd-networkd waits for udev to
    # initialise links when /sys is writable, as with security.nesting), name resolution, logins
    systemd systemd-sysv systemd-resolved udev dbus libpam-systemd iproute2 procps less locales
    openssh-server sudo cloud-init ca-certificates
    # Ansible's interpreter and its apt module
    python3 python3-apt
    # what the roles base, hardening and backups install (ansible/roles/*/defaults/main.yml)
    curl jq openjdk-17-jre-headless openssl tar xz-utils zstd systemd-timesyncd unattended-upgrades
    ufw iptables sanoid mbuffer lzop pv
)

die() {
    echo "ERROR: $*" >&2
    exit 1
}

log() {
    echo "==> $*" >&2
}

script_hash() {
    sha256sum "${BASH_SOURCE[0]}" | cut -c1-12
}

# The Debian archive this host's APT already uses (no host name is written into this script).
debian_mirror() {
    if [ -n "${TERRARIUM_DEBIAN_MIRROR:-}" ]; then
        echo "$TERRARIUM_DEBIAN_MIRROR"
        return
    fi
    local uri
    uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }')
    if [ -z "$uri" ]; then
        uri=$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
            | awk '$2 !~ /security/ { print $2; exit }' || true)
    fi
    [ -n "$uri" ] || die "no Debian mirror in this host's APT sources; set TERRARIUM_DEBIAN_MIRROR"
    echo "$uri"
}

image_exists() {
    lxc image info "$1" >/dev/null 2>&1
}

write_metadata() {
    local dir=$1 hash=$2
    mkdir -p "$dir/templates"
    cat >"$dir/metadata.yaml" <<EOF
architecture: $(uname -m)
creation_date: $(date +%s)
properties:
  description: Terrarium test image, Debian 12 with systemd and cloud-init (build $hash)
  os: debian
  release: $SUITE
  terrarium.build: "$hash"
templates:
  /etc/hostname:
    when: [create, copy]
    template: hostname.tpl
  /etc/hosts:
    when: [create, copy]
    template: hosts.tpl
  /var/lib/cloud/seed/nocloud-net/meta-data:
    when: [create, copy]
    template: cloud-init-meta.tpl
  /var/lib/cloud/seed/nocloud-net/user-data:
    when: [create, copy]
    template: cloud-init-user.tpl
    properties:
      default: |
        #cloud-config
        {}
  /var/lib/cloud/seed/nocloud-net/vendor-data:
    when: [create, copy]
    template: cloud-init-vendor.tpl
    properties:
      default: |
        #cloud-config
        {}
  /var/lib/cloud/seed/nocloud-net/network-config:
    when: [create, copy]
    template: cloud-init-network.tpl
EOF
    # LXD renders these with pongo2 (Jinja-like) when an instance is created or copied.
    printf '%s\n' '{{ container.name }}' >"$dir/templates/hostname.tpl"
    printf '%s\n' '127.0.0.1 localhost' '127.0.1.1 {{ container.name }}' >"$dir/templates/hosts.tpl"
    printf '%s\n' 'instance-id: {{ container.name }}' 'local-hostname: {{ container.name }}' \
        >"$dir/templates/cloud-init-meta.tpl"
    printf '%s\n' '{{ config_get("user.user-data", properties.default) }}' >"$dir/templates/cloud-init-user.tpl"
    printf '%s\n' '{{ config_get("user.vendor-data", properties.default) }}' >"$dir/templates/cloud-init-vendor.tpl"
    cat >"$dir/templates/cloud-init-network.tpl" <<'EOF'
{% if config_get("user.network-config", "") == "" %}version: 1
config:
  - type: physical
    name: eth0
    subnets:
      - type: dhcp
        control: auto
{% else %}{{ config_get("user.network-config", "") }}{% endif %}
EOF
}

# Runs apt inside the new root with the kernel file systems it needs and no daemon starts.
chroot_install() {
    local root=$1
    shift
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod 0755 "$root/usr/sbin/policy-rc.d"
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --make-rslave "$root/sys"
    mount --bind /dev "$root/dev"
    mount --bind /dev/pts "$root/dev/pts"
    MOUNTED_ROOT=$root
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    mkdir -p "$CACHE_DIR/debs"
    chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C apt-get update -q
    # The .deb cache is bind-mounted so a rebuild downloads only what changed.
    mount --bind "$CACHE_DIR/debs" "$root/var/cache/apt/archives"
    chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C \
        apt-get install -y -q --no-install-recommends "$@"
    umount "$root/var/cache/apt/archives"
    unmount_chroot
    rm -f "$root/usr/sbin/policy-rc.d"
}

MOUNTED_ROOT=""
unmount_chroot() {
    [ -n "$MOUNTED_ROOT" ] || return 0
    local m
    for m in var/cache/apt/archives dev/pts dev sys proc; do
        if mountpoint -q "$MOUNTED_ROOT/$m"; then
            umount -R "$MOUNTED_ROOT/$m" 2>/dev/null || umount -lR "$MOUNTED_ROOT/$m"
        fi
    done
    MOUNTED_ROOT=""
}

# What makes the root a good system container: per-instance identity, DHCP on eth0, resolved.
configure_rootfs() {
    local root=$1
    # systemd creates a machine id on first boot; sshd host keys are made per instance by cloud-init.
    : >"$root/etc/machine-id"
    rm -f "$root/var/lib/dbus/machine-id" "$root"/etc/ssh/ssh_host_*
    # Cloud-init reads only the NoCloud seed the image templates render (no probing of clouds).
    cat >"$root/etc/cloud/cloud.cfg.d/99-terrarium-lxd.cfg" <<'EOF'
datasource_list: [NoCloud, None]
locale: C.UTF-8
EOF
    # What a container cannot do: register binary formats, run zfs-fuse (sanoid pulls it in; no
    # /dev/fuse here). Masked so systemd reports "running", not "degraded".
    local unit
    for unit in systemd-binfmt.service proc-sys-fs-binfmt_misc.automount zfs-fuse.service; do
        ln -sfn /dev/null "$root/etc/systemd/system/$unit"
    done
    # DHCP on eth0 even before (or without) cloud-init's network config.
    cat >"$root/etc/systemd/network/90-terrarium-eth0.network" <<'EOF'
[Match]
Name=eth0

[Network]
DHCP=ipv4
EOF
    chroot "$root" systemctl enable systemd-networkd.service systemd-resolved.service >/dev/null 2>&1
    ln -sfn /run/systemd/resolve/stub-resolv.conf "$root/etc/resolv.conf"
    printf '%s\n' localhost >"$root/etc/hostname"
    # Nothing downloaded stays in the image; the package lists stay (apt can resolve offline).
    rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/cache/apt"/*.bin
}

build() {
    local hash=$1 alias=$2 work mirror
    command -v debootstrap >/dev/null || die "debootstrap is not installed: apt-get install debootstrap"
    mirror=$(debian_mirror)
    work=$(mktemp -d /var/tmp/terrarium-debian-image.XXXXXX)
    WORK=$work
    log "debootstrap $SUITE into $work/rootfs"
    debootstrap --variant=minbase "$SUITE" "$work/rootfs" "$mirror" >&2
    log "installing ${#PACKAGES[@]} packages"
    chroot_install "$work/rootfs" "${PACKAGES[@]}" >&2
    configure_rootfs "$work/rootfs"
    write_metadata "$work" "$hash"
    log "packing and importing as $alias"
    tar --numeric-owner --xattrs --acls -C "$work" -cf "$work/image.tar" metadata.yaml templates rootfs
    lxc image import "$work/image.tar" --alias "$alias" >&2
}

delete_older_images() {
    local keep=$1 alias
    for alias in $(lxc image alias list --format csv 2>/dev/null | cut -d, -f1 | grep "^$ALIAS_PREFIX" || true); do
        if [ "$alias" != "$keep" ]; then
            log "deleting the older image $alias"
            lxc image delete "$alias" >&2 || true
        fi
    done
}

WORK=""
cleanup() {
    unmount_chroot
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        rm -rf --one-file-system "$WORK"
    fi
}

main() {
    local force=false hash alias
    case "${1:-}" in
        "") ;;
        --force) force=true ;;
        *) die "unknown argument '$1' (usage: $0 [--force])" ;;
    esac
    [ "$(id -u)" -eq 0 ] || die "run as root (debootstrap and lxc need it)"
    hash=$(script_hash)
    alias="$ALIAS_PREFIX$hash"
    if image_exists "$alias" && [ "$force" = false ]; then
        log "image $alias is cached"
        echo "$alias"
        return
    fi
    trap cleanup EXIT
    if image_exists "$alias"; then
        lxc image delete "$alias" >&2
    fi
    build "$hash" "$alias"
    delete_older_images "$alias"
    echo "$alias"
}

main "$@"
