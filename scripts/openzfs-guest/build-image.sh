#!/usr/bin/env bash
# Builds the OpenZFS guest image from Debian's packages into OUT_DIR (called by
# scripts/openzfs-guest.sh build; the cache key is the sha256 of this file, so any change here
# makes a new image). Needs root, debootstrap and e2fsprogs (mkfs.ext4 -d, no loop device).
#
# Result in OUT_DIR: root.img (raw ext4, the guest's /), vmlinuz, initrd.img, id_ed25519(.pub)
# (root's login key, authorised in the guest), zfs-version.txt.
#
# Guest: Debian 12 minbase + systemd + openssh-server, linux-image-amd64 + headers, then
# zfs-dkms/zfsutils-linux/sanoid from bookworm-backports (OpenZFS 2.3.x); the DKMS postinst
# builds the module for the guest kernel inside the chroot (natively, not under emulation).
# Then Debian's LXD 5.0 (lxd, lxd-client, dnsmasq-base for its bridge, nftables for its firewall):
# `openzfs-guest.sh up` initialises it with a zfs storage pool on the guest's pool.
set -euo pipefail

MIRROR=${TERRARIUM_OZ_MIRROR:-http://deb.debian.org/debian}
ROOT_SIZE=6G

main() {
    local out=${1:?usage: build-image.sh OUT_DIR}
    [[ $EUID -eq 0 ]] || die "must run as root (debootstrap, chroot)"
    mkdir -p "$out"
    WORK=$(mktemp -d /var/tmp/terrarium-oz-build.XXXXXX)
    ROOTFS=$WORK/rootfs
    trap 'cleanup "$WORK"' EXIT
    step "debootstrap bookworm (minbase) into $ROOTFS"
    debootstrap --variant=minbase --components=main,contrib \
        --include=systemd-sysv,openssh-server,ca-certificates,iproute2,kmod,udev,procps,zstd \
        bookworm "$ROOTFS" "$MIRROR"
    mount_chroot "$ROOTFS"
    configure_base "$ROOTFS" "$MIRROR"
    step "kernel and headers"
    in_chroot "$ROOTFS" apt-get install -y --no-install-recommends linux-image-amd64 linux-headers-amd64 initramfs-tools
    step "OpenZFS (DKMS module build) and sanoid from bookworm-backports"
    in_chroot "$ROOTFS" apt-get install -y --no-install-recommends -t bookworm-backports \
        zfs-dkms zfsutils-linux sanoid
    in_chroot "$ROOTFS" bash -c 'ls /lib/modules/*/updates/dkms/zfs.ko*' \
        || die "the zfs module was not built for the guest kernel (DKMS)"
    step "LXD (zfs storage driver in the guest)"
    in_chroot "$ROOTFS" apt-get install -y --no-install-recommends lxd lxd-client dnsmasq-base nftables
    # shellcheck disable=SC2016 # dpkg-query's own format, not a shell expansion
    in_chroot "$ROOTFS" dpkg-query -W -f '${Version}\n' lxd >"$out/lxd-version.txt"
    configure_services "$ROOTFS"
    ssh-keygen -q -t ed25519 -N '' -C terrarium-openzfs-guest -f "$out/id_ed25519"
    install -d -m 0700 "$ROOTFS/root/.ssh"
    install -m 0600 "$out/id_ed25519.pub" "$ROOTFS/root/.ssh/authorized_keys"
    # The guest's own host key, known for loopback: syncoid inside the guest replicates to
    # root@127.0.0.1 with BatchMode (no prompt for an unknown key).
    {
        printf '127.0.0.1 %s\n' "$(cut -d' ' -f1,2 "$ROOTFS/etc/ssh/ssh_host_ed25519_key.pub")"
        printf 'localhost %s\n' "$(cut -d' ' -f1,2 "$ROOTFS/etc/ssh/ssh_host_ed25519_key.pub")"
    } >"$ROOTFS/root/.ssh/known_hosts"
    chmod 0600 "$ROOTFS/root/.ssh/known_hosts"
    # shellcheck disable=SC2016 # dpkg-query's own format, not a shell expansion
    in_chroot "$ROOTFS" dpkg-query -W -f '${Version}\n' zfsutils-linux >"$out/zfs-version.txt"
    in_chroot "$ROOTFS" apt-get clean
    umount_chroot "$ROOTFS"
    step "kernel, initrd and root image"
    local kernels initrds
    kernels=("$ROOTFS"/boot/vmlinuz-*)
    initrds=("$ROOTFS"/boot/initrd.img-*)
    ((${#kernels[@]} == 1 && ${#initrds[@]} == 1)) || die "expected one kernel and one initrd in /boot"
    cp "${kernels[0]}" "$out/vmlinuz"
    cp "${initrds[0]}" "$out/initrd.img"
    rm -f "$out/root.img"
    mkfs.ext4 -q -L terrarium-root -d "$ROOTFS" "$out/root.img" "$ROOT_SIZE"
    step "image ready in $out (OpenZFS $(cat "$out/zfs-version.txt"))"
}

configure_base() {
    local r=$1 mirror=$2
    cat >"$r/etc/apt/sources.list" <<SRC
deb $mirror bookworm main contrib
deb $mirror bookworm-updates main contrib
deb $mirror bookworm-backports main contrib
SRC
    # No daemon starts inside the chroot.
    printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d"
    chmod 0755 "$r/usr/sbin/policy-rc.d"
    printf 'terrarium-oz\n' >"$r/etc/hostname"
    printf '127.0.0.1 localhost\n127.0.1.1 terrarium-oz\n' >"$r/etc/hosts"
    printf '/dev/vda / ext4 defaults,noatime 0 1\n' >"$r/etc/fstab"
    in_chroot "$r" apt-get update
}

configure_services() {
    local r=$1
    cat >"$r/etc/systemd/network/20-wired.network" <<'NET'
[Match]
Name=en* eth*

[Network]
DHCP=ipv4
NET
    in_chroot "$r" systemctl enable systemd-networkd ssh
    # Debian's sanoid.timer would take and prune snapshots behind the tests' backs.
    in_chroot "$r" systemctl mask sanoid.timer sanoid.service sanoid-prune.service
    # Root logs in with the generated key only; DNS lookups of the client would stall logins.
    cat >"$r/etc/ssh/sshd_config.d/terrarium.conf" <<'SSHD'
PermitRootLogin prohibit-password
PasswordAuthentication no
UseDNS no
MaxSessions 64
MaxStartups 64:30:128
SSHD
    printf 'zfs\n' >"$r/etc/modules-load.d/zfs.conf"
    rm -f "$r/usr/sbin/policy-rc.d"
    rm -f "$r/etc/machine-id"
    : >"$r/etc/machine-id"
}

in_chroot() {
    local r=$1
    shift
    DEBIAN_FRONTEND=noninteractive LC_ALL=C chroot "$r" "$@"
}

mount_chroot() {
    local r=$1
    mount -t proc proc "$r/proc"
    mount -t sysfs sysfs "$r/sys"
    mount --bind /dev "$r/dev"
    mount --bind /dev/pts "$r/dev/pts"
}

umount_chroot() {
    local r=$1 m
    for m in dev/pts dev sys proc; do
        if mountpoint -q "$r/$m"; then
            umount "$r/$m" || umount -l "$r/$m"
        fi
    done
}

# Unmounts the chroot's filesystems, then removes the work directory — never while anything is
# still mounted under it (/dev is bind-mounted there).
cleanup() {
    local work=$1
    [[ -d $work/rootfs ]] && umount_chroot "$work/rootfs"
    if findmnt -rn -o TARGET | grep -q "^$work/"; then
        printf 'WARNING: %s still has mounts; left in place\n' "$work" >&2
        return 0
    fi
    rm -rf "$work"
}

step() { printf '==> %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

main "$@"
