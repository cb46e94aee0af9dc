#!/usr/bin/env bash
# Real OpenZFS for the integration tests: a Debian 12 guest with OpenZFS 2.3 (bookworm-backports)
# under QEMU software emulation (TCG; this machine cannot boot a stock kernel with KVM).
#
#   scripts/openzfs-guest.sh build    build the image unless this build script's image is cached
#   scripts/openzfs-guest.sh up       (re)boot the guest with fresh, empty pool disks; write the env file
#   scripts/openzfs-guest.sh down     power the guest off (idempotent)
#   scripts/openzfs-guest.sh ssh [CMD…]  a root shell (or one command) in the guest
#   scripts/openzfs-guest.sh status   whether it runs, and where its files are
#
# The image is cached under $TERRARIUM_OZ_CACHE/<sha256 of build-image.sh>/ (a change to the build
# script makes a new image; a missing cache only means a cold build). Each `up` gives the guest a
# throw-away copy-on-write root and two new pool disks: pools `terrarium` and `terrarium-replica`.
# ssh is forwarded from a free port on 127.0.0.1 only; the wrappers in scripts/openzfs-guest/bin
# (zfs, zpool, sanoid, syncoid) run their command in the guest over one multiplexed connection.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd -P)
BUILD_SCRIPT=$HERE/openzfs-guest/build-image.sh
CACHE_ROOT=${TERRARIUM_OZ_CACHE:-/var/cache/terrarium/openzfs-guest}
RUN_DIR=${TERRARIUM_OZ_RUN_DIR:-/var/lib/terrarium-dev/openzfs-guest}
ENV_FILE=${TERRARIUM_OZ_ENV:-/var/lib/terrarium-dev/openzfs.env}
BOOT_TIMEOUT=${TERRARIUM_OZ_BOOT_TIMEOUT:-600}
POOL_DISK_SIZE=${TERRARIUM_OZ_POOL_SIZE:-2G}
POOL=terrarium
POOL2=terrarium-replica
LXD_STORAGE_POOL=default
LXD_NETWORK=terrarium-ovn
LXD_NETWORK_ADDRESS=10.213.7.1/24
LXD_IMAGE=terrarium-busybox
LXD_INIT_SECONDS=
DEVHOST_CACHE=${TERRARIUM_DEV_CACHE:-/var/lib/terrarium-dev/cache}

main() {
    local cmd=${1:-}
    shift || true
    case $cmd in
        build) cmd_build "$@" ;;
        up) cmd_up ;;
        down) cmd_down ;;
        ssh) cmd_ssh "$@" ;;
        status) cmd_status ;;
        *)
            echo "usage: $0 build [--force]|up|down|ssh [COMMAND…]|status" >&2
            exit 2
            ;;
    esac
}

# Closes every descriptor above stderr in this (sub)shell; bash's {var}>&- closes the fd numbered $var.
close_inherited_fds() {
    local f fd
    for f in "/proc/$BASHPID/fd/"*; do
        fd=${f##*/}
        if ((fd > 2)); then
            exec {fd}>&- 2>/dev/null || true
        fi
    done
}

image_dir() {
    local hash
    hash=$(sha256sum "$BUILD_SCRIPT" | cut -c1-16)
    printf '%s/%s\n' "$CACHE_ROOT" "$hash"
}

ensure_host_tools() {
    local missing=()
    command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
    command -v qemu-img >/dev/null 2>&1 || missing+=(qemu-utils)
    command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
    command -v mkfs.ext4 >/dev/null 2>&1 || missing+=(e2fsprogs)
    command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
    command -v python3 >/dev/null 2>&1 || missing+=(python3-minimal)
    if ((${#missing[@]})); then
        step "installing ${missing[*]}"
        # waits for another apt run (e.g. devhost.sh's) instead of failing on the dpkg lock
        apt-get -o DPkg::Lock::Timeout=600 update -qq
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
    fi
}

# Builds into <dir>.partial and renames it into place only when complete, so a cached directory is
# always a whole image.
cmd_build() {
    local force=0
    [[ ${1:-} == --force ]] && force=1
    [[ $EUID -eq 0 ]] || die "must run as root"
    ensure_host_tools
    local dir
    dir=$(image_dir)
    if ((force == 0)) && [[ -f $dir/root.img && -f $dir/id_ed25519 ]]; then
        step "image cached: $dir (OpenZFS $(cat "$dir/zfs-version.txt"))"
        return 0
    fi
    mkdir -p "$CACHE_ROOT"
    rm -rf "$dir.partial"
    local start=$SECONDS
    step "building the OpenZFS guest image (cold build, several minutes; log: $dir.build.log)"
    if ! bash "$BUILD_SCRIPT" "$dir.partial" >"$dir.build.log" 2>&1; then
        tail -n 40 "$dir.build.log" >&2
        die "the guest image build failed (full log: $dir.build.log)"
    fi
    rm -rf "$dir"
    mv "$dir.partial" "$dir"
    step "image built in $((SECONDS - start)) s: $dir"
}

ssh_opts() {
    # $1 port, $2 key, $3 control path
    printf '%s\n' -p "$1" -i "$2" -o IdentitiesOnly=yes -o BatchMode=yes \
        -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
        -o ControlMaster=auto -o "ControlPath=$3" -o ControlPersist=yes
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

guest_pid() {
    local pid
    [[ -f $RUN_DIR/qemu.pid ]] || return 1
    pid=$(cat "$RUN_DIR/qemu.pid")
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && grep -q qemu "/proc/$pid/cmdline" 2>/dev/null || return 1
    printf '%s\n' "$pid"
}

cmd_up() {
    [[ $EUID -eq 0 ]] || die "must run as root"
    cmd_build
    cmd_down >/dev/null
    local dir start=$SECONDS
    dir=$(image_dir)
    rm -rf "$RUN_DIR"
    mkdir -p "$RUN_DIR"
    chmod 0700 "$RUN_DIR"
    install -m 0600 "$dir/id_ed25519" "$RUN_DIR/id_ed25519"
    qemu-img create -q -f qcow2 -b "$dir/root.img" -F raw "$RUN_DIR/root.qcow2"
    truncate -s "$POOL_DISK_SIZE" "$RUN_DIR/pool1.img" "$RUN_DIR/pool2.img"
    local port
    port=$(free_port)
    # Boot failures below power the half-started guest off again.
    trap 'on_up_failure' ERR
    step "booting the guest (TCG, -smp 2 -m 2048), ssh on 127.0.0.1:$port, serial log $RUN_DIR/serial.log"
    # QEMU daemonizes and outlives this script: it must not keep a descriptor inherited from the
    # caller. Under `flock /var/lock/terrarium-it.lock scripts/openzfs-guest.sh up` it kept the IT
    # lock's descriptor, so the lock stayed held for as long as the guest ran and every waiting
    # integration test hung (2026-12-06).
    (close_inherited_fds; exec qemu-system-x86_64 -name terrarium-openzfs \
        -accel tcg,thread=multi -cpu max -smp 2 -m 2048 \
        -kernel "$dir/vmlinuz" -initrd "$dir/initrd.img" \
        -append 'root=LABEL=terrarium-root rw console=ttyS0 net.ifnames=0' \
        -drive "file=$RUN_DIR/root.qcow2,if=none,id=root,format=qcow2" \
        -device virtio-blk-pci,drive=root,serial=trm-root \
        -drive "file=$RUN_DIR/pool1.img,if=none,id=pool1,format=raw" \
        -device virtio-blk-pci,drive=pool1,serial=trm-pool1 \
        -drive "file=$RUN_DIR/pool2.img,if=none,id=pool2,format=raw" \
        -device virtio-blk-pci,drive=pool2,serial=trm-pool2 \
        -netdev "user,id=net0,hostfwd=tcp:127.0.0.1:$port-:22" -device virtio-net-pci,netdev=net0 \
        -display none -serial "file:$RUN_DIR/serial.log" -monitor none \
        -no-reboot -daemonize -pidfile "$RUN_DIR/qemu.pid")
    local key=$RUN_DIR/id_ed25519 ctl=$RUN_DIR/ssh.ctl
    local -a opts
    mapfile -t opts < <(ssh_opts "$port" "$key" "$ctl")
    local deadline=$((SECONDS + BOOT_TIMEOUT))
    until ssh "${opts[@]}" -o ConnectTimeout=5 -n root@127.0.0.1 true 2>/dev/null; do
        guest_pid >/dev/null || fail_boot "QEMU exited during boot"
        if grep -q 'Dropping to a shell' "$RUN_DIR/serial.log" 2>/dev/null; then
            fail_boot "the guest's initramfs found no root file system"
        fi
        ((SECONDS < deadline)) || fail_boot "no ssh after ${BOOT_TIMEOUT} s"
        sleep 3
    done
    step "ssh up after $((SECONDS - start)) s; creating pools $POOL and $POOL2"
    ssh "${opts[@]}" -n root@127.0.0.1 "set -e
        modprobe zfs
        udevadm settle
        zpool create -f -o ashift=12 -O mountpoint=/$POOL $POOL /dev/disk/by-id/virtio-trm-pool1
        zpool create -f -o ashift=12 -O mountpoint=/$POOL2 $POOL2 /dev/disk/by-id/virtio-trm-pool2
        zfs create $POOL/containers
        zfs version" || fail_boot "cannot create the pools in the guest"
    local lxd_start=$SECONDS
    init_lxd "${opts[@]}" || fail_boot "cannot initialise LXD (zfs storage pool $LXD_STORAGE_POOL on $POOL/lxd) in the guest"
    LXD_INIT_SECONDS=$((SECONDS - lxd_start))
    step "LXD ready in $LXD_INIT_SECONDS s (storage pool $LXD_STORAGE_POOL: zfs on $POOL/lxd, network $LXD_NETWORK, image $LXD_IMAGE)"
    # The product reaches LXD through its unix socket (LXD_SOCKET), not lxc: the guest's socket is
    # forwarded to a host path over the same ssh connection (OpenSSH stream-local forwarding).
    local sock=$RUN_DIR/lxd.socket
    rm -f "$sock"
    ssh "${opts[@]}" -O forward -L "$sock:/var/lib/lxd/unix.socket" root@127.0.0.1 \
        || fail_boot "cannot forward the guest's LXD socket to $sock"
    write_env "$port" "$key" "$ctl" "$sock"
    trap - ERR
    step "guest up in $((SECONDS - start)) s; env: $ENV_FILE"
}

# The newest busybox image tarball scripts/devhost.sh built (its image cache); the guest's LXD gets
# the same test image as the development host.
busybox_tarball() {
    local t='' f
    for f in "$DEVHOST_CACHE"/terrarium-busybox-*.tar.xz; do
        [[ -f $f ]] || continue
        if [[ -z $t || $f -nt $t ]]; then
            t=$f
        fi
    done
    [[ -n $t ]] || die "no busybox image in $DEVHOST_CACHE: run scripts/devhost.sh up first (it builds it)"
    printf '%s\n' "$t"
}

# LXD on its zfs storage driver, as on a production host: storage pool $LXD_STORAGE_POOL (driver
# zfs, source $POOL/lxd — LXD creates that dataset), a bridge named as the production OVN network,
# the default profile's root disk and nic, the busybox test image, and the project that holds
# Terrarium's stored configuration. $@: ssh options.
init_lxd() {
    local tarball
    tarball=$(busybox_tarball)
    ssh "$@" root@127.0.0.1 'cat > /root/terrarium-busybox.tar.xz' <"$tarball" || return 1
    ssh "$@" -n root@127.0.0.1 "set -e
        systemctl start lxd.socket lxd.service
        lxd waitready --timeout=300
        lxd init --preseed <<'PRESEED'
config: {}
networks:
- name: $LXD_NETWORK
  type: bridge
  config:
    ipv4.address: $LXD_NETWORK_ADDRESS
    ipv4.nat: \"true\"
    ipv6.address: none
storage_pools:
- name: $LXD_STORAGE_POOL
  driver: zfs
  config:
    source: $POOL/lxd
profiles:
- name: default
  devices:
    eth0:
      name: eth0
      network: $LXD_NETWORK
      type: nic
    root:
      path: /
      pool: $LXD_STORAGE_POOL
      type: disk
PRESEED
        lxc -q image import /root/terrarium-busybox.tar.xz --alias $LXD_IMAGE
        rm -f /root/terrarium-busybox.tar.xz
        lxc -q project create terrarium-system
        lxc -q storage show $LXD_STORAGE_POOL | grep -qx 'driver: zfs'"
}

write_env() {
    local tmp=$ENV_FILE.tmp
    mkdir -p "$(dirname "$ENV_FILE")"
    cat >"$tmp" <<ENV
# Written by scripts/openzfs-guest.sh up — source it: set -a; . $ENV_FILE; set +a
TERRARIUM_OZ_SSH_PORT=$1
TERRARIUM_OZ_SSH_KEY=$2
TERRARIUM_OZ_SSH_CONTROL=$3
TERRARIUM_OZ_BIN=$HERE/openzfs-guest/bin
TERRARIUM_OZ_POOL=$POOL
TERRARIUM_OZ_POOL2=$POOL2
TERRARIUM_OZ_CONTAINERS_DATASET=$POOL/containers
TERRARIUM_OZ_SERIAL_LOG=$RUN_DIR/serial.log
TERRARIUM_OZ_ZFS_VERSION=$(cat "$(image_dir)/zfs-version.txt")
TERRARIUM_OZ_LXD_VERSION=$(cat "$(image_dir)/lxd-version.txt")
TERRARIUM_OZ_LXD_STORAGE_POOL=$LXD_STORAGE_POOL
TERRARIUM_OZ_LXD_DATASET=$POOL/lxd
TERRARIUM_OZ_LXD_NETWORK=$LXD_NETWORK
TERRARIUM_OZ_LXD_IMAGE=$LXD_IMAGE
TERRARIUM_OZ_LXD_INIT_SECONDS=$LXD_INIT_SECONDS
TERRARIUM_OZ_LXD_SOCKET=$4
ENV
    mv "$tmp" "$ENV_FILE"
}

on_up_failure() {
    fail_boot "a step of 'up' failed"
}

fail_boot() {
    trap - ERR
    printf 'ERROR: the OpenZFS guest did not come up: %s. Last lines of %s:\n' "$1" "$RUN_DIR/serial.log" >&2
    tail -n 40 "$RUN_DIR/serial.log" >&2 2>/dev/null || true
    cmd_down >&2
    exit 1
}

# Powers the guest off: the ssh master first, then QEMU (TERM, then KILL after 10 s). The disks
# are throw-away, so no clean shutdown of the guest is needed.
cmd_down() {
    local pid
    if [[ -S $RUN_DIR/ssh.ctl ]]; then
        ssh -o "ControlPath=$RUN_DIR/ssh.ctl" -O exit root@127.0.0.1 >/dev/null 2>&1 || true
    fi
    rm -f "$ENV_FILE"
    if pid=$(guest_pid); then
        kill "$pid" 2>/dev/null || true
        local i
        for ((i = 0; i < 20; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -9 "$pid" 2>/dev/null || true
        fi
        step "guest powered off (pid $pid)"
    else
        step "guest not running"
    fi
    rm -f "$RUN_DIR/qemu.pid" "$RUN_DIR/root.qcow2" "$RUN_DIR/pool1.img" "$RUN_DIR/pool2.img" "$RUN_DIR/lxd.socket"
}

cmd_ssh() {
    [[ -f $ENV_FILE ]] || die "the guest is not up ($ENV_FILE missing): run $0 up"
    # shellcheck disable=SC1090
    source "$ENV_FILE"
    local -a opts
    mapfile -t opts < <(ssh_opts "$TERRARIUM_OZ_SSH_PORT" "$TERRARIUM_OZ_SSH_KEY" "$TERRARIUM_OZ_SSH_CONTROL")
    if (($#)); then
        exec ssh "${opts[@]}" root@127.0.0.1 "$@"
    fi
    exec ssh "${opts[@]}" -t root@127.0.0.1
}

cmd_status() {
    local pid
    printf 'image:   %s%s\n' "$(image_dir)" "$([[ -f $(image_dir)/root.img ]] || echo ' (not built)')"
    if pid=$(guest_pid); then
        printf 'guest:   running (pid %s)\nenv:     %s\nserial:  %s\n' "$pid" "$ENV_FILE" "$RUN_DIR/serial.log"
    else
        printf 'guest:   not running\n'
        return 3
    fi
}

step() { printf '==> %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

main "$@"
