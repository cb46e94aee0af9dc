#!/usr/bin/env bash
# The main job on the development host: build, bring up the dev host (real LXD, zfs-fuse, sanoid,
# s3proxy, demo containers), start the Terrarium daemon, and run its jobs on that host through the
# CLI trigger (inside the daemon). `scripts/demo.sh stop` stops the daemon again.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
TRM="$ROOT/target/dist/bin/terrariumctl"
LOG=/var/log/terrarium-demo.log

daemon_pid() {
    local f=${TERRARIUM_RUN_DIR:-/run/terrarium}/daemon.json
    [[ -f $f ]] && sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$f"
}

daemon_port() {
    local f=${TERRARIUM_RUN_DIR:-/run/terrarium}/daemon.json
    [[ -f $f ]] && sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$f"
}

stop_daemon() {
    local pid
    pid=$(daemon_pid || true)
    if [[ -n ${pid:-} ]] && kill -0 "$pid" 2>/dev/null; then
        echo "stopping daemon pid $pid"
        kill -TERM "$pid"
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
        echo "ERROR: daemon pid $pid did not stop within 20 s" >&2
        return 1
    fi
}

start_daemon() {
    local pid port
    pid=$(daemon_pid || true)
    if [[ -n ${pid:-} ]] && kill -0 "$pid" 2>/dev/null; then
        echo "daemon already running (pid $pid)"
        return 0
    fi
    echo "starting the daemon (log: $LOG)"
    # dev host only: zfs-fuse lacks `zfs get -t`, which sanoid needs to list (and prune) snapshots;
    # the shim fills the gap for sanoid and passes every other call through (docs/backups.md)
    # every inherited descriptor above stderr is closed for the daemon: run under `flock LOCK demo.sh`
    # it otherwise held the lock's descriptor, and so the lock, until `demo.sh stop`
    (
        for fd in /proc/self/fd/*; do
            n=${fd##*/}
            [ "$n" -gt 2 ] 2>/dev/null && eval "exec $n>&-" 2>/dev/null
        done
        PATH="$ROOT/scripts/devhost/zfs-fuse-compat:$PATH" exec setsid nohup "$TRM" daemon >>"$LOG" 2>&1 < /dev/null
    ) &
    for _ in $(seq 1 300); do
        port=$(daemon_port || true)
        if [[ -n ${port:-} ]] && curl -sf "http://127.0.0.1:$port/observe/health" >/dev/null; then
            echo "health: $(curl -s "http://127.0.0.1:$port/observe/health")"
            return 0
        fi
        sleep 0.1
    done
    echo "ERROR: the daemon did not report health UP within 30 s; see $LOG" >&2
    tail -n 30 "$LOG" >&2
    return 1
}

# The integration tests store configurations in the dev host's LXD project signed with their own
# keys (each test has private /etc dirs); the last one left makes this host refuse the stored
# document (signature mismatch, docs/security.md). On the development host that document is test
# data: re-sign its content with this host's key, as the error message tells an operator to do
# after review, so that running the tests before the demo does not break it.
adopt_test_config() {
    local tmp
    tmp=$(mktemp -d)
    if ! "$TRM" config export --file "$tmp/check.yaml" >/dev/null 2>"$tmp/err"; then
        if grep -q "signature" "$tmp/err"; then
            echo "the dev host's stored configuration was signed by the tests' key: re-signing it with this host's key"
            lxc project get terrarium-system user.terrarium.config_b64 | base64 -d >"$tmp/stored.yaml"
            "$TRM" config import --file "$tmp/stored.yaml"
        else
            cat "$tmp/err" >&2
        fi
    fi
    rm -rf "$tmp"
}

# The development host has no systemd and no Traefik: the default proxy.reload_command
# (`systemctl restart traefik`) would fail every proxy-sync that changes the static file. `[]` (never
# reload; one of the allowed commands, docs/configuration.md) fits this host; a real host keeps the default.
no_traefik_reload() {
    if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
        return 0
    fi
    local tmp
    tmp=$(mktemp -d)
    "$TRM" config export --file "$tmp/config.yaml" >/dev/null
    python3 - "$tmp/config.yaml" <<'PY'
import sys, yaml
path = sys.argv[1]
with open(path) as f:
    doc = yaml.safe_load(f) or {}
doc.setdefault("proxy", {})["reload_command"] = []
with open(path, "w") as f:
    yaml.safe_dump(doc, f, default_flow_style=False, sort_keys=False)
PY
    "$TRM" config import --file "$tmp/config.yaml"
    rm -rf "$tmp"
    echo "no systemd here: proxy.reload_command set to [] (Traefik is not installed on the development host)"
}

main() {
    if [[ ${1:-} == stop ]]; then
        stop_daemon
        return
    fi
    cd "$ROOT"
    bash scripts/devhost.sh up
    if ! command -v mvn >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven openjdk-17-jdk-headless
    fi
    echo "building (mvn package)"
    mvn -q -B -ntp -Dstyle.color=never package -DskipTests
    adopt_test_config
    no_traefik_reload
    stop_daemon
    start_daemon
    # S3 exports go to the dev host's s3proxy under demo/ (the write/read/delete check runs first;
    # the daemon reads the stored configuration at each job run, so no restart is needed)
    set -a
    # shellcheck disable=SC1091
    source /var/lib/terrarium-dev/devhost.env
    set +a
    echo "== terrariumctl set s3 (the dev host's s3proxy, prefix demo/)"
    "$TRM" set s3 --enable --provider generic --endpoint "$TERRARIUM_DEV_S3_ENDPOINT" \
        --region "$TERRARIUM_DEV_S3_REGION" --bucket "$TERRARIUM_DEV_S3_BUCKET" --prefix demo/ \
        --access-key "$TERRARIUM_DEV_S3_ACCESS_KEY" --secret-key-file "$TERRARIUM_DEV_S3_SECRET_FILE" --no-apply
    # apply what was stored (the reload command above, S3): the dev host is not provisioned by the
    # product's Ansible roles, so reconfigure runs a playbook that changes nothing, then records the
    # applied configuration and runs the proxy sync from it
    echo "== terrariumctl reconfigure (no provisioning on the development host)"
    "$TRM" reconfigure --playbook "$ROOT/scripts/devhost/apply-nothing.yml"
    local job
    for job in $("$TRM" jobs list -o json | sed -n 's/.*"job" : "\([^"]*\)".*/\1/p'); do
        echo "== terrariumctl jobs run $job"
        "$TRM" jobs run "$job" || echo "(job $job reported a failure; see above)"
    done
    echo "== terrariumctl backup list --source s3"
    "$TRM" backup list --source s3 || true
    echo "== terrariumctl status"
    "$TRM" status || true
    echo
    echo "The daemon keeps running (pid $(daemon_pid)); stop it with: scripts/demo.sh stop"
}

main "$@"
