#!/usr/bin/env bash
# Foundation benchmark (issue 2): median of N runs of
#   terrariumctl --help, terrariumctl --version, daemon start to health UP, daemon idle RSS,
#   CLI trigger round trip (jobs run host-facts through the running daemon, minus the job's own time).
# Needs a built release (mvn package) and the development host (scripts/devhost.sh up).
# Prints a Markdown table for docs/benchmarks.md. Uses private run/state dirs and a free port.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
TRM="$ROOT/target/dist/bin/terrariumctl"
N=${N:-5}
WORK=$(mktemp -d)
export TERRARIUM_RUN_DIR="$WORK/run" TERRARIUM_STATE_DIR="$WORK/state" TERRARIUM_ETC_DIR="$WORK/etc"
PORT=$((20000 + RANDOM % 10000))
DAEMON_PID=""

cleanup() {
    [[ -n $DAEMON_PID ]] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

time_cmd() {
    local t0 t1
    for _ in $(seq 1 "$N"); do
        t0=$(now_ms); "$@" >/dev/null 2>&1; t1=$(now_ms)
        echo $((t1 - t0))
    done | median
}

start_daemon() {
    "$TRM" daemon --port "$PORT" >"$WORK/daemon.log" 2>&1 &
    DAEMON_PID=$!
    until curl -sf "http://127.0.0.1:$PORT/observe/health" | grep -q UP; do
        kill -0 "$DAEMON_PID" 2>/dev/null || { echo "ERROR: daemon died" >&2; cat "$WORK/daemon.log" >&2; exit 1; }
        sleep 0.01
    done
}

stop_daemon() {
    kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true; DAEMON_PID=""
}

main() {
    [[ -x $TRM ]] || { echo "ERROR: build first: mvn package" >&2; exit 1; }
    # warm-up: let the launcher record its AppCDS archives (cli and daemon) once
    "$TRM" --help >/dev/null
    start_daemon; stop_daemon

    local help version start rss trip job
    help=$(time_cmd "$TRM" --help)
    version=$(time_cmd "$TRM" --version)
    local starts=() t0
    for _ in $(seq 1 "$N"); do
        t0=$(now_ms); start_daemon; starts+=($(( $(now_ms) - t0 ))); stop_daemon
    done
    start=$(printf '%s\n' "${starts[@]}" | median)

    start_daemon
    sleep 10
    rss=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$(pgrep -P "$DAEMON_PID" java || echo "$DAEMON_PID")/status")
    local trips=() jobs=() out t1
    for _ in $(seq 1 "$N"); do
        t0=$(now_ms); out=$("$TRM" jobs run host-facts); t1=$(now_ms)
        trips+=($((t1 - t0)))
        jobs+=("$(sed -n 's/.* OK in \([0-9]*\) ms (daemon.*/\1/p' <<<"$out")")
    done
    stop_daemon
    trip=$(printf '%s\n' "${trips[@]}" | median)
    job=$(printf '%s\n' "${jobs[@]}" | median)

    cat <<TABLE
| measurement (median of $N, $(nproc) cores, $(java -version 2>&1 | head -1 | cut -d'"' -f2)) | result | target |
| --- | --- | --- |
| \`terrariumctl --help\` | ${help} ms | ≤ 250 ms |
| \`terrariumctl --version\` | ${version} ms | — |
| daemon start to health UP | ${start} ms | ≤ 1500 ms |
| daemon idle RSS (10 s after UP) | ${rss} MiB | ≤ 200 MiB |
| CLI trigger round trip (\`jobs run host-facts\`, total) | ${trip} ms | — |
| of which the job itself (host-facts probes) | ${job} ms | — |
| trigger overhead (total − job) | $((trip - job)) ms | ≤ 1000 ms |
TABLE
}

main "$@"
