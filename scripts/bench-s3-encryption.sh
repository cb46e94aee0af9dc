#!/usr/bin/env bash
# Cost of S3 backup encryption (issue 13): the same generated, incompressible stream exported to the
# dev host's s3proxy with and without a backup key, alternating in one JVM (so both see the same
# load), then read back through the restore path (part SHA-256 check, AES-GCM decrypt, zstd -d).
# Prints a Markdown table: MiB/s and CPU seconds per GiB (the JVM's, all threads; s3proxy excluded)
# per mode and phase, the median over the rounds, and the load average during the run.
#
# Usage: scripts/bench-s3-encryption.sh [MiB per stream, default 256] [rounds, default 3]
# Needs: scripts/devhost.sh up (s3proxy). Deletes its objects afterwards.
set -euo pipefail
MIB=${1:-256}
ROUNDS=${2:-3}
cd "$(dirname "$0")/.."
set -a; . /var/lib/terrarium-dev/devhost.env; set +a
mvn -q -o test-compile
mvn -q -o dependency:build-classpath -Dmdep.outputFile=target/cp.txt >/dev/null
CP="target/test-classes:target/classes:$(cat target/cp.txt)"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
OUT=$(java -Xmx512m -cp "$CP" io.terrarium.s3.BenchEncryptionMain "$MIB" "$ROUNDS" "bench-enc-$$/" | grep '^RESULT')
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
echo "$OUT" >&2
echo "| mode | phase | MiB/s (median of $ROUNDS) | CPU s per GiB (median) |"
echo "|---|---|---|---|"
for mode in plain sealed; do
  for phase in export restore; do
    rates=$(echo "$OUT" | awk -v m="$mode" -v p="$phase" '$2=="mode="m && $3=="phase="p {split($4,a,"="); split($5,b,"="); printf "%.1f\n", a[2]/b[2]}' | sort -n)
    cpus=$(echo "$OUT" | awk -v m="$mode" -v p="$phase" '$2=="mode="m && $3=="phase="p {split($4,a,"="); split($6,c,"="); printf "%.2f\n", c[2]*1024/a[2]}' | sort -n)
    k=$(( (ROUNDS + 1) / 2 ))
    echo "| $mode | $phase | $(echo "$rates" | sed -n "${k}p") | $(echo "$cpus" | sed -n "${k}p") |"
  done
done
echo
echo "$MIB MiB per stream, $ROUNDS rounds, $(nproc) cores; load average before: $LOAD0, after: $LOAD1"
