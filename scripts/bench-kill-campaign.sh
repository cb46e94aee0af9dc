#!/usr/bin/env bash
# kill -9 campaign (issue 13) on the development host: `terrariumctl backup export` and
# `backup restore --source s3` (the packaged CLI, each its own JVM) are sent SIGKILL at random time
# points (half the exports: mid multipart upload); after every kill an uncut export must succeed with 0 multipart uploads of the installation
# left, `backup verify` must pass (no chain broken), and every restore point committed so far is
# restored as a new instance and compared file by file (SHA-256) with what was written before its
# export. Prints a Markdown row for docs/benchmarks.md; exit 1 when any check failed.
# Code: src/test/java/io/terrarium/it/KillCampaign.java (not in the IT suite: 1–3 min per point).
#
# Usage: scripts/bench-kill-campaign.sh [kills, default 20] [seed, default: the time]
#        KILL_CAMPAIGN_NO_BUILD=1 … skips `mvn package` (target/dist must be current)
# Needs: scripts/devhost.sh up (zfs-fuse pool, LXD, s3proxy). Takes the IT lock
# (/var/lock/terrarium-it.lock) while it runs: it changes the stored configuration and restores it.
# Cleans up after itself (its LXD project kc-*, dataset terrarium/kc-*, prefix kill-campaign-*/).
set -euo pipefail
POINTS=${1:-20}
SEED=${2:-$(date +%s)}
cd "$(dirname "$0")/.."
set -a; . /var/lib/terrarium-dev/devhost.env; set +a
[ -n "${KILL_CAMPAIGN_NO_BUILD:-}" ] || mvn -B -ntp -q -o package -DskipTests   # the campaign runs the packaged CLI
mvn -q -o test-compile
mvn -q -o dependency:build-classpath -Dmdep.outputFile=target/cp.txt >/dev/null
CP="target/test-classes:target/classes:$(cat target/cp.txt)"
echo "[kill-campaign] $POINTS kills, seed $SEED, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); waiting for the IT lock" >&2
exec flock /var/lock/terrarium-it.lock java -Xmx256m -cp "$CP" io.terrarium.it.KillCampaign "$POINTS" "$SEED"
