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
# Read-only commands run against private empty run/state/etc dirs (no stored config), so they
# measure start-up and the command's own work, not a large host. With BENCH_CLI_DAEMON=1 (root, a
# free privileged port) a daemon runs on those dirs for the whole benchmark and the read-only rows
# are measured twice: "(served)" — answered by the daemon over its CLI socket, the launcher's default
# when the daemon runs — and "(JVM)" with TERRARIUM_SERVED=0 (the CLI's own JVM, the baseline);
# plus the trigger round trip of `jobs run host-facts` through the daemon, likewise served (the
# daemon runs the command and streams its output back) and through the CLI's JVM and Jolokia, on a
# pipe and typed at a terminal (a pty from script(1), whose own cost is a row).
# Prints a Markdown table for docs/benchmarks.md.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
TRM="$ROOT/target/dist/bin/terrariumctl"
N=${N:-7}
WORK=$(mktemp -d)
export TERRARIUM_RUN_DIR="$WORK/run" TERRARIUM_STATE_DIR="$WORK/state" TERRARIUM_ETC_DIR="$WORK/etc"

[[ -x $TRM ]] || { echo "ERROR: build first: mvn package" >&2; exit 1; }

daemon_pid=""
stop_daemon() {
    [[ -z $daemon_pid ]] || kill "$daemon_pid" 2>/dev/null || true
    [[ -z $daemon_pid ]] || wait "$daemon_pid" 2>/dev/null || true
    rm -rf "$WORK"
}
trap stop_daemon EXIT
if [[ ${BENCH_CLI_DAEMON:-0} = 1 ]]; then
    port=${BENCH_CLI_PORT:-$((700 + RANDOM % 200))}
    "$TRM" daemon --port "$port" >"$WORK/daemon.log" 2>&1 &
    daemon_pid=$!
    for _ in $(seq 1 120); do
        [[ -S $WORK/run/cli/cli.sock ]] && break
        kill -0 "$daemon_pid" 2>/dev/null || { cat "$WORK/daemon.log" >&2; echo "ERROR: the daemon did not start" >&2; exit 1; }
        sleep 0.5
    done
    [[ -S $WORK/run/cli/cli.sock ]] || { echo "ERROR: no CLI socket after 60 s" >&2; exit 1; }
fi

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

rows=(
    "terrariumctl --help (page)|$TRM --help"
    "terrariumctl --help (JVM, before)|env TERRARIUM_HELP_PAGES=0 $TRM --help"
    "terrariumctl backup restore --help (page)|$TRM backup restore --help"
    "terrariumctl backup restore --help (JVM, before)|env TERRARIUM_HELP_PAGES=0 $TRM backup restore --help"
    "terrariumctl --version|$TRM --version"
)
if [[ -n $daemon_pid ]]; then
    rows+=(
        "terrariumctl status (served)|$TRM status"
        "terrariumctl status (JVM, before)|env TERRARIUM_SERVED=0 $TRM status"
        "terrariumctl jobs list (served)|$TRM jobs list"
        "terrariumctl jobs list (JVM, before)|env TERRARIUM_SERVED=0 $TRM jobs list"
        "terrariumctl backup list --source local (served)|$TRM backup list --source local"
        "terrariumctl backup list --source local (JVM, before)|env TERRARIUM_SERVED=0 $TRM backup list --source local"
        "terrariumctl jobs run host-facts (trigger, served)|$TRM jobs run host-facts"
        "terrariumctl jobs run host-facts (trigger, JVM, before)|env TERRARIUM_SERVED=0 $TRM jobs run host-facts"
        # typed at a terminal: a pty from script(1) (its own cost is a row of its own)
        "script -qec true (a pty's own cost)|$WORK/pty true"
        "terrariumctl jobs run host-facts (trigger, terminal, served)|$WORK/pty $TRM jobs run host-facts"
        "terrariumctl jobs run host-facts (trigger, terminal, JVM, before)|$WORK/pty env TERRARIUM_SERVED=0 $TRM jobs run host-facts"
    )
    printf '#!/bin/sh\nexec script -qec "$*" /dev/null\n' >"$WORK/pty"
    chmod +x "$WORK/pty"
else
    rows+=(
        "terrariumctl status|$TRM status"
        "terrariumctl status (no CDS, before)|env TERRARIUM_CDS=0 $TRM status"
        "terrariumctl jobs list|$TRM jobs list"
        "terrariumctl jobs list (no CDS, before)|env TERRARIUM_CDS=0 $TRM jobs list"
        "terrariumctl backup list --source local|$TRM backup list --source local"
        "terrariumctl backup list --source local (no CDS, before)|env TERRARIUM_CDS=0 $TRM backup list --source local"
    )
fi
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

declare -A wall cpu overhead
TIMEFORMAT='%R %U %S'
for _ in $(seq 1 "$N"); do
    for row in "${rows[@]}"; do
        name=${row%%|*}
        cmd=${row#*|}
        # shellcheck disable=SC2086 # cmd is a word list
        t=$( { time $cmd </dev/null >"$WORK/out" 2>&1 || true; } 2>&1 )
        read -r r u s <<<"$t"
        ms=$(awk -v r="$r" 'BEGIN {printf "%d", r * 1000}')
        wall[$name]+="$ms "
        cpu[$name]+="$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%d", (u + s) * 1000}') "
        if [[ $name = *"(trigger"* ]]; then
            # the job's own time from its result line ("host-facts: OK in 812 ms (…)"): overhead = wall − job
            job=$(sed -n 's/.*: [A-Z]* in \([0-9]*\) ms.*/\1/p' "$WORK/out" | head -1)
            [[ -n $job ]] && overhead[$name]+="$((ms - job)) "
        fi
    done
done

echo "| command (median of $N, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%F)) | wall ms | CPU ms |"
echo "| --- | --- | --- |"
for row in "${rows[@]}"; do
    name=${row%%|*}
    # shellcheck disable=SC2086,SC2016 # one sample per word; the backquotes are Markdown
    printf '| `%s` | %s | %s |\n' "$name" "$(printf '%s\n' ${wall[$name]} | median)" "$(printf '%s\n' ${cpu[$name]} | median)"
done
for row in "${rows[@]}"; do
    name=${row%%|*}
    [[ -n ${overhead[$name]:-} ]] || continue
    how=${name#*(trigger, }
    # shellcheck disable=SC2086 # one sample per word
    printf '| trigger overhead, %s (wall − the job'"'"'s own time) | %s | — |\n' "${how%)}" "$(printf '%s\n' ${overhead[$name]} | median)"
done
