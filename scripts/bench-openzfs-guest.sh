#!/usr/bin/env bash
# Timings of the OpenZFS test guest (docs/benchmarks.md): warm boot to working pools, one command
# over the multiplexed ssh (beside the same command on the local zfs-fuse as the baseline), and
# stream throughput through the wrappers (beside a local pipe). With --cold it first rebuilds the
# image (build --force). Leaves the guest powered off.
#
#   scripts/bench-openzfs-guest.sh [--cold]
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd -P)
GUEST=$HERE/openzfs-guest.sh
BIN=$HERE/openzfs-guest/bin
N=20

seconds() { # seconds since $1 (date +%s.%N)
    awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'
}

main() {
    if [[ ${1:-} == --cold ]]; then
        local t0
        t0=$(date +%s.%N)
        bash "$GUEST" build --force >/dev/null
        echo "cold image build: $(seconds "$t0") s"
    fi
    trap 'bash "$GUEST" down >/dev/null 2>&1' EXIT
    local t
    t=$(date +%s.%N)
    bash "$GUEST" up 2>/dev/null
    echo "warm boot to working pools and LXD (up): $(seconds "$t") s"
    # shellcheck disable=SC1091
    echo "  of which LXD init (zfs storage pool, bridge, busybox image): $(. /var/lib/terrarium-dev/openzfs.env && echo "$TERRARIUM_OZ_LXD_INIT_SECONDS") s"
    t=$(date +%s.%N)
    "$BIN/lxc" launch -q terrarium-busybox bench-launch
    echo "lxc launch of the busybox image on the zfs driver to RUNNING: $(seconds "$t") s"
    t=$(date +%s.%N)
    until "$BIN/lxc" list bench-launch -c 4 --format csv | grep -q '[0-9]'; do sleep 1; done
    echo "  then until it has an IPv4 address (DHCP): $(seconds "$t") s more"
    "$BIN/lxc" delete -q --force bench-launch

    t=$(date +%s.%N)
    for ((i = 0; i < N; i++)); do "$BIN/zfs" list -H -o name terrarium >/dev/null; done
    echo "zfs list through the wrapper: $(awk -v s="$(seconds "$t")" -v n=$N 'BEGIN { printf "%.3f", s / n }') s per command"
    if command -v zfs >/dev/null && zfs list -H -o name terrarium >/dev/null 2>&1; then
        t=$(date +%s.%N)
        for ((i = 0; i < N; i++)); do zfs list -H -o name terrarium >/dev/null; done
        echo "baseline, local zfs-fuse zfs list: $(awk -v s="$(seconds "$t")" -v n=$N 'BEGIN { printf "%.3f", s / n }') s per command"
    fi

    local mib=256
    t=$(date +%s.%N)
    head -c $((mib << 20)) /dev/zero | "$BIN/guest-exec" cat >/dev/null
    echo "stream host → guest → host (guest-exec cat), ${mib} MiB: $(awk -v s="$(seconds "$t")" -v m=$mib 'BEGIN { printf "%.1f", m / s }') MiB/s"
    t=$(date +%s.%N)
    head -c $((mib << 20)) /dev/zero | cat >/dev/null
    echo "baseline, local pipe, ${mib} MiB: $(awk -v s="$(seconds "$t")" -v m=$mib 'BEGIN { printf "%.1f", m / s }') MiB/s"

    "$BIN/guest-exec" bash -c 'zfs create terrarium/bench && head -c 67108864 /dev/urandom > /terrarium/bench/r.bin && sync && zfs snapshot terrarium/bench@s'
    t=$(date +%s.%N)
    local bytes
    bytes=$("$BIN/zfs" send terrarium/bench@s | wc -c)
    echo "zfs send of 64 MiB random to the host: $(awk -v s="$(seconds "$t")" -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 / s }') MiB/s ($bytes bytes)"
}

main "$@"
