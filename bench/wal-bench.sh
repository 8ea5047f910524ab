#!/usr/bin/env bash
# WAL archiving benchmark: does `serve` keep up with pgbench at full speed, and what does it cost?
#
#   bench/wal-bench.sh [SCALE] [SECONDS]
#
# SCALE    pgbench scale (default 20: 2 million accounts, ≈ 300 MB; 1 with BENCH_SMOKE=1)
# SECONDS  length of each pgbench run (default 120; 2 with BENCH_SMOKE=1)
#
# One throwaway PostgreSQL 15 (16 MB segments, the settings every bench script starts with, then
# fsync, full_page_writes and synchronous_commit back on: WAL is what is measured), `pgbench -i`,
# then the same pgbench TPC-B run three times, each after VACUUM ANALYZE + CHECKPOINT:
#   1. baseline: nothing archives;
#   2. archiving: `serve` with `wal.enabled` on the target, two stores (one s3proxy, one filesystem),
#      sampled every second from its Prometheus endpoint (lifeboat_wal_archive_lag_seconds, the
#      backlog of each store) and /proc (CPU of the serve JVM and of its pg_receivewal), and after
#      pgbench stops until it caught up (lag 0, and lifeboat's slot past pgbench's last WAL);
#   3. baseline again (serve stopped, its slot dropped): two baselines around the archiving run
#      show how much TPS moves on this machine without archiving (the order, other load).
# Reports TPS with and without, WAL written, lag max and p95, the time to catch up, CPU per GB of
# WAL, and PASS/FAIL of "lag max < partial-upload-interval + 5 s". Regenerates the "wal-bench"
# section of docs/benchmarks.md (other sections stay) and removes everything it started on exit.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
NAME=wal-bench
usage="usage: $0 [SCALE] [SECONDS]"
(($# <= 2)) || { echo "$usage" >&2; exit 2; }
if [[ $BENCH_SMOKE == 1 ]]; then SCALE=${1:-1} SECS=${2:-2}; else SCALE=${1:-20} SECS=${2:-120}; fi
[[ $SCALE =~ ^[1-9][0-9]*$ && $SECS =~ ^[1-9][0-9]*$ ]] || { echo "$usage" >&2; exit 2; }
# The production default (10 s); smoke mode takes 1 s so its drain stays short.
INTERVAL=10
[[ $BENCH_SMOKE == 1 ]] && INTERVAL=1
LIMIT=$((INTERVAL + 5))
# 4 clients on 2 worker threads: with synchronous_commit on, each client waits for its commit's WAL
# flush; 4 keep both cores busy meanwhile (pgbench and the server share this machine's 2 CPUs) and
# let commits share flushes. -n: the script vacuums before each run itself.
CLIENTS=4 THREADS=2
PGBENCH_ARGS=(-n -c "$CLIENTS" -j "$THREADS" -T "$SECS" -P 10)
DRAIN_LIMIT=$((INTERVAL * 3 + 60))

bench_require
[[ -x $PGBIN/pgbench && -x $PGBIN/pg_receivewal ]] || die "no pgbench or pg_receivewal in $PGBIN"
LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
bench_workdir lifeboat-walbench
bench_jar_and_s3cp
SERVE_PID= PGB=
stop_serve() {
  [[ -z $PGB ]] || kill "$PGB" 2>/dev/null || true
  [[ -n $SERVE_PID ]] || return 0
  kill -TERM "$SERVE_PID" 2>/dev/null || true
  wait "$SERVE_PID" 2>/dev/null || true
  SERVE_PID=
}
# serve first (it holds the cluster's replication connection), then lib.sh's clean-up
trap 'rc=$?; set +e; stop_serve; (exit $rc); bench_cleanup' EXIT
pg_start
s3proxy_start a
SEG_MB=$("${PSQL[@]}" -d postgres -At -c "SELECT pg_size_bytes(current_setting('wal_segment_size')) / 1048576")
[[ $SEG_MB == 16 ]] || die "wal_segment_size is $SEG_MB MB, expected 16"

"${PSQL[@]}" -d postgres -c "CREATE DATABASE bench"
log "pgbench -i -s $SCALE"
LOAD_START=$(date +%s)
"$PGBIN/pgbench" -i -q -s "$SCALE" bench >"$W/pgbench-init.log" 2>&1 || { cat "$W/pgbench-init.log" >&2; die "pgbench -i failed"; }
loaded_facts bench "$LOAD_START"
pg_durable_on
# the role lifeboat streams as: what docs/backup-restore.md asks for, no superuser
ARCHIVER_PASSWORD="wal-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
"${PSQL[@]}" -d postgres -c "CREATE ROLE archiver LOGIN REPLICATION PASSWORD '$ARCHIVER_PASSWORD'"
export BENCH_ARCHIVER_PASSWORD=$ARCHIVER_PASSWORD

lsn() { "${PSQL[@]}" -d postgres -At -c 'SELECT pg_current_wal_lsn()'; }
wal_bytes() { "${PSQL[@]}" -d postgres -At -c "SELECT pg_wal_lsn_diff('$2', '$1')::bigint"; }
prepare() { "${PSQL[@]}" -d bench -c 'VACUUM ANALYZE' -c 'CHECKPOINT'; sync; }
tps() { sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' "$1" | awk '{printf "%.0f", $1}'; }
# the lowest and highest TPS of pgbench's 10 s progress lines ("progress: 10.0 s, 2786.1 tps, ..."), or -
tps_range() {
  { grep -oE '^progress: [0-9.]+ s, [0-9.]+ tps' "$1" || true; } | awk '{print $4}' | sort -g |
    awk 'NR == 1 {lo = $1} {hi = $1} END {if (NR) printf "%.0f–%.0f", lo, hi; else printf "-"}'
}
ticks_to_s() { awk -v t="$1" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f", t / hz}'; }

# ---------------------------------------------------------------- 1. baseline
declare -A B_TPS B_WAL B_RANGE
baseline() {   # baseline N: the N-th run without archiving
  local l0
  prepare
  log "baseline $1: pgbench ${PGBENCH_ARGS[*]} bench, nothing archives"
  l0=$(lsn)
  "$PGBIN/pgbench" "${PGBENCH_ARGS[@]}" bench >"$W/pgbench-baseline$1.log" 2>&1 || { cat "$W/pgbench-baseline$1.log" >&2; die "pgbench failed"; }
  B_WAL[$1]=$(wal_bytes "$l0" "$(lsn)")
  B_TPS[$1]=$(tps "$W/pgbench-baseline$1.log")
  B_RANGE[$1]=$(tps_range "$W/pgbench-baseline$1.log")
  log "baseline $1: ${B_TPS[$1]} tps, $(mb "${B_WAL[$1]}") MB of WAL"
}
baseline 1

# ---------------------------------------------------------------- 2. with archiving
mkdir -p "$W/fsstore"
cat >"$W/lifeboat.yml" <<EOF
lifeboat:
  home: $W/home
  targets:
    bench:
      url: jdbc:postgresql://127.0.0.1:$PGPORT/bench
      username: archiver
      password: \${BENCH_ARCHIVER_PASSWORD}
      stores: [s3a, fs]
      wal:
        enabled: true
        partial-upload-interval: ${INTERVAL}s
  stores:
$(s3_store_yaml a)
    fs:
      type: filesystem
      path: $W/fsstore
EOF
HTTP_PORT=$(free_port)
log "serve: $LB_DESC, WAL of target bench to s3a and fs, metrics on port $HTTP_PORT"
"${LB[@]}" --config "$W/lifeboat.yml" serve "--lifeboat.http.port=$HTTP_PORT" >"$W/serve.out" 2>"$W/serve.err" &
SERVE_PID=$!
METRICS=$W/metrics.txt
# one GET of serve's metrics with bash alone (no curl on a bare CI machine), at most 2 s
scrape() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" &&
    printf "GET /actuator/prometheus HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" >&3 && cat <&3' _ "$HTTP_PORT" >"$METRICS.http" 2>/dev/null &&
    head -1 "$METRICS.http" | grep -q '^HTTP/1\.[01] 200' && tr -d '\r' <"$METRICS.http" >"$METRICS" ||
    { rm -f "$METRICS"; return 1; }   # no stale figures from the previous scrape
}
metric() {   # metric NAME [LABEL-FRAGMENT]: the value of the first series of NAME (with the fragment)
  [[ -f $METRICS ]] || return 0
  awk -v n="$1" -v f="${2:-}" 'index($0, n "{") == 1 && index($0, f) { print $NF; exit }' "$METRICS"
}
streaming() { [[ $(metric lifeboat_wal_receiver_state 'state="streaming"') == 1.0 ]]; }
for i in $(seq 240); do
  kill -0 "$SERVE_PID" 2>/dev/null || { tail -30 "$W/serve.err" >&2; die "serve exited"; }
  if scrape && streaming && [[ -n $(metric lifeboat_wal_archive_lag_seconds) ]] &&
    awk -v l="$(metric lifeboat_wal_archive_lag_seconds)" 'BEGIN{exit !(l == 0)}'; then
    break
  fi
  ((i < 240)) || { tail -30 "$W/serve.err" >&2; die "the receiver did not stream with lag 0 within 120 s"; }
  sleep 0.5
done
log "serve streams the WAL of bench (lag 0) after $i checks"

# CPU ticks: the JVM's own (utime + stime), and its pg_receivewal children's (live ones' utime +
# stime, plus cutime + cstime of the JVM: children that ended and were reaped)
jvm_ticks() { awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$SERVE_PID/stat"; }
rw_ticks() {
  local t pid
  t=$(awk '{sub(/^.*\) /, ""); print $14 + $15}' "/proc/$SERVE_PID/stat")
  for pid in $(pgrep -P "$SERVE_PID" -x pg_receivewal || true); do
    t=$((t + $(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$t"
}

prepare
SAMPLES=$W/samples.tsv
echo -e "second\tphase\tlag_s\tbacklog_s3a\tbacklog_fs\tjvm_ticks\trw_ticks\tstate" >"$SAMPLES"
RW_PIDS_START=$(pgrep -P "$SERVE_PID" -x pg_receivewal | paste -sd, - || true)
J0=$(jvm_ticks) R0=$(rw_ticks) S0=$(s3proxy_cpu)
L0=$(lsn)
T_START=$(date +%s.%N)
log "archiving: pgbench ${PGBENCH_ARGS[*]} bench, serve streaming to s3a and fs"
"$PGBIN/pgbench" "${PGBENCH_ARGS[@]}" bench >"$W/pgbench-archiving.log" 2>&1 &
PGB=$!
phase=run DRAIN_S= T_STOP=
next=$(date +%s.%N)
while :; do
  now=$(date +%s.%N)
  if [[ $phase == run ]] && ! kill -0 "$PGB" 2>/dev/null; then
    wait "$PGB" || { cat "$W/pgbench-archiving.log" >&2; PGB=; die "pgbench failed"; }
    PGB=
    T_STOP=$now
    L1=$(lsn)
    J1=$(jvm_ticks) R1=$(rw_ticks) S1=$(s3proxy_cpu)
    phase=drain
  fi
  kill -0 "$SERVE_PID" 2>/dev/null || { tail -30 "$W/serve.err" >&2; die "serve exited during the run"; }
  lag=
  if scrape; then lag=$(metric lifeboat_wal_archive_lag_seconds); fi
  state=$(awk '/^lifeboat_wal_receiver_state\{/ && $NF == "1.0" { match($0, /state="[^"]*"/); print substr($0, RSTART + 7, RLENGTH - 8) }' "$METRICS" 2>/dev/null | head -1)
  printf '%.1f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(awk -v a="$now" -v b="$T_START" 'BEGIN{print a - b}')" "$phase" "${lag:--}" \
    "$(metric lifeboat_wal_store_backlog_segments 'store="s3a"')" "$(metric lifeboat_wal_store_backlog_segments 'store="fs"')" \
    "$(jvm_ticks)" "$(rw_ticks)" "${state:-?}" >>"$SAMPLES"
  if [[ $phase == drain ]]; then
    since_stop=$(awk -v a="$now" -v b="$T_STOP" 'BEGIN{printf "%.1f", a - b}')
    # caught up: the gauge says 0 and the server agrees: lifeboat moves its slot only to WAL a
    # store holds, and it is at or past the end of what pgbench wrote (the gauge alone may read 0
    # before a heartbeat has seen pgbench's last WAL)
    held=$("${PSQL[@]}" -d postgres -At -c "SELECT coalesce(bool_or(restart_lsn >= '$L1'), false) FROM pg_replication_slots WHERE slot_name = 'lifeboat_bench'")
    if [[ -n $lag && $held == t ]] && awk -v l="$lag" 'BEGIN{exit !(l == 0)}'; then DRAIN_S=$since_stop; break; fi
    if awk -v s="$since_stop" -v m="$DRAIN_LIMIT" 'BEGIN{exit !(s > m)}'; then break; fi
  fi
  next=$(awk -v n="$next" 'BEGIN{printf "%.3f", n + 1}')
  pause=$(awk -v n="$next" -v t="$(date +%s.%N)" 'BEGIN{d = n - t; printf "%.3f", (d > 0 ? d : 0)}')
  sleep "$pause"
done
T_END=$(date +%s.%N)
J2=$(jvm_ticks) R2=$(rw_ticks)
RW_PIDS_END=$(pgrep -P "$SERVE_PID" -x pg_receivewal | paste -sd, - || true)
A_WAL=$(wal_bytes "$L0" "$L1")
A_TPS=$(tps "$W/pgbench-archiving.log")
RUN_S=$(awk -v a="$T_STOP" -v b="$T_START" 'BEGIN{printf "%.1f", a - b}')
TAIL_S=$(awk -v a="$T_END" -v b="$T_STOP" 'BEGIN{printf "%.1f", a - b}')
stop_serve
STORED_FS=$(du -sb "$W/fsstore" | cut -f1)
A_RANGE=$(tps_range "$W/pgbench-archiving.log")
# every sample into the log (bench/run keeps it): the lag's saw-tooth, second by second
log "samples (seconds from pgbench's start):"
cat "$SAMPLES" >&2

# ---------------------------------------------------------------- 3. baseline again
# without serve's slot, which would keep the server's WAL files from being recycled
"${PSQL[@]}" -d postgres -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots" >/dev/null
baseline 2
STATES=$(awk -F'\t' 'NR > 1 {print $8}' "$SAMPLES" | sort | uniq -c | awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1}')

# ---------------------------------------------------------------- figures
# lag over the samples of a phase: max, p95 (nearest rank), count; "-" samples (no scrape) counted apart
lag_stats() {
  local miss
  miss=$(awk -F'\t' -v p="$1" 'NR > 1 && $2 == p && $3 == "-"' "$SAMPLES" | wc -l)
  awk -F'\t' -v p="$1" 'NR > 1 && $2 == p && $3 != "-" {print $3}' "$SAMPLES" | sort -g |
    awk -v miss="$miss" '{v[NR] = $1}
      END { if (!NR) { print "- - 0 " miss; exit }
            r = int(0.95 * NR + 0.999); if (r < 1) r = 1
            printf "%.1f %.1f %d %d\n", v[NR], v[r], NR, miss }'
}
read -r LAG_MAX LAG_P95 LAG_N LAG_MISS < <(lag_stats run)
read -r DLAG_MAX _ DLAG_N DLAG_MISS < <(lag_stats drain)
BACKLOG_MAX=$(awk -F'\t' 'NR > 1 { for (i = 4; i <= 5; i++) if ($i != "" && $i + 0 > m[i]) m[i] = $i + 0 }
  END { printf "%d %d\n", m[4], m[5] }' "$SAMPLES")
read -r BACKLOG_S3A BACKLOG_FS <<<"$BACKLOG_MAX"
WORST=$(awk -v a="$LAG_MAX" -v b="${DLAG_MAX/-/0}" 'BEGIN{m = (a + 0 > b + 0) ? a : b; print m}')
VERDICT=$(awk -v m="$WORST" -v l="$LIMIT" 'BEGIN{v = (m != "-" && m + 0 < l + 0) ? "PASS" : "FAIL"; print v}')
[[ -n $DRAIN_S ]] || VERDICT=FAIL
JVM_S=$(ticks_to_s $((J1 - J0))) RW_S=$(ticks_to_s $((R1 - R0)))
JVM_TAIL_S=$(ticks_to_s $((J2 - J1))) RW_TAIL_S=$(ticks_to_s $((R2 - R1)))
CPU_S=$(plus "$JVM_S" "$RW_S")
CPU_ALL_S=$(plus "$CPU_S" "$(plus "$JVM_TAIL_S" "$RW_TAIL_S")")
S3_S=$(minus "$S1" "$S0")
GB=$(awk -v b="$A_WAL" 'BEGIN{printf "%.3f", b / 1073741824}')
PER_GB=$(awk -v c="$CPU_ALL_S" -v g="$GB" 'BEGIN{printf "%.1f", (g > 0 ? c / g : 0)}')
CORE_PCT=$(awk -v c="$CPU_S" -v s="$RUN_S" 'BEGIN{printf "%.1f", 100 * c / s}')
MACHINE_PCT=$(awk -v c="$CPU_S" -v s="$RUN_S" -v n="$(nproc)" 'BEGIN{printf "%.1f", 100 * c / s / n}')
B_MEAN=$(awk -v a="${B_TPS[1]}" -v b="${B_TPS[2]}" 'BEGIN{printf "%.0f", (a + b) / 2}')
TPS_RATIO=$(ratio "$A_TPS" "$B_MEAN")
# how far apart the two baselines are, in % of their mean: TPS moves this much without archiving
B_APART=$(awk -v a="${B_TPS[1]}" -v b="${B_TPS[2]}" 'BEGIN{d = a - b; if (d < 0) d = -d; printf "%.0f", 100 * d / ((a + b) / 2)}')
A_APART=$(awk -v r="$TPS_RATIO" 'BEGIN{d = 100 * (r - 1); if (d < 0) d = -d; printf "%.0f", d}')
if ((A_APART <= B_APART)); then
  TPS_WORDS="the two baselines are $B_APART % apart, so this difference of $A_APART % is within what TPS moves without archiving on this machine"
elif awk -v r="$TPS_RATIO" 'BEGIN{exit !(r >= 1)}'; then
  TPS_WORDS="the run with archiving was $A_APART % faster than the mean of the two baselines, which are $B_APART % apart: no cost of archiving shows,
and a gain from it is not plausible (it only adds work); TPS moves this much from run to run on this machine"
else
  TPS_WORDS="the run with archiving was $A_APART % slower than the baselines' mean, more than the $B_APART % the two baselines are apart"
fi
rate() { awk -v b="$1" -v s="$SECS" 'BEGIN{printf "%.1f", b / 1048576 / s}'; }
A_RATE=$(awk -v b="$A_WAL" -v s="$SECS" 'BEGIN{printf "%.1f", b / 1048576 / s}')
STORED_RATIO=$(awk -v s="$STORED_FS" -v b="$A_WAL" 'BEGIN{printf "%.3f", (b > 0 ? s / b : 0)}')
log "archiving: $A_TPS tps (×$TPS_RATIO), $(mb "$A_WAL") MB of WAL, lag max $LAG_MAX s p95 $LAG_P95 s, caught up ${DRAIN_S:-never} s after pgbench; CPU $CPU_S s ($CORE_PCT % of a core), $PER_GB s per GB: $VERDICT"

# ---------------------------------------------------------------- docs/benchmarks.md
machine_facts
SECTION=$W/section.md
{
  echo "<!-- $NAME:start -->"
  echo "<!-- Generated by bench/wal-bench.sh; do not edit by hand: run the script again. -->"
  echo "## WAL archiving under pgbench at full speed"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), lifeboat commit \`$COMMIT\`, \`bench/wal-bench.sh $SCALE $SECS\` took $((ELAPSED / 60)) min $((ELAPSED % 60)) s"
  echo "- machine: $NPROC CPUs ($CPU), $RAM RAM, $(uname -sr); pgbench, PostgreSQL, serve and s3proxy all share it"
  echo "  (load average at start $LOADAVG_START, at end $(cut -d' ' -f1-3 /proc/loadavg)); $JAVA"
  echo "- PostgreSQL $SERVER_VERSION, $SEG_MB MB segments, \`fsync\`, \`full_page_writes\`, \`synchronous_commit\` on, \`shared_buffers\` 256MB,"
  echo "  \`max_wal_size\` 4GB; \`pgbench -i -s $SCALE\` ($(mb "$DB_BYTES") MB), then three times \`pgbench ${PGBENCH_ARGS[*]}\` (TPC-B, no \`--rate\`:"
  echo "  as fast as it goes; 4 clients keep both CPUs busy while others wait for their commit's flush), each after \`VACUUM ANALYZE\` + \`CHECKPOINT\`:"
  echo "  a baseline, the run with archiving, a second baseline (serve stopped, its slot dropped)"
  echo "- archiving: \`$LB_DESC --config F serve\`, target \`bench\` with \`wal.enabled\`, \`partial-upload-interval: ${INTERVAL}s\`,"
  echo "  role \`archiver\` (LOGIN REPLICATION, no superuser), no age recipients, two stores: \`s3a\` (one s3proxy 4.1.0 process, filesystem"
  echo "  backend, on this machine) and \`fs\` (a filesystem store); started and streaming with lag 0 before pgbench starts"
  echo "- sampled every second: \`lifeboat_wal_archive_lag_seconds\` and \`lifeboat_wal_store_backlog_segments\` from serve's"
  echo "  \`/actuator/prometheus\`, CPU (utime + stime) of the serve JVM and of its \`pg_receivewal\` from \`/proc\`; WAL from \`pg_current_wal_lsn()\`."
  echo "  The lag gauge is the age of the oldest WAL the server wrote that **no** store holds yet (within its 2 s heartbeat): the"
  echo "  faster store's lag; the other store's delay shows as its backlog of completed segments"
  echo
  echo "| run (in this order) | TPS | TPS of the 10 s intervals, min–max | WAL written MB | WAL MB/s |"
  echo "|---|---|---|---|---|"
  echo "| 1. baseline (nothing archives) | ${B_TPS[1]} | ${B_RANGE[1]} | $(mb "${B_WAL[1]}") | $(rate "${B_WAL[1]}") |"
  echo "| 2. archiving to 2 stores | $A_TPS | $A_RANGE | $(mb "$A_WAL") | $A_RATE |"
  echo "| 3. baseline again | ${B_TPS[2]} | ${B_RANGE[2]} | $(mb "${B_WAL[2]}") | $(rate "${B_WAL[2]}") |"
  echo "| **archiving ÷ mean of the baselines ($B_MEAN)** | **$TPS_RATIO** | | | |"
  echo
  echo "TPS: $TPS_WORDS."
  echo
  echo "| archiving | figure |"
  echo "|---|---|"
  echo "| archive lag during pgbench: max / p95 ($LAG_N samples$( ((LAG_MISS)) && echo ", $LAG_MISS scrapes failed")) | **$LAG_MAX s** / $LAG_P95 s |"
  echo "| archive lag after pgbench stopped: max ($DLAG_N samples) | $DLAG_MAX s |"
  echo "| caught up after pgbench stopped (lag 0 and lifeboat's slot at or past the end of pgbench's WAL) | $([[ -n $DRAIN_S ]] && echo "$DRAIN_S s" || echo "**not within $DRAIN_LIMIT s**") |"
  echo "| backlog of completed segments, max: s3a / fs | $BACKLOG_S3A / $BACKLOG_FS |"
  echo "| CPU during pgbench ($RUN_S s): serve JVM / pg_receivewal | $JVM_S s / $RW_S s |"
  echo "| the same as a share of the run: of one CPU / of the machine's $NPROC | $CORE_PCT % / $MACHINE_PCT % |"
  echo "| CPU after pgbench until caught up ($TAIL_S s): serve JVM / pg_receivewal | $JVM_TAIL_S s / $RW_TAIL_S s |"
  echo "| **CPU s (serve JVM + pg_receivewal, run and catch-up) per GB of WAL** | **$PER_GB** |"
  echo "| s3proxy CPU during pgbench (the S3 store's side, not lifeboat's) | $S3_S s |"
  echo "| stored in \`fs\` ÷ WAL written (zstd level 3; pgbench's WAL compresses unrealistically well) | $STORED_RATIO |"
  echo "| receiver states seen in the samples | $STATES |"
  echo "| pg_receivewal process at start / at end | $RW_PIDS_START / ${RW_PIDS_END:-none} |"
  echo
  echo "**$VERDICT: archive lag max $WORST s $([[ $VERDICT == PASS ]] && echo "<" || echo "is not <") partial-upload-interval + 5 s = $LIMIT s"
  echo "$([[ -n $DRAIN_S ]] && echo "(caught up $DRAIN_S s after pgbench stopped)" || echo "(not caught up within $DRAIN_LIMIT s after pgbench stopped)"); archiving ran at $TPS_RATIO × the baselines' TPS and cost $PER_GB CPU s per GB of WAL.**"
  echo "<!-- $NAME:end -->"
} >"$SECTION"
doc_section "$NAME" "$SECTION"
bench_summary "$NAME" "TPS archiving ÷ baselines" "$TPS_RATIO"
bench_summary "$NAME" "CPU s per GB of WAL" "$PER_GB"
if awk -v m="$WORST" 'BEGIN{exit !(m > 0)}'; then bench_summary "$NAME" "archive lag max s" "$WORST"; fi
log "done in $((ELAPSED / 60)) min $((ELAPSED % 60)) s: $VERDICT"
