#!/usr/bin/env bash
# S3 export benchmark on the development host (issue 5): a >= 2 GiB `zfs send` stream exported by
# Terrarium's streaming uploader vs `zfs send | zstd -T0 | rclone rcat` into the same s3proxy, with the
# physical limits (zfs send alone, zstd alone, S3 ingest alone), the export's peak RSS at 1 vs 4 GiB,
# the restore of that stream into `zfs receive` vs `rclone cat | zstd -d | zfs receive`, and an
# incremental export of a 1 MiB change on a 1 GiB dataset vs its full export.
#
# Every row of the main table is the median of BENCH_S3_RUNS (default 3) runs, the rows of one round
# interleaved (ours next to its baseline, so load drift hits both), with wall seconds, MiB/s, CPU
# seconds per GiB of send stream (user + sys of the measured process and all children it waited for,
# GNU time; the zfs-fuse daemon's own CPU is reported apart, it serves both sides alike) and the peak
# RSS of the largest single process (GNU time's %M). The load (uptime) is printed beside the table.
#
# Terrarium's rows run what users run (issue 16): the release built by `mvn package` (target/dist: its
# lib/terrarium.jar class path, ~120 jars), the JVM flags the launcher gives `backup export/restore`
# (read from dist/bin/terrariumctl itself) and the CLI's AppCDS archive — trained by the launcher
# ("after": config check + the S3/backup classes) and by the training command before issue 16
# ("before": config check alone), both into private directories; only BenchS3Main (S3Exporter /
# S3Restorer as the jobs call them) comes from target/test-classes. "restore start" rows stop after the
# plan (client, manifests, HEAD of every volume): the fixed cost of a restore's JVM. The row "export in
# the running daemon" is the production path of scheduled exports: one daemon (private run/state/etc
# dirs, the stored configuration pointing at s3proxy and an LXD project of its own with one container
# whose dataset holds the same data) started before the rounds, `jobs run s3-export` through it (the
# S3 prefix emptied before each run, so each is a full), CPU = the daemon's utime+stime+cutime+cstime
# delta (/proc/PID/stat: its zfs send / zstd children included), wall = the job's own duration. Each round
# then restores that point as a new instance with `backup restore --source s3 --as-new … --yes`: "restore in
# the running daemon" through the launcher, which hands it to the daemon (wall = the command's, launch to
# exit; CPU = the daemon's delta with its waited-for children plus the client's), and the same command with
# TERRARIUM_SERVED=0 in the CLI's own JVM. The
# stored configuration is put back afterwards (run it under the IT lock: it is shared with the ITs).
#
# Usage: scripts/bench-s3.sh [GiB of dataset data, default 2]   (root, under `flock /var/lock/terrarium-it.lock`)
#        BENCH_S3_RUNS=N          runs per row (default 3)
#        BENCH_S3_DAEMON=0        without the daemon row (it needs LXD and changes the stored configuration meanwhile)
#        BENCH_S3_TEST_CP=1       also the rows as before issue 16: the test class path (323 jars), no archive
#        BENCH_S3_BUILD=0         use the release and test classes already built (mvn package -DskipTests beforehand)
#        BENCH_S3_EXTRA=1         also the older single-shot rows (raw uploader, incremental, RSS 1 vs 4 GiB)
#        BENCH_S3_BEFORE_CP=CP    also export with another build's class path (e.g. the commit before a change,
#                                 built in a second worktree), interleaved with ours: before/after in one run;
#                                 this build is then also run exactly like it (its release jar + test classes,
#                                 the bench's flags, no archive), so the two rows differ only in the code
#        BENCH_S3_BEFORE_LABEL=…  what that build is (default "before")
#        BENCH_S3_SKIP_RESTORE=1  export rows only (the restore rows take as long again)
#        BENCH_S3_RESTORE_ONLY=1  restore rows only: one export (rclone's .zst and Terrarium's point) before the
#                                 rounds, then per round the rclone restore, BENCH_S3_BEFORE_CP's restore when
#                                 given, and ours (issue 16 item 1: restore vs rclone, before/after in one run)
#        BENCH_S3_STORE_MBPS=N    the store as users reach it: every connection to the dev host's s3proxy (rclone's and
#                                 ours, the daemon's too) is served at most N MB/s, both directions together (85: AWS's "one concurrent
#                                 request for each 85–90 MB/s of desired network throughput", S3 user guide, Performance
#                                 guidelines, Horizontal scaling); an HTB class per connection on loopback for the run,
#                                 no added latency (this kernel has no netem)
#        BENCH_S3_ROUTE_AB=N scripts/bench-s3.sh [GiB]   only the export with manifest, N times
#          alternating the direct S3Exporter call and the route's terrarium-s3-export: producer
#          (one A/B in one run: this machine's load drifts too much for two separate runs)
# Needs: scripts/devhost.sh up (zfs-fuse pool, s3proxy), rclone, zstd, GNU time. Cleans up after itself.
set -euo pipefail

GIB=${1:-2}
N=$$
DS="terrarium/bench-s3-$N"
MNT="/var/tmp/bench-s3-$N"
SPOOL="/var/tmp/bench-s3-$N.stream"
PREFIX="bench-s3-$N/"
RESULTS=()
CLASSES=()
OUTF="/var/tmp/bench-s3-$N.out"

log() { echo "[bench-s3] $*" >&2; }
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }
mibs() { echo "scale=1; $1 / 1048576 / $2" | bc; }

cleanup() {
  log "cleaning up"
  daemon_cleanup
  [ -z "${CDSW:-}" ] || rm -rf "$CDSW"
  rclone purge ":s3:$TERRARIUM_DEV_S3_BUCKET/$PREFIX" >/dev/null 2>&1 || true
  store_path_down
  rm -f "$SPOOL" "$SPOOL.zst" "$OUTF"
  for d in "$DS-rt" "$DS-rc" "$DS-inc" "$DS-ct" "$DS"; do
    for i in 1 2 3 4 5; do zfs list "$d" >/dev/null 2>&1 || break; zfs destroy -r "$d" 2>/dev/null && break; sleep 1; done
  done
  rmdir "$MNT" "$MNT-inc" 2>/dev/null || true
}

# store_path_up MBPS: the dev host's s3proxy as users reach a store: each TCP connection to or from its port gets
# an HTB class of its own on loopback (both directions), capped at MBPS MB/s (u32 hashes the low byte of the client's port into 256
# classes: two connections of one run share a cap only when their ports share that byte); other loopback traffic
# goes to an uncapped default class. Removed by cleanup (after a kill -9 of this script: `scripts/devhost.sh up`).
store_path_up() {
  local mbps=$1 port i c
  port=${TERRARIUM_DEV_S3_ENDPOINT##*:}; port=${port%%/*}
  if tc qdisc show dev lo | grep -q htb; then log "loopback already has an HTB qdisc (another bench, or one killed: scripts/devhost.sh up removes it)"; exit 1; fi
  tc qdisc add dev lo root handle 1: htb default 2 r2q 1000
  STORE_QDISC=1
  tc class add dev lo parent 1: classid 1:1 htb rate 400gbit quantum 200000
  tc class add dev lo parent 1:1 classid 1:2 htb rate 400gbit quantum 200000
  tc filter add dev lo parent 1: prio 5 handle 2: protocol ip u32 divisor 256
  for i in $(seq 0 255); do
    c=$(printf '%x' $((i + 16)))
    tc class add dev lo parent 1:1 classid "1:$c" htb rate "${mbps}mbps" ceil "${mbps}mbps" burst 256k cburst 256k quantum 200000
    tc filter add dev lo parent 1: prio 5 protocol ip u32 ht "2:$(printf '%x' "$i"):" match u8 0 0 flowid "1:$c"
  done
  # the store's answers (source port = the store's): key = the client's port (destination, low byte); the client's
  # requests and uploads (destination port = the store's): key = the client's port (source, low byte)
  tc filter add dev lo parent 1: prio 4 protocol ip u32 ht 800:: match ip protocol 6 0xff match ip sport "$port" 0xffff \
    hashkey mask 0x000000ff at 20 link 2:
  tc filter add dev lo parent 1: prio 4 protocol ip u32 ht 800:: match ip protocol 6 0xff match ip dport "$port" 0xffff \
    hashkey mask 0x00ff0000 at 20 link 2:
  STORE_PATH="s3proxy on loopback, each TCP connection capped at $mbps MB/s (HTB per connection), no added latency"
  log "store path: $STORE_PATH"
}

store_path_down() {
  [ -n "${STORE_QDISC:-}" ] || return 0
  tc qdisc del dev lo root 2>/dev/null || true
  STORE_QDISC=
}

row() { RESULTS+=("| $1 | $2 | $3 | $4 |"); log "$1: $2 s, $3 MiB/s, $4"; }

# time_rss CMD... → sets T (seconds) and RSS (MiB, max RSS of the measured command via GNU time)
time_rss() {
  local f; f=$(mktemp); local s e
  s=$(now); /usr/bin/time -f %M -o "$f" "$@"; e=$(now)
  T=$(secs "$s" "$e"); RSS=$(( $(tail -1 "$f") / 1024 )); rm -f "$f"
}

JOPTS="-XX:+UseSerialGC -Xms32m -Xmn12m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -Xmx256m -Xss512k -XX:-UsePerfData"   # the launcher's options for backup commands (test class path rows)

# launcher_flags: the JVM flags dist/bin/terrariumctl gives `backup restore` (a fake java prints them; no archive)
launcher_flags() {
  local fake; fake=$(mktemp -d)
  mkdir -p "$fake/bin"
  printf '#!/bin/sh\nfor a in "$@"; do [ "$a" = -jar ] && exit 0; printf "%%s " "$a"; done\n' > "$fake/bin/java"
  chmod +x "$fake/bin/java"
  env -u TERRARIUM_JAVA_OPTS JAVA_HOME="$fake" TERRARIUM_CDS=0 TERRARIUM_SERVED=0 "$REL/bin/terrariumctl" backup restore
  rm -rf "$fake"
}

# jvm ARCHIVE|none [JVM OPTION…] → J: BenchS3Main as the launcher starts backup commands (its flags, the
# release's class path, the given CLI archive)
jvm() {
  # shellcheck disable=SC2206 # LOPTS is a list of flags without spaces
  J=(java $LOPTS)
  [ "$1" = none ] || J+=(-Xlog:cds=off -Xlog:cds+dynamic=off "-XX:SharedArchiveFile=$1")
  J+=("${@:2}" -cp "$RCP" io.terrarium.s3.BenchS3Main)
}

# proc_cpu PID: utime + stime + cutime + cstime of PID in seconds (children it waited for included)
proc_cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15 + $16 + $17) / hz}' "/proc/$1/stat"; }

DPID=""
# daemon_setup: the stored configuration aside, an LXD project with one container on a dataset holding the
# bench's data, a daemon on private dirs (the release's launcher, the new archive) → DPID, DENV, DBYTES
daemon_setup() {
  DPROJ="bench-s3-$N"; DNAME=bench-web; DW=$(mktemp -d /var/tmp/bench-s3-d.XXXXXX); DPREFIX="${PREFIX}daemon/"
  DENV=(env -u TERRARIUM_JAVA_OPTS TERRARIUM_RUN_DIR="$DW/run" TERRARIUM_STATE_DIR="$DW/state" TERRARIUM_ETC_DIR="$DW/etc"
        TERRARIUM_CDS_DIR="$CDSW/new")
  local q; q=$(lxc query /1.0/projects/terrarium-system)
  SAVED_CFG=$(jq -r '.config["user.terrarium.config_b64"] // ""' <<< "$q")
  SAVED_MAC=$(jq -r '.config["user.terrarium.config_mac"] // ""' <<< "$q")
  CFG_CHANGED=1
  lxc project create "$DPROJ" -c features.images=false -c features.profiles=false -c features.storage.volumes=false >/dev/null
  zfs create -o mountpoint=none "$DS-ct"
  local ct=(env TERRARIUM_DEV_CONTAINERS_DATASET="$DS-ct" TERRARIUM_DEV_LXD_PROJECT="$DPROJ" TERRARIUM_DEV_NO_START=1
            scripts/devhost/zfs-container.sh)
  "${ct[@]}" create "$DNAME" >/dev/null
  cp "$MNT/data.bin" "$("${ct[@]}" path "$DNAME")/rootfs/root/data.bin"
  sync
  local dds; dds=$("${ct[@]}" dataset "$DNAME")
  zfs snapshot "$dds@bench-size"
  DBYTES=$(zfs send "$dds@bench-size" | wc -c)
  zfs destroy "$dds@bench-size"
  local never='"0 0 3 1 1 ?"' j sched=""
  for j in host-facts proxy-sync snapshot replicate s3-janitor s3-export s3-verify; do
    sched+="    $j: $never"$'\n'
  done
  lxc project set terrarium-system user.terrarium.config_b64 "$(base64 -w0 <<EOY
version: 1
installation_id: bench-s3-$N
lxd:
  project: $DPROJ
s3:
  enabled: true
  provider: generic
  endpoint: $TERRARIUM_DEV_S3_ENDPOINT
  region: $TERRARIUM_DEV_S3_REGION
  bucket: $TERRARIUM_DEV_S3_BUCKET
  prefix: $DPREFIX
  access_key: $TERRARIUM_DEV_S3_ACCESS_KEY
  secret_key_file: $TERRARIUM_DEV_S3_SECRET_FILE
daemon:
  schedules:
$sched
EOY
)"
  lxc project unset terrarium-system user.terrarium.config_mac 2>/dev/null || true   # signed by another host key
  local port=$((20000 + RANDOM % 10000)) i
  "${DENV[@]}" "$REL/bin/terrariumctl" daemon --port "$port" > "$DW/daemon.log" 2>&1 &
  DPID=$!   # the launcher execs the JVM: this is the daemon's own PID
  for i in $(seq 1 240); do
    curl -fs "http://127.0.0.1:$port/observe/health" 2>/dev/null | grep -q UP && [ -f "$DW/run/daemon.json" ] && break
    kill -0 "$DPID" 2>/dev/null || { cat "$DW/daemon.log" >&2; log "the daemon did not start"; exit 1; }
    sleep 0.5
  done
  log "daemon $DPID up (dataset $dds, send stream $DBYTES bytes)"
}

# daemon_export ROUND: one full export through the running daemon → appends "wall cpu rss zfsd" to $MDIR/exp-daemon
daemon_export() {
  rclone purge ":s3:$TERRARIUM_DEV_S3_BUCKET/$DPREFIX" >/dev/null 2>&1 || true   # no manifest: a full stream
  local c0 c1 z0 z1 s e ms rss
  z0=$(zfsd_cpu); c0=$(proc_cpu "$DPID"); s=$(now)
  "${DENV[@]}" "$REL/bin/terrariumctl" jobs run s3-export > "$OUTF" 2>&1 || { cat "$OUTF" >&2; log "daemon export failed"; exit 1; }
  e=$(now); c1=$(proc_cpu "$DPID"); z1=$(zfsd_cpu)
  grep -q 's3-export: OK.*daemon' "$OUTF" || { cat "$OUTF" >&2; log "the export did not run in the daemon"; exit 1; }
  ms=$(sed -n 's/^s3-export: OK in \([0-9]*\) ms.*/\1/p' "$OUTF")
  rss=$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$DPID/status")
  echo "$(echo "scale=2; $ms / 1000" | bc) $(echo "$c1 - $c0" | bc) $rss $(echo "$z1 - $z0" | bc)" >> "$MDIR/exp-daemon"
  echo "$DBYTES" > "$MDIR/exp-daemon.bytes"
  log "exp-daemon: $(tail -1 "$MDIR/exp-daemon") (job wall s, daemon cpu s, daemon VmHWM MiB, zfs-fuse cpu s; trigger wall $(secs "$s" "$e") s)"
}

# daemon_restore ROUND: the daemon's newest point of its container restored as a new instance by
# `backup restore --source s3 --as-new … --yes`, twice: through the launcher, which hands it to the running
# daemon (issue 16 item 1) → $MDIR/rst-daemon (wall = the command's, launch to exit; CPU = the daemon's delta
# with its waited-for children plus the CLI client's own; RSS = the daemon's VmHWM), and with TERRARIUM_SERVED=0
# in the CLI's own JVM → $MDIR/rst-cli (the same command as users ran it before; CPU of the JVM and children)
daemon_restore() {
  local f c0 c1 z0 z1 s e u sy m n0 n1 src
  f=$(mktemp); src=$(lxc storage get default source)
  n0=$(grep -c 'CLI socket: served \[backup, restore' "$DW/daemon.log" || true)
  z0=$(zfsd_cpu); c0=$(proc_cpu "$DPID"); s=$(now)
  /usr/bin/time -f '%U %S %M' -o "$f" "${DENV[@]}" "$REL/bin/terrariumctl" backup restore --source s3 --instance "$DNAME" \
    --as-new "$DNAME-r" --yes > "$OUTF" 2>&1 || { cat "$OUTF" >&2; log "daemon restore failed"; exit 1; }
  e=$(now); c1=$(proc_cpu "$DPID"); z1=$(zfsd_cpu)
  n1=$(grep -c 'CLI socket: served \[backup, restore' "$DW/daemon.log" || true)
  [ "$n1" -gt "$n0" ] || { cat "$OUTF" "$DW/daemon.log" >&2; log "the restore did not run in the daemon"; exit 1; }
  read -r u sy m < <(tail -1 "$f")
  echo "$(secs "$s" "$e") $(echo "$c1 - $c0 + $u + $sy" | bc) $(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$DPID/status") $(echo "$z1 - $z0" | bc)" >> "$MDIR/rst-daemon"
  echo "$DBYTES" > "$MDIR/rst-daemon.bytes"
  log "rst-daemon: $(tail -1 "$MDIR/rst-daemon") (command wall s, daemon + client cpu s, daemon VmHWM MiB, zfs-fuse cpu s)"
  daemon_restore_remove "$src"
  measure rst-cli "$DBYTES" "${DENV[@]}" TERRARIUM_SERVED=0 "$REL/bin/terrariumctl" backup restore --source s3 --instance "$DNAME" \
    --as-new "$DNAME-r" --yes
  grep -q "as instance $DNAME-r" "$OUTF" || { cat "$OUTF" >&2; log "the CLI's restore failed"; exit 1; }
  daemon_restore_remove "$src"
  rm -f "$f"
}

# daemon_restore_remove LXD_POOL_SOURCE: the restored instance gone (its dataset first: it is mounted on its directory)
daemon_restore_remove() {
  local d i
  d=$(zfs list -H -o name -r "$DS-ct" | grep -- "$DNAME-r\$" || true)
  [ -n "$d" ] || { zfs list -r "$DS-ct" >&2; log "no dataset of the restored $DNAME-r"; exit 1; }
  for i in $(seq 1 40); do zfs list -H -o name "$d" >/dev/null 2>&1 || break; zfs destroy -r "$d" 2>/dev/null && break; sleep 0.5; done
  mkdir -p "$1/containers/${DPROJ}_$DNAME-r"
  lxc --project "$DPROJ" delete --force "$DNAME-r" >/dev/null
  rmdir "$1/containers/${DPROJ}_$DNAME-r" 2>/dev/null || true
}

daemon_cleanup() {
  if [ -n "$DPID" ]; then
    kill "$DPID" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$DPID" 2>/dev/null || true
  fi
  if [ -n "${CFG_CHANGED:-}" ]; then
    if [ -n "$SAVED_CFG" ]; then lxc project set terrarium-system user.terrarium.config_b64 "$SAVED_CFG"
    else lxc project unset terrarium-system user.terrarium.config_b64 2>/dev/null || true; fi
    [ -z "$SAVED_MAC" ] || lxc project set terrarium-system user.terrarium.config_mac "$SAVED_MAC"
  fi
  if [ -n "${DPROJ:-}" ]; then
    for s in $(zfs list -H -o name -t snapshot -r "$DS-ct" 2>/dev/null); do zfs release terrarium-export "$s" 2>/dev/null || true; done
    env TERRARIUM_DEV_CONTAINERS_DATASET="$DS-ct" TERRARIUM_DEV_LXD_PROJECT="$DPROJ" scripts/devhost/zfs-container.sh delete "$DNAME" >/dev/null 2>&1 || true
    lxc project delete "$DPROJ" >/dev/null 2>&1 || true
  fi
  [ -z "${DW:-}" ] || rm -rf "$DW"
}

# zfs-fuse daemon CPU seconds so far (utime + stime of the process serving both sides' send/receive)
zfsd_cpu() {
  local p; p=$(pgrep -xo zfs-fuse || true)
  [ -n "$p" ] && awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$p/stat" || echo 0
}

# measure NAME BYTES CMD...: one run of CMD under GNU time; appends "wall cpu rss zfsd" to $MDIR/NAME
measure() {
  local name=$1 bytes=$2; shift 2
  local f; f=$(mktemp); local s e z0 z1
  z0=$(zfsd_cpu); s=$(now)
  /usr/bin/time -f '%U %S %M' -o "$f" "$@" > "$OUTF"
  e=$(now); z1=$(zfsd_cpu)
  read -r u sy m < <(tail -1 "$f"); rm -f "$f"
  echo "$(secs "$s" "$e") $(echo "$u + $sy" | bc) $((m / 1024)) $(echo "$z1 - $z0" | bc)" >> "$MDIR/$name"
  echo "$bytes" > "$MDIR/$name.bytes"
  log "$name: $(tail -1 "$MDIR/$name") (wall s, cpu s, max rss MiB, zfs-fuse cpu s)"
}

# median COLUMN FILE
median() { cut -d' ' -f"$1" "$2" | sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# mrow LABEL NAME [BASELINE NAME]: one table row of medians, ratios against the baseline when given
mrow() {
  local f="$MDIR/$2" b; b=$(cat "$MDIR/$2.bytes")
  local w c r z gib; w=$(median 1 "$f"); c=$(median 2 "$f"); r=$(median 3 "$f"); z=$(median 4 "$f")
  gib=$(echo "scale=6; $b / 1073741824" | bc)
  local cpg; cpg=$(echo "scale=2; $c / $gib" | bc)
  local vs="-"
  if [ -n "${3:-}" ]; then
    local bw bc_; bw=$(median 1 "$MDIR/$3"); bc_=$(median 2 "$MDIR/$3")
    vs="$(printf '%.2f' "$(echo "scale=3; $bw / $w" | bc)")× throughput, $(printf '%.2f' "$(echo "scale=3; $c / $bc_" | bc)")× CPU"
  fi
  printf '| %s | %.2f | %.1f | %.2f | %s | %.2f | %s | %s |\n' "$1" "$w" "$(mibs "$b" "$w")" "$cpg" "$r" \
    "$(echo "scale=2; $z / $gib" | bc)" "$vs" "$(wc -l < "$f")"
}

# java_export producer part_mib in_flight mode tag (the JVM itself under GNU time, so RSS is the JVM's)
java_export() {
  time_rss java -Xmx256m -cp "$CP" io.terrarium.s3.ExportMemoryMain "$1" "$2" "$3" "$4" "$PREFIX$5/"
}

# bench_main export|restore ARGS… (BenchS3Main: S3Exporter / S3Restorer as the jobs use them) → T, RSS,
# RBYTES (stored bytes) and RMANIFEST from its RESULT line
bench_main() {
  time_rss java -Xmx256m -cp "$CP" io.terrarium.s3.BenchS3Main "$@" > "$OUTF"
  RBYTES=$(sed -n 's/^RESULT .*bytes=\([0-9]*\).*/\1/p' "$OUTF")
  RMANIFEST=$(sed -n 's/^RESULT .*manifest=\([^ ]*\).*/\1/p' "$OUTF")
}

# fill DIR GIB: 1 MiB of /dev/urandom, 1 MiB of zeros, alternating (zstd halves it)
fill() {
  for _ in $(seq 1 $(($2 * 512))); do head -c 1048576 /dev/urandom; head -c 1048576 /dev/zero; done > "$1/data.bin"
  sync
}

guid() { zfs get -H -p -o value guid "$1"; }

# restore_rounds RUNS BYTES ZBYTES LOAD0: the restore rows alone (BENCH_S3_RESTORE_ONLY), one export before the rounds
restore_rounds() {
  local runs=$1 bytes=$2 zbytes=$3 load0=$4 r mid
  rclone rcat ":s3:$TERRARIUM_DEV_S3_BUCKET/${PREFIX}rclone-ro.zst" < "$SPOOL.zst"
  java $JOPTS -cp "$CP" io.terrarium.s3.BenchS3Main export "$DS" b1 - "${PREFIX}trm-ro/" > "$OUTF"
  mid=$(sed -n 's/^RESULT .*manifest=\([^ ]*\).*/\1/p' "$OUTF")
  for r in $(seq 1 "$runs"); do
    log "restore round $r of $runs"
    measure rcv-alone "$bytes" sh -c "zfs receive -F $DS-rc < $SPOOL"
    zfs destroy -r "$DS-rc"
    measure rst-rclone "$bytes" sh -c "rclone cat :s3:$TERRARIUM_DEV_S3_BUCKET/${PREFIX}rclone-ro.zst | zstd -q -d -c | zfs receive -F $DS-rc"
    [ "$(guid "$DS-rc@b1")" = "$(guid "$DS@b1")" ] || { log "rclone restore: guid differs"; exit 1; }
    zfs destroy -r "$DS-rc"
    if [ -n "${BENCH_S3_BEFORE_CP:-}" ]; then
      measure rst-before "$bytes" java $JOPTS -cp "$BENCH_S3_BEFORE_CP" io.terrarium.s3.BenchS3Main restore "${PREFIX}trm-ro/" "$DS-rt" "$mid"
      [ "$(guid "$DS-rt@b1")" = "$(guid "$DS@b1")" ] || { log "restore (before): guid differs"; exit 1; }
      zfs destroy -r "$DS-rt"
    fi
    measure rst-par "$bytes" java $JOPTS -cp "$CP" io.terrarium.s3.BenchS3Main restore "${PREFIX}trm-ro/" "$DS-rt" "$mid"
    [ "$(guid "$DS-rt@b1")" = "$(guid "$DS@b1")" ] || { log "restore: guid differs"; exit 1; }
    zfs destroy -r "$DS-rt"
  done
  echo
  echo "$(date -u +%F) · $(nproc) cores · $(java -version 2>&1 | head -1) · send stream $bytes bytes, zstd -3 → $zbytes bytes"
  echo "store: $STORE_PATH"
  echo "load before: $load0"
  echo "load after:  $(uptime)"
  echo
  echo "| row (median of runs) | seconds | MiB/s (of the send stream) | CPU s per GiB of send stream | peak RSS MiB (largest process) | zfs-fuse daemon CPU s per GiB | vs baseline | runs |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
  mrow "zfs receive alone (page-cached send stream from a file)" rcv-alone
  mrow "restore baseline: rclone cat \\| zstd -d \\| zfs receive" rst-rclone
  if [ -n "${BENCH_S3_BEFORE_CP:-}" ]; then
    mrow "restore Terrarium ${BENCH_S3_BEFORE_LABEL:-before}" rst-before rst-rclone
  fi
  mrow "restore Terrarium (this build)" rst-par rst-rclone
  rm -rf "$MDIR"
}

main() {
  cd "$(dirname "$0")/.."
  set -a; . /var/lib/terrarium-dev/devhost.env; set +a
  trap cleanup EXIT
  STORE_PATH="s3proxy on loopback"
  [ -z "${BENCH_S3_STORE_MBPS:-}" ] || store_path_up "$BENCH_S3_STORE_MBPS"
  # rclone's AWS SDK fails on a custom CA bundle with its own transport; the endpoint is plain http on loopback
  unset AWS_CA_BUNDLE
  export RCLONE_S3_PROVIDER=Other RCLONE_S3_ENDPOINT="$TERRARIUM_DEV_S3_ENDPOINT" \
    RCLONE_S3_ACCESS_KEY_ID="$TERRARIUM_DEV_S3_ACCESS_KEY" RCLONE_S3_REGION="$TERRARIUM_DEV_S3_REGION" \
    RCLONE_S3_FORCE_PATH_STYLE=true RCLONE_S3_CHUNK_SIZE=16M RCLONE_S3_UPLOAD_CONCURRENCY=4
  # the secret reaches rclone through its environment, never argv
  RCLONE_S3_SECRET_ACCESS_KEY=$(cat "$TERRARIUM_DEV_S3_SECRET_FILE"); export RCLONE_S3_SECRET_ACCESS_KEY

  # the release (target/dist) and the test classes (BenchS3Main); BENCH_S3_BUILD=0: already built (outside the lock)
  [ "${BENCH_S3_BUILD:-1}" = 0 ] || mvn -q -o package -DskipTests
  mvn -q -o dependency:build-classpath -Dmdep.outputFile=target/cp.txt >/dev/null
  CP="target/test-classes:target/classes:$(cat target/cp.txt)"
  REL=$(cd target/dist && pwd -P)
  RCP="$REL/lib/terrarium.jar:$(pwd -P)/target/test-classes"
  LOPTS=$(launcher_flags)
  log "the launcher's flags for backup commands: $LOPTS"
  # the CLI archive twice, into private directories: "after" trained by this launcher, "before" by the training
  # command before issue 16 (config check alone, same flags)
  CDSW=$(mktemp -d /var/tmp/bench-s3-cds.XXXXXX)
  local tr0 tr1 trc
  tr0=$(now)
  env -u TERRARIUM_JAVA_OPTS TERRARIUM_CDS_DIR="$CDSW/new" TERRARIUM_RUN_DIR="$CDSW/run" TERRARIUM_STATE_DIR="$CDSW/state" \
    TERRARIUM_ETC_DIR="$CDSW/etc" /usr/bin/time -f '%U %S' -o "$CDSW/train.time" \
    "$REL/bin/terrariumctl" config check "$REL/config/samples/minimal.yaml" >/dev/null
  tr1=$(now); trc=$(awk '{print $1 + $2}' "$CDSW/train.time")
  CDS_NEW=$(ls "$CDSW"/new/cli-*.jsa)
  CDS_OLD="$CDSW/before.jsa"
  java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -XX:-UsePerfData -XX:ArchiveClassesAtExit="$CDS_OLD" \
    -Xlog:cds=off -Xlog:cds+dynamic=off -jar "$REL/lib/terrarium.jar" config check "$REL/config/samples/minimal.yaml" >/dev/null
  TRAIN="the launcher's first CLI command with training: $(printf %.2f "$(secs "$tr0" "$tr1")") s wall, $trc CPU s (config check + training); archive $(($(stat -c %s "$CDS_NEW") / 1048576)) MiB (before: $(($(stat -c %s "$CDS_OLD") / 1048576)) MiB)"
  log "$TRAIN"

  log "filling $DS with $GIB GiB (1 MiB of /dev/urandom, 1 MiB of zeros, alternating)"
  zfs create -o mountpoint="$MNT" "$DS"
  fill "$MNT" "$GIB"
  zfs snapshot "$DS@b1"
  zfs send "$DS@b1" > "$SPOOL"   # warms the cache; the spool is only for the "alone" references
  local bytes; bytes=$(stat -c %s "$SPOOL")
  zstd -q -T0 -3 -c "$SPOOL" > "$SPOOL.zst"
  local zbytes; zbytes=$(stat -c %s "$SPOOL.zst")
  log "send stream $bytes bytes, zstd -3 $zbytes bytes"

  if [ -n "${BENCH_S3_ROUTE_AB:-}" ]; then
    local i
    for i in $(seq 1 "$BENCH_S3_ROUTE_AB"); do
      bench_main export "$DS" b1 - "${PREFIX}ab-direct-$i/"
      row "run $i: export with manifest, S3Exporter called directly" "$T" "$(mibs "$bytes" "$T")" "JVM RSS $RSS MiB; $RBYTES bytes stored"
      bench_main export-route "$DS" b1 - "${PREFIX}ab-route-$i/"
      row "run $i: export with manifest through route → terrarium-s3-export: producer" "$T" "$(mibs "$bytes" "$T")" "JVM RSS $RSS MiB; $RBYTES bytes stored"
    done
    echo
    echo "| run | seconds | MiB/s (of the send stream) | notes |"
    echo "| --- | --- | --- | --- |"
    printf '%s\n' "${RESULTS[@]}"
    return
  fi

  local runs=${BENCH_S3_RUNS:-3} r
  MDIR=$(mktemp -d)
  [ "${BENCH_S3_DAEMON:-1}" = 0 ] || [ -n "${BENCH_S3_RESTORE_ONLY:-}" ] || daemon_setup
  local load0; load0=$(uptime)
  if [ -n "${BENCH_S3_RESTORE_ONLY:-}" ]; then
    restore_rounds "$runs" "$bytes" "$zbytes" "$load0"
    return
  fi
  for r in $(seq 1 "$runs"); do
    log "round $r of $runs"
    measure zsend "$bytes" sh -c "zfs send $DS@b1 > /dev/null"
    measure zstd "$bytes" sh -c "zstd -q -T0 -3 -c < $SPOOL > /dev/null"
    measure ingest "$zbytes" rclone rcat ":s3:$TERRARIUM_DEV_S3_BUCKET/${PREFIX}ingest-rclone-$r.zst" < "$SPOOL.zst"
    measure exp-rclone "$bytes" sh -c "zfs send $DS@b1 | zstd -q -T0 -3 -c | rclone rcat :s3:$TERRARIUM_DEV_S3_BUCKET/${PREFIX}rclone-$r.zst"
    if [ -n "${BENCH_S3_BEFORE_CP:-}" ]; then
      measure exp-before "$bytes" java $JOPTS -cp "$BENCH_S3_BEFORE_CP" io.terrarium.s3.BenchS3Main export "$DS" b1 - "${PREFIX}before-$r/"
      measure exp-same "$bytes" java $JOPTS -cp "$RCP" io.terrarium.s3.BenchS3Main export "$DS" b1 - "${PREFIX}same-$r/"
    fi
    if [ -n "${BENCH_S3_TEST_CP:-}" ]; then
      measure exp-trm "$bytes" java $JOPTS -cp "$CP" io.terrarium.s3.BenchS3Main export "$DS" b1 - "${PREFIX}trm-$r/"
    fi
    jvm "$CDS_OLD"; measure exp-old "$bytes" "${J[@]}" export "$DS" b1 - "${PREFIX}old-$r/"
    jvm "$CDS_NEW"; measure exp-new "$bytes" "${J[@]}" export "$DS" b1 - "${PREFIX}new-$r/"
    local mid; mid=$(sed -n 's/^RESULT .*manifest=\([^ ]*\).*/\1/p' "$OUTF")
    [ -z "$DPID" ] || daemon_export "$r"
    [ -z "$DPID" ] || [ -n "${BENCH_S3_SKIP_RESTORE:-}" ] || daemon_restore "$r"
    if [ -n "${BENCH_S3_SKIP_RESTORE:-}" ]; then
      rclone purge ":s3:$TERRARIUM_DEV_S3_BUCKET/${PREFIX}" >/dev/null 2>&1 || true
      continue
    fi
    if [ "$r" = 1 ]; then   # where the restore's classes come from, once (not measured)
      local a f; f=$(mktemp)
      for a in none "$CDS_OLD" "$CDS_NEW"; do
        jvm "$a" -Xlog:class+load=info; "${J[@]}" plan "${PREFIX}new-$r/" "$DS-rt" "$mid" > "$f"
        log "restore start, archive $(basename "$a"): $(grep -c 'source: shared objects file' "$f") of $(grep -c 'source:' "$f") classes from CDS archives"
        CLASSES+=("restore start with archive $( [ "$a" = none ] && echo "none (JDK's CDS only)" || basename "$a"): $(grep -c 'source: shared objects file' "$f") of $(grep -c 'source:' "$f") classes loaded from CDS archives")
      done
      rm -f "$f"
    fi
    jvm none; measure plan-none 0 "${J[@]}" plan "${PREFIX}new-$r/" "$DS-rt" "$mid"
    jvm "$CDS_OLD"; measure plan-old 0 "${J[@]}" plan "${PREFIX}new-$r/" "$DS-rt" "$mid"
    jvm "$CDS_NEW"; measure plan-new 0 "${J[@]}" plan "${PREFIX}new-$r/" "$DS-rt" "$mid"
    measure rst-rclone "$bytes" sh -c "rclone cat :s3:$TERRARIUM_DEV_S3_BUCKET/${PREFIX}rclone-$r.zst | zstd -q -d -c | zfs receive -F $DS-rc"
    [ "$(guid "$DS-rc@b1")" = "$(guid "$DS@b1")" ] || { log "rclone restore: guid differs"; exit 1; }
    zfs destroy -r "$DS-rc"
    if [ -n "${BENCH_S3_TEST_CP:-}" ]; then
      measure rst-par "$bytes" java $JOPTS -cp "$CP" io.terrarium.s3.BenchS3Main restore "${PREFIX}new-$r/" "$DS-rt" "$mid"
      [ "$(guid "$DS-rt@b1")" = "$(guid "$DS@b1")" ] || { log "restore: guid differs"; exit 1; }
      zfs destroy -r "$DS-rt"
    fi
    local which
    for which in old new; do
      jvm "$( [ $which = old ] && echo "$CDS_OLD" || echo "$CDS_NEW")"
      measure "rst-$which" "$bytes" "${J[@]}" restore "${PREFIX}new-$r/" "$DS-rt" "$mid"
      [ "$(guid "$DS-rt@b1")" = "$(guid "$DS@b1")" ] || { log "restore: guid differs"; exit 1; }
      zfs destroy -r "$DS-rt"
    done
    rclone purge ":s3:$TERRARIUM_DEV_S3_BUCKET/${PREFIX}" >/dev/null 2>&1 || true
  done
  echo
  echo "$(date -u +%F) · $(nproc) cores · $(java -version 2>&1 | head -1) · send stream $bytes bytes ($GIB GiB of data), zstd -3 → $zbytes bytes"
  echo "store: $STORE_PATH"
  echo "load before: $load0"
  echo "load after:  $(uptime)"
  echo
  echo "| row (median of runs) | seconds | MiB/s (of the send stream unless noted) | CPU s per GiB of send stream | peak RSS MiB (largest process) | zfs-fuse daemon CPU s per GiB | vs baseline | runs |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
  mrow "zfs send alone (→ /dev/null)" zsend
  mrow "zstd -T0 -3 alone (page-cached stream → /dev/null)" zstd
  mrow "S3 ingest alone: rclone rcat of the .zst (MiB/s and CPU per GiB of the compressed bytes)" ingest
  mrow "export baseline: zfs send \\| zstd -T0 -3 \\| rclone rcat" exp-rclone
  if [ -n "${BENCH_S3_BEFORE_CP:-}" ]; then
    mrow "export Terrarium ${BENCH_S3_BEFORE_LABEL:-before}" exp-before exp-rclone
    mrow "export Terrarium this build, run like the row above (release class path, bench flags, no archive)" exp-same exp-rclone
  fi
  local eng; eng=$(command -v zstd >/dev/null && echo "zstd CLI (the job's default)" || echo zstd-jni)
  [ -z "${BENCH_S3_TEST_CP:-}" ] || mrow "export Terrarium, test class path, no archive (as measured before): S3Exporter, $eng" exp-trm exp-rclone
  mrow "export Terrarium, release + launcher flags, archive of config check (before)" exp-old exp-rclone
  mrow "export Terrarium, release + launcher flags, archive with the S3 training (after): S3Exporter, $eng" exp-new exp-rclone
  [ -z "$DPID" ] || mrow "export in the running daemon: jobs run s3-export (daemon CPU delta, job's own wall)" exp-daemon exp-rclone
  if [ -n "${BENCH_S3_SKIP_RESTORE:-}" ]; then
    rm -rf "$MDIR"
    return 0
  fi
  mrow "restore baseline: rclone cat \\| zstd -d \\| zfs receive" rst-rclone
  [ -z "${BENCH_S3_TEST_CP:-}" ] || mrow "restore Terrarium, test class path, no archive (as measured before)" rst-par rst-rclone
  mrow "restore Terrarium, release + launcher flags, archive of config check (before)" rst-old rst-rclone
  mrow "restore Terrarium, release + launcher flags, archive with the S3 training (after)" rst-new rst-rclone
  if [ -n "$DPID" ]; then
    mrow "backup restore --source s3 --as-new --yes in the CLI's own JVM (TERRARIUM_SERVED=0; plan + receive + instance creation)" rst-cli rst-rclone
    mrow "restore in the running daemon: the same command served by it (command's wall; daemon CPU delta + client CPU)" rst-daemon rst-rclone
  fi
  echo
  echo "Restore start (JVM, S3 client, manifest, HEAD of every volume; no receive), median seconds and CPU seconds:"
  echo
  echo "| restore start | wall s | CPU s | peak RSS MiB | runs |"
  echo "| --- | --- | --- | --- | --- |"
  local k
  for k in "plan-none|no archive (the JDK's CDS only)" "plan-old|archive of config check (before)" "plan-new|archive with the S3 training (after)"; do
    printf '| %s | %.2f | %.2f | %s | %s |\n' "${k#*|}" "$(median 1 "$MDIR/${k%%|*}")" "$(median 2 "$MDIR/${k%%|*}")" \
      "$(median 3 "$MDIR/${k%%|*}")" "$(wc -l < "$MDIR/${k%%|*}")"
  done
  echo
  printf '%s\n' "$TRAIN" "${CLASSES[@]}"
  rm -rf "$MDIR"
  [ -n "${BENCH_S3_EXTRA:-}" ] || return 0

  time_rss sh -c "zfs send $DS@b1 > /dev/null"
  row "zfs send alone (→ /dev/null)" "$T" "$(mibs "$bytes" "$T")" "-"
  time_rss sh -c "zstd -q -T0 -3 -c < $SPOOL > /dev/null"
  row "zstd -T0 -3 alone (page-cached stream → /dev/null)" "$T" "$(mibs "$bytes" "$T")" "-"
  time_rss rclone rcat ":s3:$TERRARIUM_DEV_S3_BUCKET/${PREFIX}ingest-rclone.zst" < "$SPOOL.zst"
  row "S3 ingest alone, rclone rcat of the .zst" "$T" "$(mibs "$zbytes" "$T") (compressed)" "rclone RSS $RSS MiB"
  java_export "cat $SPOOL.zst" 16 4 raw ingest
  row "S3 ingest alone, Terrarium uploader raw of the .zst" "$T" "$(mibs "$zbytes" "$T") (compressed)" "JVM RSS $RSS MiB"

  time_rss sh -c "zfs send $DS@b1 | zstd -q -T0 -3 -c | rclone rcat :s3:$TERRARIUM_DEV_S3_BUCKET/${PREFIX}rclone.zst"
  local trc=$T
  row "baseline: zfs send \\| zstd -T0 \\| rclone rcat" "$T" "$(mibs "$bytes" "$T")" "pipeline max RSS $RSS MiB"
  java_export "zfs send $DS@b1" 16 4 jni export-jni
  row "Terrarium: zfs send → zstd-jni → uploader (16 MiB × 4)" "$T" "$(mibs "$bytes" "$T")" "JVM RSS $RSS MiB; $(echo "scale=2; $trc / $T" | bc)× rclone"
  java_export "zfs send $DS@b1" 16 4 cli export-cli
  row "Terrarium: zfs send → zstd CLI -T0 → uploader (16 MiB × 4)" "$T" "$(mibs "$bytes" "$T")" "JVM RSS $RSS MiB; $(echo "scale=2; $trc / $T" | bc)× rclone"

  log "restore: the same send stream from s3proxy into zfs receive"
  bench_main export "$DS" b1 - "${PREFIX}tr/"
  local m1=$RMANIFEST sbytes=$RBYTES
  row "Terrarium export with manifest (S3Exporter called directly)" "$T" "$(mibs "$bytes" "$T")" "JVM RSS $RSS MiB; $sbytes bytes stored"
  if grep -q export-route src/test/java/io/terrarium/s3/BenchS3Main.java; then
    bench_main export-route "$DS" b1 - "${PREFIX}tr-route/"
    row "Terrarium export with manifest through the route's terrarium-s3-export: producer (as s3-export runs it)" "$T" "$(mibs "$bytes" "$T")" "JVM RSS $RSS MiB; $RBYTES bytes stored"
  fi
  time_rss sh -c "rclone cat :s3:$TERRARIUM_DEV_S3_BUCKET/${PREFIX}rclone.zst | zstd -q -d -c | zfs receive -F $DS-rc"
  local trr=$T
  row "baseline: rclone cat \| zstd -d \| zfs receive" "$T" "$(mibs "$bytes" "$T")" "pipeline max RSS $RSS MiB; guid $( [ "$(guid "$DS-rc@b1")" = "$(guid "$DS@b1")" ] && echo matches || echo DIFFERS)"
  zfs destroy -r "$DS-rc"
  bench_main restore "${PREFIX}tr/" "$DS-rt" "$m1"
  row "Terrarium restore: plan (HEAD) → GetObject → SHA-256 per part → zstd-jni -d → zfs receive" "$T" "$(mibs "$bytes" "$T")" "JVM RSS $RSS MiB; $(echo "scale=2; $trr / $T" | bc)× rclone; guid $( [ "$(guid "$DS-rt@b1")" = "$(guid "$DS@b1")" ] && echo matches || echo DIFFERS)"
  zfs destroy -r "$DS-rt"

  log "incremental: 1 MiB changed on a 1 GiB dataset"
  zfs create -o mountpoint="$MNT-inc" "$DS-inc"
  fill "$MNT-inc" 1
  zfs snapshot "$DS-inc@i1"
  bench_main export "$DS-inc" i1 - "${PREFIX}inc/"
  local mi=$RMANIFEST fullbytes=$RBYTES tfull=$T
  row "full export of the 1 GiB dataset" "$T" "$(mibs 1073741824 "$T") (of the data)" "$RBYTES bytes uploaded, JVM RSS $RSS MiB"
  dd if=/dev/urandom of="$MNT-inc/data.bin" bs=1M count=1 seek=300 conv=notrunc status=none
  sync; zfs snapshot "$DS-inc@i2"
  bench_main export "$DS-inc" i2 "$mi" "${PREFIX}inc/"
  row "incremental export after a 1 MiB change" "$T" "-" "$RBYTES bytes uploaded ($(echo "scale=2; 100 * $RBYTES / $fullbytes" | bc) % of the full), $(echo "scale=1; $tfull / $T" | bc)× faster"

  local gen='b=$(mktemp); head -c 1048576 /dev/urandom > $b; i=0; while [ $i -lt COUNT ]; do cat $b; i=$((i+1)); done; rm -f $b'
  java_export "${gen/COUNT/1024}" 16 4 raw rss-1g
  row "RSS check: 1 GiB generated stream, raw, 16 MiB × 4, -Xmx256m" "$T" "$(mibs 1073741824 "$T")" "JVM RSS $RSS MiB"
  java_export "${gen/COUNT/4096}" 16 4 raw rss-4g
  row "RSS check: 4 GiB generated stream, raw, 16 MiB × 4, -Xmx256m" "$T" "$(mibs 4294967296 "$T")" "JVM RSS $RSS MiB"

  echo
  echo "| run | seconds | MiB/s (of the send stream unless noted) | notes |"
  echo "| --- | --- | --- | --- |"
  printf '%s\n' "${RESULTS[@]}"
}

main "$@"
