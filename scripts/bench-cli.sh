#!/usr/bin/env bash
# CLI latency benchmark (issue 16 item 4): median wall time of N runs (default 7) of terrariumctl's
# help and read-only commands, beside lxc and syncoid measured in the same run, interleaved so that
# load changes hit every row alike. `--help` rows are measured twice: as the launcher answers them
# (the build-time page, no JVM) and with TERRARIUM_HELP_PAGES=0 (the JVM, the baseline); read-only
# commands with the CLI's AppCDS archive and with TERRARIUM_CDS=0 (the baseline). Wall time and CPU
# time (user + sys of the command and its children) are both reported: at a high load average the
# wall time mostly measures the neighbours, the CPU time what the command itself costs.
# BENCH_CLI_BEFORE=/path/to/other/target/dist/bin/terrariumctl adds the same commands run by another
# build (e.g. a worktree of the previous release) as interleaved "(before build)" rows.
# Needs a built release (mvn package); lxc and syncoid rows are skipped when the tool is missing.
# Read-only commands run against private empty run/state/etc dirs (no daemon, no stored config), so
# they measure start-up and the command's own work, not a large host.
# Prints a Markdown table for docs/benchmarks.md.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
TRM="$ROOT/target/dist/bin/terrariumctl"
N=${N:-7}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export TERRARIUM_RUN_DIR="$WORK/run" TERRARIUM_STATE_DIR="$WORK/state" TERRARIUM_ETC_DIR="$WORK/etc"

[[ -x $TRM ]] || { echo "ERROR: build first: mvn package" >&2; exit 1; }

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

rows=(
    "terrariumctl --help (page)|$TRM --help"
    "terrariumctl --help (JVM, before)|env TERRARIUM_HELP_PAGES=0 $TRM --help"
    "terrariumctl backup restore --help (page)|$TRM backup restore --help"
    "terrariumctl backup restore --help (JVM, before)|env TERRARIUM_HELP_PAGES=0 $TRM backup restore --help"
    "terrariumctl --version|$TRM --version"
    "terrariumctl status|$TRM status"
    "terrariumctl status (no CDS, before)|env TERRARIUM_CDS=0 $TRM status"
    "terrariumctl jobs list|$TRM jobs list"
    "terrariumctl jobs list (no CDS, before)|env TERRARIUM_CDS=0 $TRM jobs list"
    "terrariumctl backup list --source local|$TRM backup list --source local"
    "terrariumctl backup list --source local (no CDS, before)|env TERRARIUM_CDS=0 $TRM backup list --source local"
)
if [[ -n ${BENCH_CLI_BEFORE:-} ]]; then
    rows+=(
        "terrariumctl --help (before build)|$BENCH_CLI_BEFORE --help"
        "terrariumctl status (before build)|$BENCH_CLI_BEFORE status"
        "terrariumctl jobs list (before build)|$BENCH_CLI_BEFORE jobs list"
        "terrariumctl backup list --source local (before build)|$BENCH_CLI_BEFORE backup list --source local"
    )
fi
command -v lxc >/dev/null && rows+=("lxc --help|lxc --help" "lxc list (neighbour's read-only)|lxc list")
command -v syncoid >/dev/null && rows+=("syncoid --help|syncoid --help")

# the CLI's AppCDS archive is trained by the first CLI command after a build: not inside a sample
"$TRM" config check "$ROOT/target/dist/config/samples/minimal.yaml" >/dev/null

declare -A wall cpu
TIMEFORMAT='%R %U %S'
for _ in $(seq 1 "$N"); do
    for row in "${rows[@]}"; do
        name=${row%%|*}
        cmd=${row#*|}
        # shellcheck disable=SC2086 # cmd is a word list
        t=$( { time $cmd </dev/null >/dev/null 2>&1 || true; } 2>&1 )
        read -r r u s <<<"$t"
        wall[$name]+="$(awk -v r="$r" 'BEGIN {printf "%d", r * 1000}') "
        cpu[$name]+="$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%d", (u + s) * 1000}') "
    done
done

echo "| command (median of $N, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%F)) | wall ms | CPU ms |"
echo "| --- | --- | --- |"
for row in "${rows[@]}"; do
    name=${row%%|*}
    # shellcheck disable=SC2086,SC2016 # one sample per word; the backquotes are Markdown
    printf '| `%s` | %s | %s |\n' "$name" "$(printf '%s\n' ${wall[$name]} | median)" "$(printf '%s\n' ${cpu[$name]} | median)"
done
