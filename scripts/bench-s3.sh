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
# Usage: scripts/bench-s3.sh [GiB of dataset data, default 2]
#        BENCH_S3_RUNS=N          runs per row (default 3)
#        BENCH_S3_EXTRA=1         also the older single-shot rows (raw uploader, incremental, RSS 1 vs 4 GiB)
#        BENCH_S3_BEFORE_CP=CP    also export with another build's class path (e.g. the commit before a change,
#                                 built in a second worktree), interleaved with ours: before/after in one run
#        BENCH_S3_BEFORE_LABEL=…  what that build is (default "before")
#        BENCH_S3_SKIP_RESTORE=1  export rows only (the restore rows take as long again)
#        BENCH_S3_RESTORE_ONLY=1  restore rows only: one export (rclone's .zst and Terrarium's point) before the
#                                 rounds, then per round the rclone restore, BENCH_S3_BEFORE_CP's restore when
#                                 given, and ours (issue 16 item 1: restore vs rclone, before/after in one run)
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
OUTF="/var/tmp/bench-s3-$N.out"

log() { echo "[bench-s3] $*" >&2; }
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }
mibs() { echo "scale=1; $1 / 1048576 / $2" | bc; }

cleanup() {
  log "cleaning up"
  rclone purge ":s3:$TERRARIUM_DEV_S3_BUCKET/$PREFIX" >/dev/null 2>&1 || true
  rm -f "$SPOOL" "$SPOOL.zst" "$OUTF"
  for d in "$DS-rt" "$DS-rc" "$DS-inc" "$DS"; do
    for i in 1 2 3 4 5; do zfs list "$d" >/dev/null 2>&1 || break; zfs destroy -r "$d" 2>/dev/null && break; sleep 1; done
  done
  rmdir "$MNT" "$MNT-inc" 2>/dev/null || true
}

row() { RESULTS+=("| $1 | $2 | $3 | $4 |"); log "$1: $2 s, $3 MiB/s, $4"; }

# time_rss CMD... → sets T (seconds) and RSS (MiB, max RSS of the measured command via GNU time)
time_rss() {
  local f; f=$(mktemp); local s e
  s=$(now); /usr/bin/time -f %M -o "$f" "$@"; e=$(now)
  T=$(secs "$s" "$e"); RSS=$(( $(tail -1 "$f") / 1024 )); rm -f "$f"
}

JOPTS="-XX:+UseSerialGC -Xms32m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -Xmx256m -Xss512k -XX:-UsePerfData"   # the launcher's options for backup commands

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
  # rclone's AWS SDK fails on a custom CA bundle with its own transport; the endpoint is plain http on loopback
  unset AWS_CA_BUNDLE
  export RCLONE_S3_PROVIDER=Other RCLONE_S3_ENDPOINT="$TERRARIUM_DEV_S3_ENDPOINT" \
    RCLONE_S3_ACCESS_KEY_ID="$TERRARIUM_DEV_S3_ACCESS_KEY" RCLONE_S3_REGION="$TERRARIUM_DEV_S3_REGION" \
    RCLONE_S3_FORCE_PATH_STYLE=true RCLONE_S3_CHUNK_SIZE=16M RCLONE_S3_UPLOAD_CONCURRENCY=4
  # the secret reaches rclone through its environment, never argv
  RCLONE_S3_SECRET_ACCESS_KEY=$(cat "$TERRARIUM_DEV_S3_SECRET_FILE"); export RCLONE_S3_SECRET_ACCESS_KEY
  trap cleanup EXIT

  mvn -q -o test-compile
  mvn -q -o dependency:build-classpath -Dmdep.outputFile=target/cp.txt >/dev/null
  CP="target/test-classes:target/classes:$(cat target/cp.txt)"

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
    fi
    measure exp-trm "$bytes" java $JOPTS -cp "$CP" io.terrarium.s3.BenchS3Main export "$DS" b1 - "${PREFIX}trm-$r/"
    local mid; mid=$(sed -n 's/^RESULT .*manifest=\([^ ]*\).*/\1/p' "$OUTF")
    if [ -n "${BENCH_S3_SKIP_RESTORE:-}" ]; then
      rclone purge ":s3:$TERRARIUM_DEV_S3_BUCKET/${PREFIX}" >/dev/null 2>&1 || true
      continue
    fi
    measure rst-rclone "$bytes" sh -c "rclone cat :s3:$TERRARIUM_DEV_S3_BUCKET/${PREFIX}rclone-$r.zst | zstd -q -d -c | zfs receive -F $DS-rc"
    [ "$(guid "$DS-rc@b1")" = "$(guid "$DS@b1")" ] || { log "rclone restore: guid differs"; exit 1; }
    zfs destroy -r "$DS-rc"
    measure rst-seq "$bytes" java $JOPTS -Dterrarium.s3.restore.parts-in-flight=1 -cp "$CP" io.terrarium.s3.BenchS3Main restore "${PREFIX}trm-$r/" "$DS-rt" "$mid"
    [ "$(guid "$DS-rt@b1")" = "$(guid "$DS@b1")" ] || { log "restore: guid differs"; exit 1; }
    zfs destroy -r "$DS-rt"
    measure rst-par "$bytes" java $JOPTS -cp "$CP" io.terrarium.s3.BenchS3Main restore "${PREFIX}trm-$r/" "$DS-rt" "$mid"
    [ "$(guid "$DS-rt@b1")" = "$(guid "$DS@b1")" ] || { log "restore: guid differs"; exit 1; }
    zfs destroy -r "$DS-rt"
    rclone purge ":s3:$TERRARIUM_DEV_S3_BUCKET/${PREFIX}" >/dev/null 2>&1 || true
  done
  echo
  echo "$(date -u +%F) · $(nproc) cores · $(java -version 2>&1 | head -1) · send stream $bytes bytes ($GIB GiB of data), zstd -3 → $zbytes bytes"
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
  fi
  mrow "export Terrarium: S3Exporter with manifest, $(command -v zstd >/dev/null && echo "zstd CLI (the job's default)" || echo zstd-jni)" exp-trm exp-rclone
  if [ -n "${BENCH_S3_SKIP_RESTORE:-}" ]; then
    rm -rf "$MDIR"
    return 0
  fi
  mrow "restore baseline: rclone cat \\| zstd -d \\| zfs receive" rst-rclone
  mrow "restore Terrarium, 1 GetObject per volume (before issue 16)" rst-seq rst-rclone
  mrow "restore Terrarium, 4 parallel ranged GETs (issue 16)" rst-par rst-rclone
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
