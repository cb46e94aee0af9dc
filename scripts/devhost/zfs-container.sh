#!/usr/bin/env bash
# zfs-container.sh — LXD containers whose instance directory is a zfs-fuse dataset.
#
# The development host has no ZFS kernel module, so LXD's zfs storage driver cannot be
# used. Instead a container lives on a `dir` storage pool and its instance directory
# (<pool source>/containers/<name>) is replaced by a zfs-fuse dataset mounted at the same
# path (DESIGN.md §7). Snapshots, rollback and send/receive of that dataset then act on the
# live container.
#
# Usage:
#   zfs-container.sh create NAME [IMAGE]   create (if missing) and start NAME
#   zfs-container.sh NAME [IMAGE]          same as create
#   zfs-container.sh delete NAME           stop NAME, destroy its dataset, delete it
#   zfs-container.sh path NAME             print NAME's instance directory
#   zfs-container.sh dataset NAME          print NAME's dataset
#
# Environment (defaults match scripts/devhost.sh and /var/lib/terrarium-dev/devhost.env):
#   TERRARIUM_DEV_CONTAINERS_DATASET  parent dataset           (terrarium/containers)
#   TERRARIUM_DEV_LXD_STORAGE_POOL    LXD dir storage pool     (default)
#   TERRARIUM_DEV_IMAGE               image alias              (terrarium-busybox)
#   TERRARIUM_DEV_LXD_PROJECT         LXD project              (default)
#   TERRARIUM_DEV_NO_START=1          create but do not start
#   TERRARIUM_DEV_IP_TIMEOUT          seconds to wait for an IPv4 after start (30; 0 = don't wait)
set -euo pipefail

PARENT_DATASET=${TERRARIUM_DEV_CONTAINERS_DATASET:-terrarium/containers}
STORAGE_POOL=${TERRARIUM_DEV_LXD_STORAGE_POOL:-default}
DEFAULT_IMAGE=${TERRARIUM_DEV_IMAGE:-terrarium-busybox}
PROJECT=${TERRARIUM_DEV_LXD_PROJECT:-default}
IP_TIMEOUT=${TERRARIUM_DEV_IP_TIMEOUT:-30}

die() {
    echo "ERROR: $*" >&2
    exit 1
}

log() {
    echo "zfs-container: $*" >&2
}

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
    exit 2
}

lxc_p() {
    lxc --project "$PROJECT" "$@"
}

valid_name() {
    [[ $1 =~ ^[a-zA-Z][a-zA-Z0-9-]{0,62}$ ]] || die "invalid container name '$1'"
}

# `lxc query` refuses --project: the project goes into the URL.
instance_exists() {
    lxc query "/1.0/instances/$1?project=$PROJECT" >/dev/null 2>&1
}

instance_status() {
    lxc_p list "^$1\$" --format csv -c s 2>/dev/null | head -n1
}

# The instance directory LXD's dir driver uses for NAME in PROJECT.
instance_dir() {
    local name=$1 source driver
    driver=$(lxc storage show "$STORAGE_POOL" 2>/dev/null | awk '$1 == "driver:" {print $2}')
    [[ -n $driver ]] || die "LXD storage pool '$STORAGE_POOL' not found"
    [[ $driver == dir ]] || die "storage pool '$STORAGE_POOL' uses driver '$driver'; zfs-backed dev containers need a 'dir' pool"
    source=$(lxc storage get "$STORAGE_POOL" source)
    [[ -n $source ]] || die "cannot read the source path of storage pool '$STORAGE_POOL'"
    if [[ $PROJECT == default ]]; then
        echo "$source/containers/$name"
    else
        echo "$source/containers/${PROJECT}_$name"
    fi
}

dataset_of() {
    echo "$PARENT_DATASET/$1"
}

# dataset_exists DATASET — 0 when it exists, 1 when zfs says it does not; any other failure
# (zfs-fuse gone or not answering) is an error, never taken for "no dataset".
dataset_exists() {
    local err
    err=$(zfs list -H -o name "$1" 2>&1 >/dev/null) && return 0
    [[ $err == *"dataset does not exist"* ]] && return 1
    die "zfs list $1 failed: ${err:-no message} (zfs-fuse not running or not answering? see scripts/devhost.sh status)"
}

dataset_mountpoint() {
    zfs get -H -o value mountpoint "$1"
}

is_mounted() {
    awk -v p="$1" '$2 == p {found = 1} END {exit !found}' /proc/mounts
}

ensure_mounted() {
    local dataset=$1 dir=$2
    if ! is_mounted "$dir"; then
        zfs mount "$dataset" || die "cannot mount $dataset at $dir"
    fi
}

# A running container whose root file system sits on a dead zfs-fuse mount (zfs-fuse was
# killed and restarted under it) answers nothing useful: such a container must restart.
rootfs_alive() {
    local pid
    pid=$(lxc query "/1.0/instances/$1/state?project=$PROJECT" 2>/dev/null | awk -F'[:,]' '/"pid":/ {gsub(/[ \t]/, "", $2); print $2; exit}')
    [[ $pid =~ ^[0-9]+$ && $pid != 0 ]] || return 0
    ls "/proc/$pid/root/" >/dev/null 2>&1
}

# Move the freshly initialised instance directory onto a new dataset.
move_onto_dataset() {
    local name=$1 dataset dir aside owner mode
    dataset=$(dataset_of "$name")
    dir=$(instance_dir "$name")
    [[ -d $dir ]] || die "instance directory $dir of '$name' does not exist"
    dataset_exists "$PARENT_DATASET" || die "parent dataset $PARENT_DATASET does not exist (run scripts/devhost.sh up)"
    owner=$(stat -c '%u:%g' "$dir")
    mode=$(stat -c '%a' "$dir")
    aside="$dir.zfs-aside"
    [[ ! -e $aside ]] || die "$aside exists (left by an interrupted run?); remove it and retry"
    mv "$dir" "$aside"
    if ! zfs create -o mountpoint="$dir" "$dataset"; then
        mv "$aside" "$dir"
        die "zfs create $dataset (mountpoint $dir) failed"
    fi
    ensure_mounted "$dataset" "$dir"
    cp -a "$aside/." "$dir/" || die "copying $aside into dataset $dataset failed (left $aside in place)"
    chown "$owner" "$dir"
    chmod "$mode" "$dir"
    rm -rf "$aside"
    txg_sync "$dataset"
}

# zfs-fuse commits a transaction group only every few seconds and `sync` does not force it:
# a zfs-fuse killed right after a write (end of a session) loses that write. A property
# change is a sync task that waits for the commit.
txg_sync() {
    zfs set terrarium:txg-sync=1 "$1" && zfs inherit terrarium:txg-sync "$1"
}

# destroy_dataset DATASET — right after `lxc stop`, LXD still writes backup.yaml in the
# instance directory for a moment, and zfs-fuse answers "dataset is busy": retry.
destroy_dataset() {
    local dataset=$1 i s
    # the s3-export job holds its export base (tag terrarium-export): a held snapshot blocks destroy -r
    # (no export base is the usual case: grep's exit 1 must not end the script under pipefail)
    zfs list -H -r -t snapshot -o name "$dataset" 2>/dev/null | { grep '@terrarium-export-' || true; } | while read -r s; do
        zfs release terrarium-export "$s" 2>/dev/null || true
    done
    for ((i = 0; i < 40; i++)); do
        zfs destroy -r "$dataset" 2>/dev/null && return 0
        zfs list -H -o name "$dataset" >/dev/null 2>&1 || return 0
        sleep 0.5
    done
    zfs destroy -r "$dataset" || die "zfs destroy -r $dataset failed"
}

wait_for_ipv4() {
    local name=$1 deadline ip
    ((IP_TIMEOUT > 0)) || return 0
    deadline=$((SECONDS + IP_TIMEOUT))
    while ((SECONDS < deadline)); do
        ip=$(instance_ipv4 "$name")
        if [[ -n $ip ]]; then
            return 0
        fi
        sleep 0.5
    done
    die "'$name' got no IPv4 address within ${IP_TIMEOUT}s"
}

instance_ipv4() {
    lxc_p list "^$1\$" --format csv -c 4 2>/dev/null | head -n1 | awk '{print $1}'
}

cmd_create() {
    local name=$1 image=${2:-$DEFAULT_IMAGE} dataset dir
    valid_name "$name"
    dataset=$(dataset_of "$name")
    dir=$(instance_dir "$name")
    if instance_exists "$name"; then
        dataset_exists "$dataset" || die "instance '$name' exists but has no dataset $dataset; it was not made by this script"
        [[ $(dataset_mountpoint "$dataset") == "$dir" ]] || die "dataset $dataset is not mounted at $dir"
        ensure_mounted "$dataset" "$dir"
        if [[ $(instance_status "$name") == RUNNING ]] && ! rootfs_alive "$name"; then
            log "$name runs on a stale zfs-fuse mount; restarting it"
            lxc_p stop --force "$name" || die "lxc stop --force $name failed"
        fi
    else
        dataset_exists "$dataset" && die "dataset $dataset exists but instance '$name' does not; destroy the dataset first"
        log "creating $name from $image on $dataset"
        lxc_p init -q "$image" "$name" --storage "$STORAGE_POOL" >/dev/null || die "lxc init $image $name failed"
        move_onto_dataset "$name"
    fi
    if [[ ${TERRARIUM_DEV_NO_START:-0} != 1 && $(instance_status "$name") != RUNNING ]]; then
        lxc_p start -q "$name" || die "lxc start $name failed (see lxc info --show-log $name)"
    fi
    if [[ ${TERRARIUM_DEV_NO_START:-0} != 1 ]]; then
        wait_for_ipv4 "$name"
    fi
}

cmd_delete() {
    local name=$1 dataset dir
    valid_name "$name"
    dataset=$(dataset_of "$name")
    if instance_exists "$name"; then
        dir=$(instance_dir "$name")
        if [[ $(instance_status "$name") != STOPPED ]]; then
            lxc_p stop --force "$name" || die "lxc stop $name failed"
        fi
        if dataset_exists "$dataset"; then
            destroy_dataset "$dataset"
        fi
        # The dataset is gone; LXD removes the (now empty) instance directory.
        mkdir -p "$dir"
        lxc_p delete --force "$name" || die "lxc delete $name failed"
    elif dataset_exists "$dataset"; then
        destroy_dataset "$dataset"
    fi
}

main() {
    (($# >= 1)) || usage
    case $1 in
        create)
            (($# >= 2 && $# <= 3)) || usage
            cmd_create "${@:2}"
            ;;
        delete)
            (($# == 2)) || usage
            cmd_delete "$2"
            ;;
        path)
            (($# == 2)) || usage
            instance_dir "$2"
            ;;
        dataset)
            (($# == 2)) || usage
            dataset_of "$2"
            ;;
        -h | --help | help)
            usage
            ;;
        *)
            (($# <= 2)) || usage
            cmd_create "$@"
            ;;
    esac
}

main "$@"
