#!/usr/bin/env bash
# Backup profile: where `lifeboat backup` spends its CPU, and A/B comparisons of jars or JVM options.
#
#   bench/profile-backup.sh [SCALE] [ROUNDS] [VARIANT...]
#
# SCALE    jobs/example data scale (default 10)
# ROUNDS   rounds (default 1); each round runs every variant, then the pipeline
#          `pg_dump -Fc -Z0 | zstd -3`, one after the other, so a noisy neighbour hits all alike
# VARIANT  NAME=JAR or NAME=JAR@JAVA_OPTS (options separated by spaces), default base=target/lifeboat.jar
#
# Environment: OUT (default /tmp/profile-backup) keeps the results, which outlive the run:
# results.tsv; per run the /usr/bin/time output, the CPU seconds of lifeboat's own pg_dump
# (through a wrapper in lifeboat.pg.bin-dirs that times it) and per thread the CPU seconds before
# the dump started and in all (bench/thread-cpu.sh); with JFR=1 a flight recording
# (settings=profile) that bench/jfr-top.py summarises. CURVE=1 also measures the zstd CLI's
# size/speed curve on the uncompressed archive (levels --fast=3 to 6, 1 and 2 threads).
# Starts a throwaway PostgreSQL and two s3proxy processes like bench/backup-bench.sh and removes
# them on exit; docs are not touched.
set -Eeuo pipefail

SCALE=${1:-10}
ROUNDS=${2:-1}
shift 2 || shift $#
VARIANTS=("$@")
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
((${#VARIANTS[@]})) || VARIANTS=("base=$JAR")
OUT=${OUT:-/tmp/profile-backup}
JFR=${JFR:-0}
CURVE=${CURVE:-0}
mkdir -p "$OUT"

bench_require
bench_workdir lifeboat-profile
bench_jar_and_s3cp
pg_start
load_example bench "$SCALE"
s3proxy_start a b
log "load average $(cut -d' ' -f1-3 /proc/loadavg)"

# pg_dump as lifeboat runs it, timed: user+sys of each run appended to $W/pgdump-cpu.txt
mkdir -p "$W/pgwrap"
cat >"$W/pgwrap/pg_dump" <<EOF
#!/bin/sh
case "\$*" in *--snapshot=*) : >"$W/dump-started" ;; esac
exec /usr/bin/time -f '%U %S' -a -o "$W/pgdump-cpu.txt" "$PGBIN/pg_dump" "\$@"
EOF
chmod 755 "$W/pgwrap/pg_dump"

export BENCH_PG_PASSWORD=$PG_PASSWORD
CONFIG=$W/lifeboat.yml
cat >"$CONFIG" <<EOF
lifeboat:
  home: $W/lifeboat-home
  pg:
    bin-dirs: [$W/pgwrap]
  targets:
    bench:
      url: jdbc:postgresql://127.0.0.1:$PGPORT/bench
      username: postgres
      password: \${BENCH_PG_PASSWORD}
      stores: [s3a, s3b]
  stores:
$(s3_store_yaml a)
$(s3_store_yaml b)
EOF
DUMP_OPTS=(-h 127.0.0.1 -p "$PGPORT" -U postgres -d bench)
cpu() { awk -v u="$3" -v s="$4" 'BEGIN{printf "%.2f", u+s}'; }

log "warm-up: pg_dump -Fc -Z0 to /dev/null"
"$PGBIN/pg_dump" -Fc -Z0 "${DUMP_OPTS[@]}" >/dev/null

printf 'round\tname\twall_s\tcpu_s\tpeak_rss_mb\tpg_dump_cpu_s\tjvm_cpu_s\tstored_mb\n' >"$OUT/results.tsv"
for ((r = 1; r <= ROUNDS; r++)); do
  for v in "${VARIANTS[@]}"; do
    name=${v%%=*} spec=${v#*=}
    jar=${spec%%@*} opts=
    [[ $spec == *@* ]] && opts=${spec#*@}
    jfr_opt=()
    [[ $JFR == 1 ]] && jfr_opt=("-XX:StartFlightRecording=filename=$OUT/$name-$r.jfr,settings=profile")
    log "round $r: $name ($jar ${opts:-default options})"
    settle
    rm -f "$W/pgdump-cpu.txt" "$W/dump-started"
    # shellcheck disable=SC2086
    /usr/bin/time -v -o "$OUT/$name-$r.time" java $opts "${jfr_opt[@]}" -jar "$jar" --config "$CONFIG" \
      backup --label "$name" >"$OUT/$name-$r.out" 2>"$OUT/$name-$r.err" &
    timer=$!
    jpid=
    for _ in $(seq 100); do jpid=$(pgrep -P "$timer" || true); [[ -n $jpid ]] && break; sleep 0.05; done
    [[ -n $jpid ]] && "$ROOT/bench/thread-cpu.sh" "$jpid" "$OUT/$name-$r.threads" "$W/dump-started" &
    sampler=$!
    wait "$timer" || { cat "$OUT/$name-$r.err" >&2; die "backup failed"; }
    wait "$sampler" || true
    read -r wall rss user sys < <(time_fields "$OUT/$name-$r.time")
    total=$(cpu "$wall" "$rss" "$user" "$sys")
    pgd=$(awk '{s += $1 + $2} END {printf "%.2f", s}' "$W/pgdump-cpu.txt")
    stored=$(find "$W/s3a/data/bench/lifeboat" -type f -name dump -printf "%s\n" 2>/dev/null | awk "{s += \$1} END {print s + 0}")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$name" "$wall" "$total" "$((rss / 1024))" "$pgd" \
      "$(minus "$total" "$pgd")" "$(mb "${stored:-0}")" | tee -a "$OUT/results.tsv" >&2
    rm -rf "$W/s3a/data/bench/lifeboat" "$W/s3b/data/bench/lifeboat"
  done
  log "round $r: pipeline pg_dump -Fc -Z0 | zstd -3"
  settle
  /usr/bin/time -v -o "$OUT/pipeline-$r.time" bash -c 'set -o pipefail; "$0" -Fc -Z0 "${@}" | zstd -3 -q -c >"'"$W"'/pipe.zst"' \
    "$PGBIN/pg_dump" "${DUMP_OPTS[@]}"
  read -r wall rss user sys < <(time_fields "$OUT/pipeline-$r.time")
  printf '%s\tpipeline\t%s\t%s\t%s\t\t\t%s\n' "$r" "$wall" "$(cpu "$wall" "$rss" "$user" "$sys")" "$((rss / 1024))" \
    "$(mb "$(stat -c %s "$W/pipe.zst")")" | tee -a "$OUT/results.tsv" >&2
  rm -f "$W/pipe.zst"
  log "round $r: pg_dump -Fc -Z0 > /dev/null"
  settle
  /usr/bin/time -v -o "$OUT/pgdump-$r.time" "$PGBIN/pg_dump" -Fc -Z0 "${DUMP_OPTS[@]}" >/dev/null
  read -r wall rss user sys < <(time_fields "$OUT/pgdump-$r.time")
  printf '%s\tpg_dump -Z0 >/dev/null\t%s\t%s\t%s\t%s\t\t\n' "$r" "$wall" "$(cpu "$wall" "$rss" "$user" "$sys")" \
    "$((rss / 1024))" "$(cpu "$wall" "$rss" "$user" "$sys")" | tee -a "$OUT/results.tsv" >&2
done

if [[ $CURVE == 1 ]]; then
  log "zstd CLI size/speed curve on the uncompressed archive"
  "$PGBIN/pg_dump" -Fc -Z0 "${DUMP_OPTS[@]}" -f "$W/raw.dump"
  raw=$(stat -c %s "$W/raw.dump")
  printf 'level\tthreads\tcpu_s\twall_s\tmb\tratio\n' >"$OUT/curve.tsv"
  for level in --fast=3 --fast=1 -1 -2 -3 -4 -6; do
    for t in 1 2; do
      cat "$W/raw.dump" >/dev/null
      /usr/bin/time -f '%e %U %S' -o "$W/z.time" zstd -q -c "$level" -T"$t" "$W/raw.dump" >"$W/z.out"
      read -r e u s <"$W/z.time"
      size=$(stat -c %s "$W/z.out")
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$level" "$t" "$(plus "$u" "$s")" "$e" "$(mb "$size")" \
        "$(awk -v a="$raw" -v b="$size" 'BEGIN{printf "%.2f", a/b}')" | tee -a "$OUT/curve.tsv" >&2
    done
  done
  log "uncompressed archive: $(mb "$raw") MB"
fi
log "results in $OUT (load average $(cut -d' ' -f1-3 /proc/loadavg))"
