#!/usr/bin/env bash
# Daemon start benchmark (issue 16 item 4: "daemon start to health UP ≤ 1.5 s"): median over N runs
# (default 5) of the wall time from launching `terrariumctl daemon` to the first 200 from its health
# endpoint, and the daemon JVM's CPU time (user + sys, all its threads: class loading, JIT, GC)
# at that moment. Each run uses private empty run/state/etc dirs (no stored configuration: the
# defaults, every job route and schedule, Jolokia, metrics) and a management port given by PORT
# (default 877; it must be free and below 1024). Rows, interleaved run by run: as shipped (the daemon's
# own AppCDS archive, recorded first by `terrariumctl daemon --train-cds` as install/update do; the
# recording's wall time is printed), with only the CLI's archive (the state before the daemon had its
# own: TERRARIUM_CDS_DIR at a directory holding just that one), and with TERRARIUM_CDS=0 (no
# class-data sharing) so each archive's share is visible. BENCH_DAEMON_JSA=/path/archive.jsa adds a row
# with that archive instead of the shipped one — an experiment: record one with
# `TERRARIUM_CDS=0 TERRARIUM_JAVA_OPTS=-XX:ArchiveClassesAtExit=/path/archive.jsa terrariumctl daemon`
# (stop it after health UP). Prints a Markdown table for
# docs/benchmarks.md; the load average is printed, because at a high load the wall time measures the
# neighbours more than the daemon.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
TRM="$ROOT/target/dist/bin/terrariumctl"
N=${N:-5}
PORT=${PORT:-877}
[[ -x $TRM ]] || { echo "ERROR: build first: mvn package" >&2; exit 1; }
if curl -s -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null; then
    echo "ERROR: 127.0.0.1:$PORT already answers; set PORT to a free port below 1024" >&2
    exit 1
fi
TICK=$(getconf CLK_TCK)

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# one run: prints "<wall ms> <cpu ms>"
one() {
    local work pid t0 t1 cpu
    work=$(mktemp -d)
    # every job paused (a copy of the state `jobs pause` wrote once, below): the daemon reads the stored
    # configuration, and a job firing before it is stopped must not touch the host (tester, session 8)
    cp -a "$PAUSED/state" "$work/state"
    t0=$(date +%s%N)
    env "$@" TERRARIUM_RUN_DIR="$work/run" TERRARIUM_STATE_DIR="$work/state" TERRARIUM_ETC_DIR="$work/etc" \
        "$TRM" daemon --port "$PORT" >"$work/log" 2>&1 &
    pid=$!
    until curl -fs -o /dev/null "http://127.0.0.1:$PORT/observe/health"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "ERROR: the daemon exited before health UP; its log:" >&2
            cat "$work/log" >&2
            exit 1
        fi
        sleep 0.02
    done
    t1=$(date +%s%N)
    # the launcher execs java: $pid is the JVM
    cpu=$(awk -v t="$TICK" '{print int(($14 + $15) * 1000 / t)}' "/proc/$pid/stat")
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    rm -rf "$work"
    echo "$(( (t1 - t0) / 1000000 )) $cpu"
}

# a state directory with every job paused by `jobs pause` itself, copied into each run's private dirs
PAUSED=$(mktemp -d)
trap 'rm -rf "$PAUSED"' EXIT
export_dirs=(TERRARIUM_SERVED=0 TERRARIUM_RUN_DIR="$PAUSED/run" TERRARIUM_STATE_DIR="$PAUSED/state" TERRARIUM_ETC_DIR="$PAUSED/etc")
JOBS=$(env "${export_dirs[@]}" "$TRM" jobs list -o json | grep -o '"job" *: *"[a-z0-9-]*"' | sed 's/.*"\([a-z0-9-]*\)"$/\1/')
[[ -n $JOBS ]] || { echo "ERROR: no job ids from 'terrariumctl jobs list -o json'" >&2; exit 1; }
for job in $JOBS; do
    env "${export_dirs[@]}" "$TRM" jobs pause "$job" >/dev/null
done
# the first CLI command after a build trains the CLI's CDS archive, the install/update step the
# daemon's: neither inside a sample
"$TRM" config check "$ROOT/target/dist/config/samples/minimal.yaml" >/dev/null
rm -f "$ROOT"/target/dist/lib/cds/daemon-*.jsa "$ROOT"/target/dist/lib/cds/daemon-*.jsa.sum
t0=$(date +%s%N)
"$TRM" daemon --train-cds
train_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
CLI_ONLY=$(mktemp -d)
trap 'rm -rf "$CLI_ONLY" "$PAUSED"' EXIT
TERRARIUM_CDS_DIR="$CLI_ONLY" "$TRM" config check "$ROOT/target/dist/config/samples/minimal.yaml" >/dev/null
ls "$CLI_ONLY"/cli-*.jsa >/dev/null || { echo "ERROR: the CLI archive was not recorded in $CLI_ONLY" >&2; exit 1; }

declare -A wall cpu
rows=("daemon start to health UP (daemon archive, shipped)|"
    "daemon start to health UP (CLI archive only, before)|TERRARIUM_CDS_DIR=$CLI_ONLY"
    "daemon start to health UP (no CDS)|TERRARIUM_CDS=0")
if [[ -n ${BENCH_DAEMON_JSA:-} ]]; then
    [[ -r $BENCH_DAEMON_JSA ]] || { echo "ERROR: BENCH_DAEMON_JSA=$BENCH_DAEMON_JSA is not readable" >&2; exit 1; }
    rows+=("daemon start to health UP (archive recorded from a daemon run)|TERRARIUM_CDS=0 TERRARIUM_JAVA_OPTS=-XX:SharedArchiveFile=$BENCH_DAEMON_JSA")
fi
for _ in $(seq 1 "$N"); do
    for row in "${rows[@]}"; do
        name=${row%%|*}
        envs=${row#*|}
        # shellcheck disable=SC2086 # envs is a list of NAME=value words without spaces
        read -r w c < <(one $envs)
        wall[$name]+="$w "
        cpu[$name]+="$c "
    done
done

echo "Daemon start, $N runs each, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "Recording the daemon's archive (terrariumctl daemon --train-cds, once): ${train_ms} ms wall"
echo
echo "| what | median wall (ms) | median CPU (ms) | runs (wall ms) |"
echo "|---|---:|---:|---|"
for row in "${rows[@]}"; do
    name=${row%%|*}
    echo "| $name | $(tr ' ' '\n' <<<"${wall[$name]}" | grep . | median) | $(tr ' ' '\n' <<<"${cpu[$name]}" | grep . | median) | ${wall[$name]% } |"
done
