#!/usr/bin/env bash
# Restore drill figures for docs/benchmarks.md (issue 15 item 6): runs RestoreDrillIT on the
# development host with MiB of random data in the container (default 256), i.e. `backup export` of a
# zfs-backed LXD container to s3proxy, then `jobs run restore-drill` (download, authenticate,
# zstd -d, zfs receive into a scratch dataset, GUID and file-tree comparison, clean-up), and prints
# the drill's own figures: restored bytes, seconds of the receive, RTO in seconds per GiB.
#
# Usage: scripts/bench-restore-drill.sh [MiB, default 256]
# Needs: scripts/devhost.sh up; runs under the IT lock; builds the package first (mvn -o).
set -euo pipefail

MIB=${1:-256}
cd "$(dirname "$0")/.."

main() {
  [ -f /var/lib/terrarium-dev/devhost.env ] || { echo "ERROR: run scripts/devhost.sh up first" >&2; exit 1; }
  set -a; . /var/lib/terrarium-dev/devhost.env; set +a
  mvn -B -ntp -o -q package -DskipTests
  rm -rf target/failsafe-reports
  local log=target/bench-restore-drill.log
  flock /var/lock/terrarium-it.lock mvn -B -ntp -o failsafe:integration-test failsafe:verify -DskipITs=false \
    -Dit.test='RestoreDrillIT#drillMatchesSource' -Ddrill.mib="$MIB" > "$log" 2>&1 || { tail -50 "$log" >&2; exit 1; }
  local line
  line=$(grep -h 'DRILL-FIGURES' "$log" target/failsafe-reports/*RestoreDrillIT*-output.txt 2>/dev/null | head -n1 || true)
  [ -n "$line" ] || { echo "ERROR: no DRILL-FIGURES line in $log" >&2; exit 1; }
  echo "$line"
}

main "$@"
