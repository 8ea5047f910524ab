#!/usr/bin/env bash
# The heap `lifeboat serve` needs: a fleet of databases on dense schedules (a day's backups, prunes
# and drills, compressed into minutes), first without a heap limit (the JVM's default: a quarter of
# the machine's RAM) to measure what the daemon really holds, then with the launcher's bound to show
# it runs the same schedules within it.
#
#   bench/serve-heap-bench.sh [TARGETS] [MINUTES]
#
# TARGETS  databases backed up (default 8; 2 with BENCH_SMOKE=1): half of them jobs/example at scale
#          3 (dumps larger than one 16 MiB upload part), the others at scale 1
# MINUTES  how long each serve runs (default 10; 1 with BENCH_SMOKE=1)
#
# Schedules, for every target: backup every 30 s to two s3proxy stores (every part buffer in use),
# prune every minute (keep-last 3), drill every 2 minutes; four job threads, so four backups run at
# once at every firing: the most a node holds. Each run gets a GC log
# (-Xlog:gc); the section reports the heap after each collection (what the daemon holds), before it
# (what it allocates between collections), the heap the JVM committed, peak RSS, and every run's
# outcome. Regenerates the "serve-heap-bench" section of docs/benchmarks.md.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
NAME=serve-heap-bench
usage="usage: $0 [TARGETS] [MINUTES]"
(($# <= 2)) || { echo "$usage" >&2; exit 2; }
if [[ $BENCH_SMOKE == 1 ]]; then TARGETS=${1:-2} MINUTES=${2:-1}; else TARGETS=${1:-8} MINUTES=${2:-10}; fi
[[ $TARGETS =~ ^[1-9][0-9]*$ && $MINUTES =~ ^[1-9][0-9]*$ ]] || { echo "$usage" >&2; exit 2; }
# the bound bin/lifeboat gives serve (LIFEBOAT_SERVE_HEAP overrides it there too)
BOUND=$(sed -n 's/^serve_heap="\${LIFEBOAT_SERVE_HEAP:-\(.*\)}"$/\1/p' "$ROOT/bin/lifeboat")
[[ -n $BOUND ]] || die "bin/lifeboat sets no serve_heap"

bench_require
LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
bench_workdir lifeboat-serve-heap
bench_jar_and_s3cp
pg_start
BIG_SCALE=3
[[ $BENCH_SMOKE == 1 ]] && BIG_SCALE=1
for scale in 1 "$BIG_SCALE"; do
  "${PSQL[@]}" -d postgres -c "CREATE DATABASE fleet_$scale" 2>/dev/null || continue
  "${PSQL[@]}" -d "fleet_$scale" -f "$ROOT/jobs/example/schema.sql" >/dev/null
  "${PSQL[@]}" -d "fleet_$scale" -c "SET lifeboat.scale = $scale" -f "$ROOT/jobs/example/data.sql" >/dev/null
done
for ((t = 1; t <= TARGETS; t++)); do
  "${PSQL[@]}" -d postgres -c "CREATE DATABASE t$t TEMPLATE fleet_$((t % 2 ? BIG_SCALE : 1))"
done
loaded_facts t1 "$(date +%s)"
BIG_BYTES=$DB_BYTES
loaded_facts t2 "$(date +%s)"
SMALL_BYTES=$DB_BYTES
s3proxy_start a b

export BENCH_PG_PASSWORD=$PG_PASSWORD
config() {   # config HOME: the fleet's configuration
  echo "lifeboat:"
  echo "  home: $1"
  echo "  targets:"
  for ((t = 1; t <= TARGETS; t++)); do
    echo "    t$t:"
    echo "      url: jdbc:postgresql://127.0.0.1:$PGPORT/t$t"
    echo "      username: postgres"
    echo "      password: \${BENCH_PG_PASSWORD}"
  done
  echo "  stores:"
  s3_store_yaml a
  s3_store_yaml b
  echo "  retention: { keep-last: 3, keep-daily: 0, keep-weekly: 0, keep-monthly: 0, min-age: 0s }"
  echo "  schedules:"
  echo "    backup: { cron: \"0/30 * * * * ?\" }"
  echo "    prune: { cron: \"15 * * * * ?\" }"
  echo "    drill: { cron: \"45 0/2 * * * ?\" }"
}

declare -A LIVE_MAX AFTER_MAX BEFORE_MAX COMMITTED_MAX HWM GCS GC_MS RUNS FAILED OOM
# serve_run LABEL EXTRA_OPTS: one serve for MINUTES with a GC log; fills the arrays above for LABEL
serve_run() {
  local label=$1 extra=$2 home=$W/home-$1 port pid
  mkdir -p "$home"
  config "$home" >"$W/$label.yml"
  port=$(free_port)
  log "serve ($label${extra:+, $extra}) for $MINUTES min: $TARGETS targets"
  LIFEBOAT_JAVA_OPTS="$extra -Xlog:gc:file=$W/$label-gc.log:uptime" \
    "${LB[@]}" --config "$W/$label.yml" serve "--lifeboat.http.port=$port" >"$W/$label.out" 2>"$W/$label.err" &
  pid=$!
  if [[ $label == unbounded ]]; then
    # a full collection every 20 s: what survives it is what the daemon really holds (without a
    # bound the JVM grows the old generation instead of collecting it, so young collections
    # alone say little)
    local end=$((SECONDS + MINUTES * 60)) jcmd
    sleep 10
    jcmd="$(dirname "$(readlink -f "/proc/$pid/exe")")/jcmd"
    while ((SECONDS < end)); do
      "$jcmd" "$pid" GC.run >/dev/null 2>&1 || true
      sleep 20
    done
  else
    sleep $((MINUTES * 60))
  fi
  HWM[$label]=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status" 2>/dev/null || echo 0)
  kill -TERM "$pid"
  wait "$pid" || true
  OOM[$label]=$(grep -c OutOfMemoryError "$W/$label.err" || true)
  # Serial GC lines: "[12.3s] GC(4) Pause Young (Allocation Failure) 45M->12M(64M) 3.456ms"
  # jcmd's collections log as "Pause Full (Diagnostic Command)"
  LIVE_MAX[$label]=$(grep 'Pause Full (Diagnostic Command)' "$W/$label-gc.log" |
    grep -oE '[0-9]+M->[0-9]+M' | sed 's/.*->//; s/M//' | sort -n | tail -1 || true)
  LIVE_MAX[$label]=${LIVE_MAX[$label]:--}
  read -r AFTER_MAX[$label] BEFORE_MAX[$label] COMMITTED_MAX[$label] GCS[$label] GC_MS[$label] < <(
    grep -oE '[0-9]+M->[0-9]+M\([0-9]+M\) [0-9.]+ms' "$W/$label-gc.log" | tr -- '->()M' '     ' |
      awk '{ n++; ms += $4; if ($2 > a) a = $2; if ($1 > b) b = $1; if ($3 > c) c = $3 }
           END { printf "%d %d %d %d %.0f\n", a, b, c, n, ms }')
  "${LB[@]}" --config "$W/$label.yml" history --json --limit 100000 >"$W/$label-history.json" 2>/dev/null || die "history of $label failed"
  RUNS[$label]=$(jq 'length' "$W/$label-history.json")
  FAILED[$label]=$(jq '[.[] | select(.outcome != "success" and .outcome != "stopped" and .outcome != "skipped")] | length' "$W/$label-history.json")
  jq -r 'group_by(.job + " " + .outcome)[] | "\(.[0].job) \(.[0].outcome): \(length)"' "$W/$label-history.json" >"$W/$label-outcomes.txt"
  log "$label: live set max ${LIVE_MAX[$label]} MB, heap after GC max ${AFTER_MAX[$label]} MB, before GC max ${BEFORE_MAX[$label]} MB, committed max ${COMMITTED_MAX[$label]} MB, peak RSS ${HWM[$label]} MB, ${GCS[$label]} GCs, ${RUNS[$label]} runs, ${FAILED[$label]} not ok"
}

serve_run unbounded "-Xmx$(awk '/MemTotal/ {printf "%dm", $2 / 4096}' /proc/meminfo)"
serve_run bounded ""

# ---------------------------------------------------------------- docs/benchmarks.md
machine_facts
SECTION=$W/section.md
{
  echo "<!-- $NAME:start -->"
  echo "<!-- Generated by bench/serve-heap-bench.sh; do not edit by hand: run the script again. -->"
  echo "## The heap of \`serve\`"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), lifeboat commit \`$COMMIT\`, \`bench/serve-heap-bench.sh $TARGETS $MINUTES\` took $((ELAPSED / 60)) min $((ELAPSED % 60)) s"
  echo "- machine: $NPROC CPUs ($CPU), $RAM RAM, $(uname -sr); load average at start $LOADAVG_START, at end $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- PostgreSQL $SERVER_VERSION, $JAVA"
  echo "- a fleet of $TARGETS targets (\`jobs/example\`, half at scale $BIG_SCALE, $(mb "$BIG_BYTES") MB, half at scale 1, $(mb "$SMALL_BYTES") MB), two s3proxy stores;"
  echo "  for every target a backup every 30 s, a prune every minute, a drill every 2 minutes, 4 job threads; each \`serve\` ran $MINUTES min"
  echo "- lifeboat: \`$LB_DESC --config F serve\`; \`unbounded\` with \`-Xmx\` a quarter of RAM (the JVM's own default), \`bounded\`"
  echo "  with the launcher's default for serve (\`$BOUND\`); heap figures from \`-Xlog:gc\`, peak RSS from \`VmHWM\`;"
  echo "  the unbounded run forces a full collection every 20 s (\`jcmd PID GC.run\`): the live set is what survives one"
  echo
  echo '| serve | live set, max MB | heap after GC, max MB | heap before GC, max MB | heap committed, max MB | peak RSS MB | GCs | GC pause total ms | runs | not ok | OutOfMemoryError |'
  echo '|---|---|---|---|---|---|---|---|---|---|---|'
  for l in unbounded bounded; do
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$l" "${LIVE_MAX[$l]}" "${AFTER_MAX[$l]}" "${BEFORE_MAX[$l]}" \
      "${COMMITTED_MAX[$l]}" "${HWM[$l]}" "${GCS[$l]}" "${GC_MS[$l]}" "${RUNS[$l]}" "${FAILED[$l]}" "${OOM[$l]}"
  done
  echo
  echo "Runs by job and outcome (unbounded, then bounded): $(paste -sd, "$W/unbounded-outcomes.txt" | sed 's/,/, /g'); $(paste -sd, "$W/bounded-outcomes.txt" | sed 's/,/, /g')."
  echo
  echo "**The daemon's live set was at most ${LIVE_MAX[unbounded]} MB (without a limit its heap grew to ${COMMITTED_MAX[unbounded]} MB); with \`$BOUND\` it ran ${RUNS[bounded]} jobs, ${FAILED[bounded]} not ok, peak RSS ${HWM[bounded]} MB (unbounded: ${HWM[unbounded]} MB).**"
  echo "<!-- $NAME:end -->"
} >"$SECTION"

doc_section "$NAME" "$SECTION"
bench_summary "$NAME" "live set max MB" "${LIVE_MAX[unbounded]}"
bench_summary "$NAME" "peak RSS MB (bounded)" "${HWM[bounded]}"
log "done in $((ELAPSED / 60)) min $((ELAPSED % 60)) s"
