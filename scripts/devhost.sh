#!/usr/bin/env bash
# devhost.sh — Terrarium's development host: real LXD, zfs-fuse and S3 on this machine.
#
# Usage: scripts/devhost.sh up|stop|down|status|zfs-container NAME [IMAGE]|zfs-container-delete NAME
#
#   up       install and start everything (idempotent; a warm run takes seconds)
#   down     remove only what `up` created (recorded in created.list), stop its daemons
#   stop     stop its daemons (s3proxy, LXD and its containers, zfs-fuse), keep everything else;
#            `up` starts them again. Do this before the machine is shut down or its processes
#            are killed: a killed zfs-fuse leaves dead mounts and a pool that was never synced
#   status   one line per component; exit status 1 if any is not OK
#   zfs-container NAME [IMAGE]    create+start a container whose directory is a zfs-fuse dataset
#   zfs-container-delete NAME     remove such a container and its dataset
#
# Debian 12, root, no systemd needed. See docs/devhost.md.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
readonly HELPER_DIR="$SCRIPT_DIR/devhost"

readonly STATE_DIR=${TERRARIUM_DEV_STATE_DIR:-/var/lib/terrarium-dev}
readonly RUN_DIR="$STATE_DIR/run"
readonly LOG_DIR="$STATE_DIR/log"
readonly CACHE_DIR="$STATE_DIR/cache"
readonly CREATED_LIST="$STATE_DIR/created.list"
readonly ENV_FILE="$STATE_DIR/devhost.env"

readonly ZPOOL=terrarium
readonly ZPOOL_IMG="$STATE_DIR/zpool.img"
readonly ZPOOL_SIZE=${TERRARIUM_DEV_POOL_SIZE:-8G}
readonly CONTAINERS_DATASET="$ZPOOL/containers"

readonly LXD_STORAGE_POOL=default
readonly NETWORK=terrarium-ovn
readonly NETWORK_ADDRESS=${TERRARIUM_DEV_NETWORK_ADDRESS:-10.148.27.1/24}
readonly PROJECT=terrarium-system
readonly IMAGE=terrarium-busybox
readonly DEMO_CONTAINERS=(demo-web demo-api)
readonly -A DEMO_PROXY=(
    [demo-web]="https://web.example.test:80"
    [demo-api]="http://api.example.test:80/api"
)

readonly S3PROXY_VERSION=2.6.0
readonly S3PROXY_ARTIFACT="org.gaul:s3proxy:$S3PROXY_VERSION:jar:jar-with-dependencies"
readonly S3PROXY_JAR="$CACHE_DIR/s3proxy-$S3PROXY_VERSION-jar-with-dependencies.jar"
readonly S3_HOSTPORT=127.0.0.1:19000
readonly S3_ENDPOINT="http://$S3_HOSTPORT"
readonly S3_BUCKET=terrarium-dev
readonly S3_REGION=us-east-1
readonly S3_DATA_DIR="$STATE_DIR/s3"
readonly S3_SECRET_FILE="$STATE_DIR/s3-secret"
readonly S3_ACCESS_KEY_FILE="$STATE_DIR/s3-access-key"
readonly S3_PROPERTIES="$STATE_DIR/s3proxy.properties"

# fdisk (sfdisk) and tmux: InstallIT partitions loop devices, InstallInteractiveIT drives a terminal
readonly PACKAGES=(lxd lxd-client dnsmasq-base nftables iptables uidmap zfs-fuse sanoid busybox-static
    openssh-server xz-utils zstd curl ca-certificates fdisk tmux)

# ---------------------------------------------------------------- helpers

die() {
    echo "ERROR: $*" >&2
    exit 1
}

log() {
    printf '[devhost %(%H:%M:%S)T] %s\n' -1 "$*" >&2
}

require_root() {
    ((EUID == 0)) || die "must run as root"
}

# Append "KIND NAME" to created.list once.
record() {
    local line="$1 $2"
    mkdir -p "$STATE_DIR"
    touch "$CREATED_LIST"
    grep -qxF -- "$line" "$CREATED_LIST" || echo "$line" >>"$CREATED_LIST"
}

was_created() {
    [[ -f $CREATED_LIST ]] && grep -qxF -- "$1 $2" "$CREATED_LIST"
}

unrecord() {
    local line="$1 $2" tmp
    [[ -f $CREATED_LIST ]] || return 0
    tmp=$(mktemp "$CREATED_LIST.XXXXXX")
    grep -vxF -- "$line" "$CREATED_LIST" >"$tmp" || true
    mv "$tmp" "$CREATED_LIST"
}

# proc_running PID — the process exists and is not a zombie (PID 1 here may reap late).
proc_running() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

# pid_alive PIDFILE COMM — the pid in PIDFILE runs a process whose comm starts with COMM.
pid_alive() {
    local pidfile=$1 comm=$2 pid
    [[ -s $pidfile ]] || return 1
    pid=$(<"$pidfile")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    proc_running "$pid" || return 1
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$comm"* ]]
}

# start_background PIDFILE LOGFILE CMD... — detached (setsid, nohup), pid into PIDFILE.
start_background() {
    local pidfile=$1 logfile=$2
    shift 2
    mkdir -p "$(dirname "$pidfile")" "$(dirname "$logfile")"
    (
        cd /
        exec setsid nohup "$@" </dev/null >>"$logfile" 2>&1
    ) &
    echo $! >"$pidfile"
}

# stop_pidfile PIDFILE COMM [TIMEOUT] — TERM, then KILL after TIMEOUT seconds.
stop_pidfile() {
    local pidfile=$1 comm=$2 timeout=${3:-30} pid i
    if pid_alive "$pidfile" "$comm"; then
        pid=$(<"$pidfile")
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < timeout * 10; i++)); do
            proc_running "$pid" || break
            sleep 0.1
        done
        if proc_running "$pid"; then
            log "$comm (pid $pid) did not stop in ${timeout}s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$pidfile"
}

# wait_until SECONDS WHAT CMD... — poll CMD every 0.2 s.
wait_until() {
    local timeout=$1 what=$2 deadline
    shift 2
    deadline=$((SECONDS + timeout))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || die "timed out after ${timeout}s waiting for $what"
        sleep 0.2
    done
}

# ---------------------------------------------------------------- 1. packages

package_installed() {
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

ensure_packages() {
    local missing=() pkg added_policy=0
    for pkg in "${PACKAGES[@]}"; do
        package_installed "$pkg" || missing+=("$pkg")
    done
    command -v java >/dev/null || missing+=(default-jre-headless)
    if [[ ! -s $S3PROXY_JAR ]] && ! command -v mvn >/dev/null; then
        missing+=(maven)
    fi
    ((${#missing[@]} > 0)) || return 0
    log "installing packages: ${missing[*]}"
    # Keep maintainer scripts from starting daemons (zfs-fuse, sshd, ...): this script starts
    # what it needs itself, and records it.
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 0755 /usr/sbin/policy-rc.d
        added_policy=1
    fi
    local rc=0
    {
        DEBIAN_FRONTEND=noninteractive apt-get update -q &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    } || rc=$?
    ((added_policy == 0)) || rm -f /usr/sbin/policy-rc.d
    ((rc == 0)) || die "apt-get install ${missing[*]} failed (exit $rc)"
}

# ---------------------------------------------------------------- host prerequisites for LXD

ensure_host_prereqs() {
    # Unprivileged containers: root needs subordinate id ranges (LXD maps 1,000,000,000 ids
    # when it can, at least 65,536).
    local f
    for f in /etc/subuid /etc/subgid; do
        touch "$f"
        if ! grep -q '^root:' "$f"; then
            log "adding root:1000000:1000000000 to $f"
            echo "root:1000000:1000000000" >>"$f"
        fi
    done
    # cgroups: LXD needs a mounted hierarchy (v1 controllers or unified v2).
    if [[ ! -e /sys/fs/cgroup/cgroup.controllers && ! -d /sys/fs/cgroup/memory && ! -d /sys/fs/cgroup/unified ]]; then
        log "mounting cgroup2 on /sys/fs/cgroup"
        mount -t cgroup2 none /sys/fs/cgroup || die "no cgroup hierarchy and cannot mount cgroup2 on /sys/fs/cgroup"
    fi
    [[ -c /dev/fuse ]] || die "/dev/fuse is missing: zfs-fuse cannot run here"
    # AppArmor: this kernel has none; LXD notices and runs without it (no action needed).
    # Forwarding and NAT: LXD enables ip_forward and writes its nftables table itself.
}

# ---------------------------------------------------------------- 2. zfs-fuse

zfs_fuse_running() {
    local pid
    for pid in $(pgrep -x zfs-fuse || true); do
        proc_running "$pid" && return 0
    done
    return 1
}

ensure_zfs_fuse() {
    local pidfile="$RUN_DIR/zfs-fuse.pid"
    if zfs_fuse_running; then
        wait_until 20 "zfs-fuse to answer" zpool list
        return 0
    fi
    unmount_stale_zfs_fuse
    log "starting zfs-fuse"
    mkdir -p "$RUN_DIR" "$LOG_DIR"
    rm -f "$pidfile" # zfs-fuse exits with status 1, silently, when its pid file exists
    (
        ulimit -v unlimited 2>/dev/null || true
        ulimit -s unlimited 2>/dev/null || true
        cd /
        # zfs-fuse daemonizes itself and writes its pid file.
        setsid zfs-fuse --pidfile "$pidfile" </dev/null >>"$LOG_DIR/zfs-fuse.log" 2>&1
    ) || die "zfs-fuse failed to start (see $LOG_DIR/zfs-fuse.log)"
    wait_until 20 "zfs-fuse to answer" zpool list
    if pid_alive "$pidfile" zfs-fuse; then
        echo -1000 >"/proc/$(<"$pidfile")/oom_score_adj" 2>/dev/null || true
    fi
    record daemon zfs-fuse
    # zfs-fuse re-imports pools from its cache; mount their datasets.
    zfs mount -a 2>/dev/null || true
}

# A zfs-fuse that died (killed at the end of a session) leaves its FUSE mounts behind,
# answering "Transport endpoint is not connected"; detach them before starting a new one.
unmount_stale_zfs_fuse() {
    local mnt
    while read -r mnt; do
        log "detaching stale zfs-fuse mount $mnt"
        umount -l "$mnt" 2>/dev/null || log "could not detach $mnt"
    done < <(awk '$3 == "fuse.zfs" {print $2}' /proc/mounts | sort -r)
}

# zfs-fuse has been seen to vanish within seconds of a start on a pool whose previous daemon was
# killed (CI, session 11: `zpool list` answered, then LXD found the instance directories dead
# and every `zfs list` failed). Check that it still answers before LXD and the containers use
# it; start it again (twice at most) if not, with what its log says.
ZFS_FUSE_RESTARTS=0
ensure_zfs_fuse_alive() {
    local stage=$1
    if zfs_fuse_running && timeout 10 zpool list >/dev/null 2>&1; then
        return 0
    fi
    if ((ZFS_FUSE_RESTARTS >= 2)); then
        tail -n 20 "$LOG_DIR/zfs-fuse.log" >&2 2>/dev/null || true
        die "zfs-fuse stopped answering again ($stage) after two restarts; see $LOG_DIR/zfs-fuse.log and dmesg"
    fi
    ZFS_FUSE_RESTARTS=$((ZFS_FUSE_RESTARTS + 1))
    if zfs_fuse_running; then
        log "zfs-fuse runs but does not answer ($stage); restarting it"
        stop_pidfile "$RUN_DIR/zfs-fuse.pid" zfs-fuse 10
        pkill -KILL -x zfs-fuse 2>/dev/null || true
    else
        log "zfs-fuse is gone ($stage); starting it again"
    fi
    tail -n 5 "$LOG_DIR/zfs-fuse.log" >&2 2>/dev/null || true
    ensure_zfs_fuse
    ensure_pool
}

pool_imported() {
    zpool list -H -o name "$ZPOOL" >/dev/null 2>&1
}

ensure_pool() {
    if ! pool_imported; then
        if [[ -f $ZPOOL_IMG ]]; then
            log "importing pool $ZPOOL from $ZPOOL_IMG"
            zpool import -d "$STATE_DIR" "$ZPOOL" || die "zpool import -d $STATE_DIR $ZPOOL failed"
        else
            log "creating pool $ZPOOL on $ZPOOL_IMG ($ZPOOL_SIZE, sparse)"
            mkdir -p "$STATE_DIR"
            truncate -s "$ZPOOL_SIZE" "$ZPOOL_IMG"
            record file "$ZPOOL_IMG"
            zpool create -m none "$ZPOOL" "$ZPOOL_IMG" || die "zpool create $ZPOOL $ZPOOL_IMG failed"
            record zpool "$ZPOOL"
        fi
        zfs mount -a 2>/dev/null || true
    fi
    if ! zfs list -H -o name "$CONTAINERS_DATASET" >/dev/null 2>&1; then
        zfs create -o mountpoint=none "$CONTAINERS_DATASET" || die "zfs create $CONTAINERS_DATASET failed"
        record dataset "$CONTAINERS_DATASET"
    fi
}

# ---------------------------------------------------------------- 3. LXD

lxd_answers() {
    timeout 10 lxc query /1.0 >/dev/null 2>&1
}

ensure_lxd() {
    local pidfile="$RUN_DIR/lxd.pid"
    if lxd_answers; then
        return 0
    fi
    if pid_alive "$pidfile" lxd; then
        log "lxd (pid $(<"$pidfile")) runs but does not answer yet"
    else
        log "starting lxd"
        # LXD makes its nftables table "inet lxd" for its networks; down removes it when it
        # did not exist before (recorded before the daemon, so it is undone after LXD stops).
        if command -v nft >/dev/null && ! nft list table inet lxd >/dev/null 2>&1; then
            record nft-table "inet lxd"
        fi
        mkdir -p /var/log/lxd
        start_background "$pidfile" "$LOG_DIR/lxd.out" lxd --group lxd --logfile /var/log/lxd/lxd.log
        record daemon lxd
    fi
    timeout 120 lxd waitready --timeout=100 ||
        die "lxd did not become ready (see /var/log/lxd/lxd.log and $LOG_DIR/lxd.out)"
}

lxd_preseed() {
    cat <<EOF
config: {}
networks:
- name: $NETWORK
  type: bridge
  description: "Terrarium dev network (an OVN network in production)"
  config:
    ipv4.address: $NETWORK_ADDRESS
    ipv4.nat: "true"
    ipv6.address: none
storage_pools:
- name: $LXD_STORAGE_POOL
  driver: dir
profiles:
- name: default
  devices:
    eth0:
      name: eth0
      network: $NETWORK
      type: nic
    root:
      path: /
      pool: $LXD_STORAGE_POOL
      type: disk
EOF
}

lxd_exists() {
    lxc query "$1" >/dev/null 2>&1
}

profile_has_device() {
    lxc profile device get default "$1" type >/dev/null 2>&1
}

ensure_lxd_config() {
    if ! lxd_exists "/1.0/storage-pools/$LXD_STORAGE_POOL" && ! lxd_exists "/1.0/networks/$NETWORK" &&
        ! profile_has_device eth0 && ! profile_has_device root; then
        log "lxd init --preseed (dir pool $LXD_STORAGE_POOL, bridge $NETWORK $NETWORK_ADDRESS)"
        lxd_preseed | lxd init --preseed || die "lxd init --preseed failed"
        record lxd-storage "$LXD_STORAGE_POOL"
        record lxd-network "$NETWORK"
        record lxd-profile-device eth0
        record lxd-profile-device root
    else
        if ! lxd_exists "/1.0/storage-pools/$LXD_STORAGE_POOL"; then
            lxc storage create "$LXD_STORAGE_POOL" dir >/dev/null || die "lxc storage create $LXD_STORAGE_POOL dir failed"
            record lxd-storage "$LXD_STORAGE_POOL"
        fi
        if ! lxd_exists "/1.0/networks/$NETWORK"; then
            lxc network create "$NETWORK" --type=bridge ipv4.address="$NETWORK_ADDRESS" ipv4.nat=true \
                ipv6.address=none >/dev/null || die "lxc network create $NETWORK failed"
            record lxd-network "$NETWORK"
        fi
        if ! profile_has_device eth0; then
            lxc profile device add default eth0 nic name=eth0 network="$NETWORK" >/dev/null ||
                die "adding eth0 to the default profile failed"
            record lxd-profile-device eth0
        fi
        if ! profile_has_device root; then
            lxc profile device add default root disk path=/ pool="$LXD_STORAGE_POOL" >/dev/null ||
                die "adding root to the default profile failed"
            record lxd-profile-device root
        fi
    fi
    [[ $(lxc storage show "$LXD_STORAGE_POOL" | awk '$1 == "driver:" {print $2}') == dir ]] ||
        die "LXD storage pool '$LXD_STORAGE_POOL' exists but is not a dir pool"
}

ensure_project() {
    local path="/1.0/projects/$PROJECT"
    lxd_exists "$path" && return 0
    log "creating LXD project $PROJECT"
    lxc project create "$PROJECT" >/dev/null || die "lxc project create $PROJECT failed"
    record lxd-project "$PROJECT"
    # Terrarium keeps its config in this project's user.* keys: check that a PATCH works.
    # (LXD 5.0 replaces the project's whole config map on PATCH; it is empty here.)
    lxc query --request PATCH --data '{"config":{"user.test":"x"}}' "$path" >/dev/null ||
        die "PATCH $path with a user.* key failed"
    [[ $(lxc project get "$PROJECT" user.test) == x ]] || die "user.test did not stick on project $PROJECT"
    lxc project unset "$PROJECT" user.test || die "removing user.test from project $PROJECT failed"
}

# ---------------------------------------------------------------- 4. busybox image

image_hash() {
    {
        echo "terrarium-busybox image v1"
        sha256sum /bin/busybox | cut -d' ' -f1
        sha256sum "$HELPER_DIR/image/inittab" "$HELPER_DIR/image/rcS" "$HELPER_DIR/image/default.script" |
            cut -d' ' -f1
        declare -f build_image_tarball
    } | sha256sum | cut -c1-16
}

# build_image_tarball HASH OUT — a unified LXD image (metadata.yaml + rootfs/).
build_image_tarball() {
    local hash=$1 out=$2 tmp root applet
    tmp=$(mktemp -d "$CACHE_DIR/image-build.XXXXXX")
    root="$tmp/rootfs"
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/init.d,usr/share/udhcpc,proc,sys,dev,tmp,run,root,var/log,www}
    chmod 1777 "$root/tmp"
    chmod 0700 "$root/root"
    install -m 0755 /bin/busybox "$root/bin/busybox"
    while read -r applet; do
        [[ -n $applet && $applet != bin/busybox ]] || continue
        [[ -e $root/$applet ]] || ln -s /bin/busybox "$root/$applet"
    done < <(/bin/busybox --list-full)
    install -m 0644 "$HELPER_DIR/image/inittab" "$root/etc/inittab"
    install -m 0755 "$HELPER_DIR/image/rcS" "$root/etc/init.d/rcS"
    install -m 0755 "$HELPER_DIR/image/default.script" "$root/usr/share/udhcpc/default.script"
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    printf 'terrarium-busybox\n' >"$root/etc/hostname"
    printf '127.0.0.1 localhost\n' >"$root/etc/hosts"
    : >"$root/etc/resolv.conf"
    printf 'terrarium-busybox\n' >"$root/www/index.html"
    cat >"$tmp/metadata.yaml" <<EOF
architecture: $(uname -m)
creation_date: $(date +%s)
properties:
  architecture: $(uname -m)
  description: Terrarium dev busybox (udhcpc + httpd on :80)
  os: busybox
  release: "$(/bin/busybox | head -n1 | awk '{print $2}')"
  terrarium.hash: "$hash"
templates: {}
EOF
    tar -C "$tmp" --numeric-owner --owner=0 --group=0 -cJf "$out.tmp" metadata.yaml rootfs ||
        die "building image tarball failed"
    mv "$out.tmp" "$out"
    rm -rf "$tmp"
}

image_alias_hash() {
    lxc image show "$IMAGE" 2>/dev/null | awk '$1 == "terrarium.hash:" {gsub(/"/, "", $2); print $2}'
}

ensure_image() {
    local hash tarball current
    hash=$(image_hash)
    current=$(image_alias_hash || true)
    [[ $current != "$hash" ]] || return 0
    mkdir -p "$CACHE_DIR"
    tarball="$CACHE_DIR/terrarium-busybox-$hash.tar.xz"
    if [[ ! -s $tarball ]]; then
        log "building image $IMAGE ($hash)"
        build_image_tarball "$hash" "$tarball"
    fi
    if lxd_exists "/1.0/images/aliases/$IMAGE"; then
        if [[ -z $current ]] && ! was_created lxd-image "$IMAGE"; then
            die "image alias $IMAGE exists and was not made by this script; delete it or rename it"
        fi
        log "replacing image $IMAGE (was ${current:-unknown})"
        lxc image delete "$IMAGE" || die "lxc image delete $IMAGE failed"
    fi
    log "importing image $IMAGE"
    lxc image import "$tarball" --alias "$IMAGE" >/dev/null || die "lxc image import $tarball failed"
    record lxd-image "$IMAGE"
}

# ---------------------------------------------------------------- 5. demo containers

zfs_container() {
    TERRARIUM_DEV_CONTAINERS_DATASET="$CONTAINERS_DATASET" \
        TERRARIUM_DEV_LXD_STORAGE_POOL="$LXD_STORAGE_POOL" \
        TERRARIUM_DEV_IMAGE="$IMAGE" \
        "$HELPER_DIR/zfs-container.sh" "$@"
}

container_exists() {
    lxd_exists "/1.0/instances/$1"
}

container_ipv4() {
    lxc list "^$1\$" --format csv -c 4 2>/dev/null | head -n1 | awk '{print $1}'
}

ensure_demo_containers() {
    local name
    for name in "${DEMO_CONTAINERS[@]}"; do
        if container_exists "$name" && ! was_created zfs-container "$name"; then
            log "container $name exists and was not made by this script; leaving it alone"
            continue
        fi
        if ! container_exists "$name"; then
            record zfs-container "$name"
        elif ! zfs list -H -o name "$CONTAINERS_DATASET/$name" >/dev/null 2>&1 &&
            zfs list -H -o name "$CONTAINERS_DATASET" >/dev/null 2>&1; then
            # ours (recorded), and zfs answers for its parent but not for it: the demo
            # container is disposable, so make it again rather than stop the whole host
            log "container $name has lost its dataset $CONTAINERS_DATASET/$name; making it again"
            lxc delete --force "$name" >/dev/null || die "lxc delete --force $name failed"
        fi
        zfs_container create "$name" "$IMAGE"
        if [[ $(lxc config get "$name" user.proxy) != "${DEMO_PROXY[$name]}" ]]; then
            lxc config set "$name" user.proxy "${DEMO_PROXY[$name]}" || die "lxc config set $name user.proxy failed"
        fi
    done
}

# ---------------------------------------------------------------- 6. S3 (s3proxy)

random_string() {
    local length=$1 charset=$2 out=""
    while ((${#out} < length)); do
        out+=$(head -c 256 /dev/urandom | tr -dc "$charset")
    done
    printf '%s' "${out:0:length}"
}

ensure_s3_credentials() {
    if [[ -s $S3_ACCESS_KEY_FILE && -s $S3_SECRET_FILE ]]; then
        S3_ACCESS_KEY=$(<"$S3_ACCESS_KEY_FILE")
    else
        S3_ACCESS_KEY="TRMDEV$(random_string 14 'A-Z0-9')"
        (
            umask 077
            printf '%s\n' "$S3_ACCESS_KEY" >"$S3_ACCESS_KEY_FILE"
            random_string 40 'A-Za-z0-9' >"$S3_SECRET_FILE"
        )
        record file "$S3_ACCESS_KEY_FILE"
        record file "$S3_SECRET_FILE"
    fi
    chmod 0600 "$S3_SECRET_FILE"
}

write_s3_properties() {
    local tmp
    tmp=$(mktemp "$S3_PROPERTIES.XXXXXX") # mktemp creates 0600
    {
        echo "s3proxy.endpoint=$S3_ENDPOINT"
        echo "s3proxy.authorization=aws-v2-or-v4"
        echo "s3proxy.identity=$S3_ACCESS_KEY"
        echo "s3proxy.credential=$(<"$S3_SECRET_FILE")"
        echo "jclouds.provider=filesystem"
        echo "jclouds.filesystem.basedir=$S3_DATA_DIR"
    } >"$tmp"
    chmod 0600 "$tmp"
    if [[ -f $S3_PROPERTIES ]] && cmp -s "$tmp" "$S3_PROPERTIES"; then
        rm -f "$tmp"
        return 1
    fi
    mv "$tmp" "$S3_PROPERTIES"
    record file "$S3_PROPERTIES"
    return 0
}

fetch_s3proxy() {
    [[ -s $S3PROXY_JAR ]] && return 0
    log "fetching $S3PROXY_ARTIFACT from Maven Central"
    mkdir -p "$CACHE_DIR"
    (cd /tmp && mvn -q -B -Dstyle.color=never org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy \
        -Dartifact="$S3PROXY_ARTIFACT" -DoutputDirectory="$CACHE_DIR" -Dmdep.useBaseVersion=true \
        >>"$LOG_DIR/mvn.log" 2>&1) ||
        die "mvn dependency:copy $S3PROXY_ARTIFACT failed (see $LOG_DIR/mvn.log)"
    [[ -s $S3PROXY_JAR ]] || die "$S3PROXY_JAR missing after mvn dependency:copy"
}

s3_answers() {
    local code
    code=$(curl -s -o /dev/null -m 3 -w '%{http_code}' "$S3_ENDPOINT/" 2>/dev/null) || return 1
    [[ $code =~ ^[2-4][0-9][0-9]$ ]]
}

# s3_curl METHOD PATH [curl args...] — SigV4-signed request; credentials go through a curl
# config on stdin, never argv. curl 7.88 does not send x-amz-content-sha256 by itself (s3proxy
# then fails with HTTP 500); given as a header, curl signs it.
s3_curl() {
    local method=$1 path=$2
    shift 2
    printf 'user = "%s:%s"\n' "$S3_ACCESS_KEY" "$(<"$S3_SECRET_FILE")" |
        curl -sS -K - --aws-sigv4 "aws:amz:$S3_REGION:s3" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
            -X "$method" "$@" "$S3_ENDPOINT$path"
}

# A per-connection cap on loopback left by `BENCH_S3_STORE_MBPS=… scripts/bench-s3.sh` killed with -9 (its
# cleanup removes it otherwise) would slow every S3 test to a WAN's pace: nothing else here adds a root qdisc to lo.
lo_capped() {
    command -v tc >/dev/null 2>&1 && tc qdisc show dev lo 2>/dev/null | grep -q '^qdisc htb'
}

clear_store_cap() {
    if lo_capped; then
        log "removing the per-connection cap on loopback left by a killed bench-s3.sh (BENCH_S3_STORE_MBPS)"
        tc qdisc del dev lo root
    fi
}

ensure_s3proxy() {
    local pidfile="$RUN_DIR/s3proxy.pid" changed=0 code
    fetch_s3proxy
    clear_store_cap
    mkdir -p "$S3_DATA_DIR"
    ensure_s3_credentials
    write_s3_properties && changed=1
    if pid_alive "$pidfile" java && ((changed == 1)); then
        log "s3proxy configuration changed; restarting it"
        stop_pidfile "$pidfile" java 20
    fi
    if ! pid_alive "$pidfile" java; then
        if s3_answers; then
            die "something else listens on $S3_HOSTPORT; stop it first"
        fi
        log "starting s3proxy on $S3_HOSTPORT"
        start_background "$pidfile" "$LOG_DIR/s3proxy.log" \
            java -Xmx256m -jar "$S3PROXY_JAR" --properties "$S3_PROPERTIES"
        record daemon s3proxy
        record dir "$S3_DATA_DIR"
    fi
    wait_until 60 "s3proxy on $S3_HOSTPORT" s3_answers
    code=$(s3_curl HEAD "/$S3_BUCKET" -I -o /dev/null -w '%{http_code}') || die "HEAD /$S3_BUCKET failed"
    if [[ $code == 404 ]]; then
        log "creating bucket $S3_BUCKET"
        code=$(s3_curl PUT "/$S3_BUCKET" -o /dev/null -w '%{http_code}') || die "PUT /$S3_BUCKET failed"
        [[ $code == 200 ]] || die "creating bucket $S3_BUCKET answered HTTP $code (see $LOG_DIR/s3proxy.log)"
        record s3-bucket "$S3_BUCKET"
    elif [[ $code != 200 ]]; then
        die "HEAD /$S3_BUCKET answered HTTP $code (see $LOG_DIR/s3proxy.log)"
    fi
}

# ---------------------------------------------------------------- 7. env file

write_env_file() {
    local tmp
    tmp=$(mktemp "$ENV_FILE.XXXXXX")
    cat >"$tmp" <<EOF
# Written by scripts/devhost.sh up — source it: . $ENV_FILE
TERRARIUM_DEV_POOL=$ZPOOL
TERRARIUM_DEV_CONTAINERS_DATASET=$CONTAINERS_DATASET
TERRARIUM_DEV_LXD_STORAGE_POOL=$LXD_STORAGE_POOL
TERRARIUM_DEV_NETWORK=$NETWORK
TERRARIUM_DEV_IMAGE=$IMAGE
TERRARIUM_DEV_PROJECT=$PROJECT
TERRARIUM_DEV_S3_ENDPOINT=$S3_ENDPOINT
TERRARIUM_DEV_S3_BUCKET=$S3_BUCKET
TERRARIUM_DEV_S3_ACCESS_KEY=$S3_ACCESS_KEY
TERRARIUM_DEV_S3_SECRET_FILE=$S3_SECRET_FILE
TERRARIUM_DEV_S3_REGION=$S3_REGION
TERRARIUM_DEV_ZFS_CONTAINER=$HELPER_DIR/zfs-container.sh
EOF
    chmod 0600 "$tmp"
    if [[ -f $ENV_FILE ]] && cmp -s "$tmp" "$ENV_FILE"; then
        rm -f "$tmp"
    else
        mv "$tmp" "$ENV_FILE"
    fi
    record file "$ENV_FILE"
}

# ---------------------------------------------------------------- up

cmd_up() {
    local start=$SECONDS
    require_root
    mkdir -p "$STATE_DIR" "$RUN_DIR" "$LOG_DIR" "$CACHE_DIR"
    chmod 0755 "$STATE_DIR"
    ensure_packages
    ensure_host_prereqs
    ensure_zfs_fuse
    ensure_pool
    ensure_lxd
    ensure_lxd_config
    ensure_project
    ensure_image
    ensure_zfs_fuse_alive "before the demo containers"
    ensure_demo_containers
    ensure_s3proxy
    write_env_file
    log "dev host up in $((SECONDS - start))s; env file: $ENV_FILE"
}

# ---------------------------------------------------------------- down

undo() {
    local kind=$1 name=$2
    case $kind in
        s3-bucket)
            # The bucket's data goes with the s3 data directory.
            ;;
        daemon)
            case $name in
                s3proxy) stop_pidfile "$RUN_DIR/s3proxy.pid" java 20 ;;
                lxd)
                    if lxd_answers; then
                        timeout 120 lxd shutdown --timeout=90 || log "lxd shutdown failed; terminating it"
                    fi
                    stop_pidfile "$RUN_DIR/lxd.pid" lxd 30
                    ;;
                zfs-fuse)
                    zfs umount -a 2>/dev/null || true
                    stop_pidfile "$RUN_DIR/zfs-fuse.pid" zfs-fuse 30
                    ;;
                *) log "unknown daemon '$name' in $CREATED_LIST" ;;
            esac
            ;;
        dir)
            [[ $name == "$STATE_DIR"/* ]] && rm -rf -- "$name"
            ;;
        file)
            [[ $name == "$STATE_DIR"/* ]] && rm -f -- "$name"
            ;;
        zfs-container)
            lxd_answers || die "LXD does not answer; cannot remove container $name"
            zfs_container delete "$name"
            ;;
        lxd-image)
            if lxd_exists "/1.0/images/aliases/$name"; then
                lxc image delete "$name" || die "lxc image delete $name failed"
            fi
            ;;
        lxd-project)
            if lxd_exists "/1.0/projects/$name"; then
                lxc project delete "$name" || die "lxc project delete $name failed"
            fi
            ;;
        lxd-profile-device)
            if profile_has_device "$name"; then
                lxc profile device remove default "$name" >/dev/null || die "removing $name from the default profile failed"
            fi
            ;;
        lxd-network)
            if lxd_exists "/1.0/networks/$name"; then
                lxc network delete "$name" || die "lxc network delete $name failed"
            fi
            ;;
        lxd-storage)
            if lxd_exists "/1.0/storage-pools/$name"; then
                lxc storage delete "$name" || die "lxc storage delete $name failed"
            fi
            ;;
        nft-table)
            if ! lxd_answers && nft list table "${name% *}" "${name#* }" >/dev/null 2>&1; then
                nft delete table "${name% *}" "${name#* }" || log "could not delete nftables table $name"
            fi
            ;;
        dataset)
            if zfs list -H -o name "$name" >/dev/null 2>&1; then
                # the s3-export job holds its export bases (tag terrarium-export); a hold blocks destroy -r
                zfs list -H -r -t snapshot -o name "$name" 2>/dev/null | { grep '@terrarium-export-' || true; } |
                    while read -r snap; do zfs release terrarium-export "$snap" 2>/dev/null || true; done
                zfs destroy -r "$name" || die "zfs destroy -r $name failed"
            fi
            ;;
        zpool)
            if zpool list -H -o name "$name" >/dev/null 2>&1; then
                zpool destroy "$name" || die "zpool destroy $name failed"
            fi
            ;;
        *)
            log "unknown entry '$kind $name' in $CREATED_LIST; ignoring it"
            ;;
    esac
}

cmd_down() {
    local lines=() i kind name
    require_root
    if [[ ! -s $CREATED_LIST ]]; then
        log "nothing recorded in $CREATED_LIST; nothing to remove"
        return 0
    fi
    # After a reboot or the end of a session the daemons are gone: start them again, so that
    # what lives in them (containers, network, pool) can be removed.
    if grep -q '^zpool \|^dataset \|^zfs-container ' "$CREATED_LIST" && ! zfs_fuse_running; then
        ensure_zfs_fuse
        pool_imported || ! [[ -f $ZPOOL_IMG ]] || zpool import -d "$STATE_DIR" "$ZPOOL" || true
    fi
    if grep -q '^lxd-\|^zfs-container ' "$CREATED_LIST" && ! lxd_answers; then
        ensure_lxd
    fi
    mapfile -t lines <"$CREATED_LIST"
    # Undo in reverse order of creation: containers before the image, network and pool;
    # LXD before zfs-fuse.
    for ((i = ${#lines[@]} - 1; i >= 0; i--)); do
        [[ -n ${lines[i]} ]] || continue
        kind=${lines[i]%% *}
        name=${lines[i]#* }
        log "removing $kind $name"
        undo "$kind" "$name"
        unrecord "$kind" "$name"
    done
    rm -f "$CREATED_LIST"
    log "dev host down (kept the download/image cache in $CACHE_DIR)"
}

# ---------------------------------------------------------------- stop

cmd_stop() {
    require_root
    # The order of `down`: S3, then LXD (which stops its containers and starts them again at its
    # next start), then zfs-fuse (unmounts and syncs the pool).
    if pid_alive "$RUN_DIR/s3proxy.pid" java; then
        log "stopping s3proxy"
        undo daemon s3proxy
    fi
    if lxd_answers || pid_alive "$RUN_DIR/lxd.pid" lxd; then
        log "stopping lxd and its containers"
        undo daemon lxd
    fi
    if zfs_fuse_running; then
        log "stopping zfs-fuse"
        zfs umount -a 2>/dev/null || true
        stop_pidfile "$RUN_DIR/zfs-fuse.pid" zfs-fuse 30
    fi
    log "dev host stopped; scripts/devhost.sh up starts it again"
}

# ---------------------------------------------------------------- status

status_line() {
    local ok=$1 component=$2 detail=$3
    if ((ok == 0)); then
        printf '%-10s %-16s %s\n' OK "$component" "$detail"
    else
        printf '%-10s %-16s %s\n' FAIL "$component" "$detail"
        STATUS_FAILED=1
    fi
}

cmd_status() {
    local health name state ip lxd_ok=0 code
    STATUS_FAILED=0
    if zfs_fuse_running && timeout 10 zpool list >/dev/null 2>&1; then
        status_line 0 zfs-fuse "running"
    else
        status_line 1 zfs-fuse "not running or not answering"
    fi
    health=$(timeout 10 zpool list -H -o health "$ZPOOL" 2>/dev/null || true)
    if [[ $health == ONLINE ]] && timeout 10 zfs list -H -o name "$CONTAINERS_DATASET" >/dev/null 2>&1; then
        status_line 0 "pool $ZPOOL" "ONLINE, $(zpool list -H -o size,free "$ZPOOL" | awk '{print "size " $1 ", free " $2}')"
    else
        status_line 1 "pool $ZPOOL" "health ${health:-missing}"
    fi
    if lxd_answers; then
        status_line 0 lxd "$(lxc query /1.0 | awk -F'"' '/"server_version"/ {print "version " $4; exit}')"
    else
        status_line 1 lxd "not answering"
        lxd_ok=1
    fi
    if ((lxd_ok == 0)) && lxc network show "$NETWORK" 2>/dev/null | grep -q '^status: Created'; then
        status_line 0 "network" "$NETWORK $(lxc network get "$NETWORK" ipv4.address)"
    else
        status_line 1 "network" "$NETWORK missing"
    fi
    if ((lxd_ok == 0)) && lxd_exists "/1.0/projects/$PROJECT"; then
        status_line 0 project "$PROJECT"
    else
        status_line 1 project "$PROJECT missing"
    fi
    if ((lxd_ok == 0)) && lxd_exists "/1.0/images/aliases/$IMAGE"; then
        status_line 0 image "$IMAGE ($(image_alias_hash))"
    else
        status_line 1 image "$IMAGE missing"
    fi
    for name in "${DEMO_CONTAINERS[@]}"; do
        state=""
        ip=""
        if ((lxd_ok == 0)); then
            state=$(lxc list "^$name\$" --format csv -c s 2>/dev/null | head -n1)
            ip=$(container_ipv4 "$name")
        fi
        if [[ $state == RUNNING && -n $ip ]]; then
            status_line 0 "$name" "RUNNING $ip dataset $CONTAINERS_DATASET/$name"
        else
            status_line 1 "$name" "${state:-missing} ${ip:-no IPv4}"
        fi
    done
    code=$(curl -s -o /dev/null -m 3 -w '%{http_code}' "$S3_ENDPOINT/" 2>/dev/null || true)
    if [[ $code =~ ^[2-4][0-9][0-9]$ ]]; then
        status_line 0 s3proxy "$S3_ENDPOINT (HTTP $code), bucket $S3_BUCKET"
    else
        status_line 1 s3proxy "$S3_ENDPOINT not answering"
    fi
    if lo_capped; then
        status_line 1 loopback "an HTB qdisc caps connections (a killed bench-s3.sh BENCH_S3_STORE_MBPS run): devhost.sh up removes it"
    fi
    return "$STATUS_FAILED"
}

# ---------------------------------------------------------------- main

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
    exit 2
}

main() {
    (($# >= 1)) || usage
    case $1 in
        up) cmd_up ;;
        stop) cmd_stop ;;
        down) cmd_down ;;
        status) cmd_status ;;
        zfs-container)
            (($# >= 2 && $# <= 3)) || usage
            require_root
            # Recorded, so that `down` removes it before the dataset and the storage pool.
            container_exists "$2" || record zfs-container "$2"
            zfs_container create "${@:2}"
            ;;
        zfs-container-delete)
            (($# == 2)) || usage
            require_root
            zfs_container delete "$2"
            unrecord zfs-container "$2"
            ;;
        -h | --help | help) usage ;;
        *)
            echo "ERROR: unknown command '$1'" >&2
            usage
            ;;
    esac
}

main "$@"
