#!/usr/bin/env bash
# Backup benchmark: `lifeboat backup` to two S3 stores (s3proxy) vs `pg_dump -Fc` to a local file.
#
#   bench/backup-bench.sh [--shape example|wide] [SCALE] [RUNS]
#
# --shape  the dataset (default example, or $BENCH_SHAPE): example is jobs/example; wide is
#          bench/shapes/wide.sql (wide rows with jsonb and bytea, a partitioned table, 520 small tables)
# SCALE    data scale (default 20: example ≈ 600 MB of table data, pg_database_size ≥ 500 MB;
#          wide ≈ 1 GB pg_database_size, and fractions such as 0.1 are allowed)
# RUNS     measured rounds (default 3, minimum 3; 1 with BENCH_SMOKE=1); each round runs baseline,
#          floor, lifeboat, lifeboat encrypted with age (when age-keygen is installed) and the
#          pg_dump|zstd pipeline one after the other, so a noisy neighbour hits all of them alike.
#
# Starts its own throwaway PostgreSQL 15 and two s3proxy processes, loads the data, measures,
# regenerates the "backup-bench" section (shape example) or "backup-bench-wide" section of
# docs/benchmarks.md, and removes everything it started on exit (also on failure or Ctrl-C).
# Needs root (PostgreSQL runs as the postgres OS user through runuser), /usr/bin/time, jq; zstd
# is optional.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
bench_args "$@"
NAME=backup-bench
[[ $SHAPE == example ]] || NAME=backup-bench-$SHAPE

bench_require
LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
bench_workdir lifeboat-bench
bench_jar_and_s3cp
pg_start
load_shape bench "$SHAPE" "$SCALE"
q() { "${PSQL[@]}" -d bench -At -c "$1"; }
s3proxy_start a b

# ---------------------------------------------------------------- lifeboat's configuration
export BENCH_PG_PASSWORD=$PG_PASSWORD
CONFIG=$W/lifeboat.yml
cat >"$CONFIG" <<EOF
lifeboat:
  home: $W/lifeboat-home
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
LIFEBOAT=("${LB[@]}" --config "$CONFIG")

# the same, encrypted with age to one recipient (age-keygen, the Debian package age)
HAVE_AGE=0
if command -v age-keygen >/dev/null 2>&1; then
  HAVE_AGE=1
  age-keygen -o "$W/bench-key.txt" 2>/dev/null
  RECIPIENT=$(age-keygen -y "$W/bench-key.txt")
  CONFIG_AGE=$W/lifeboat-age.yml
  { cat "$CONFIG"; printf '  encryption:\n    recipients: ["%s"]\n' "$RECIPIENT"; } >"$CONFIG_AGE"
  LIFEBOAT_AGE=("${LB[@]}" --config "$CONFIG_AGE")
fi

# ---------------------------------------------------------------- measuring
DUMP_OPTS=(-h 127.0.0.1 -p "$PGPORT" -U postgres -d bench)
OUT=$W/out
mkdir -p "$OUT"

log "warm-up (not measured): pg_dump -Z0 to /dev/null, lifeboat backups"
"$PGBIN/pg_dump" -Fc -Z0 "${DUMP_OPTS[@]}" >/dev/null
"${LIFEBOAT[@]}" backups --json >/dev/null 2>"$W/warmup.err" || { cat "$W/warmup.err" >&2; die "lifeboat backups failed"; }

declare -a B_WALL B_RSS B_CPU B_SIZE L_WALL L_RSS L_CPU L_SIZE L_OWN L_RAW S_CPU Z_WALL Z_CPU Z_SIZE RATIO ZRATIO
declare -a F_WALL F_CPU FRATIO CRATIO
declare -a E_WALL E_RSS E_CPU E_SIZE E_OWN E_RATIO E_OWN_RATIO
for ((r = 1; r <= RUNS; r++)); do
  # baseline: plain pg_dump, custom format, its default gzip compression, to a local file
  log "round $r/$RUNS: baseline pg_dump -Fc"
  settle
  /usr/bin/time -v -o "$W/time.txt" "$PGBIN/pg_dump" -Fc "${DUMP_OPTS[@]}" -f "$OUT/baseline.dump"
  read -r wall rss user sys < <(time_fields "$W/time.txt")
  B_WALL[r]=$wall B_RSS[r]=$rss B_CPU[r]=$(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f", u+s}')
  B_SIZE[r]=$(stat -c %s "$OUT/baseline.dump")
  rm -f "$OUT/baseline.dump"

  # floor: what reading the data costs at the least, pg_dump without compression to nowhere
  log "round $r/$RUNS: floor pg_dump -Fc -Z0 > /dev/null"
  settle
  /usr/bin/time -v -o "$W/time.txt" bash -c '"$0" -Fc -Z0 "$@" >/dev/null' "$PGBIN/pg_dump" "${DUMP_OPTS[@]}"
  read -r wall rss user sys < <(time_fields "$W/time.txt")
  F_WALL[r]=$wall F_CPU[r]=$(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f", u+s}')

  # lifeboat: dump | zstd | sha256 | two S3 stores, JVM start-up included
  log "round $r/$RUNS: lifeboat backup"
  settle
  s3_cpu_before=$(s3proxy_cpu)
  if ! /usr/bin/time -v -o "$W/time.txt" "${LIFEBOAT[@]}" backup --label bench >"$W/backup.out" 2>"$W/backup.err"; then
    cat "$W/backup.err" >&2
    die "lifeboat backup failed"
  fi
  id=$(tail -1 "$W/backup.out")
  S_CPU[r]=$(awk -v a="$(s3proxy_cpu)" -v b="$s3_cpu_before" 'BEGIN{printf "%.2f", a - b}')
  read -r wall rss user sys < <(time_fields "$W/time.txt")
  L_WALL[r]=$wall L_RSS[r]=$rss L_CPU[r]=$(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f", u+s}')
  "${LIFEBOAT[@]}" backups --json >"$W/backups.json" 2>"$W/backups.err" || { cat "$W/backups.err" >&2; die "lifeboat backups failed"; }
  row=$(jq -c --arg id "$id" '.[] | select(.id == $id)' "$W/backups.json")
  [[ -n $row ]] || die "backup $id is not listed by 'backups --json'"
  [[ $(jq -r '.stores | sort | join(",")' <<<"$row") == "s3a,s3b" ]] || die "backup $id is not complete in both stores: $row"
  L_SIZE[r]=$(jq -r '.sizeBytes' <<<"$row")
  L_RAW[r]=$(jq -r '.rawBytes // 0' <<<"$row")
  L_OWN[r]=$(jq -r '((.completedAt | sub("\\.[0-9]+"; "") | fromdateiso8601) - (.startedAt | sub("\\.[0-9]+"; "") | fromdateiso8601)) as $whole
      | ((.completedAt | capture("\\.(?<f>[0-9]+)").f // "0") as $cf | (.startedAt | capture("\\.(?<f>[0-9]+)").f // "0") as $sf
      | $whole + ("0." + $cf | tonumber) - ("0." + $sf | tonumber)) | . * 100 | round / 100' <<<"$row")
  rm -rf "$W/s3a/data/bench/lifeboat" "$W/s3b/data/bench/lifeboat"

  # lifeboat, encrypted: dump | zstd | age | sha256 | two S3 stores
  if [[ $HAVE_AGE == 1 ]]; then
    log "round $r/$RUNS: lifeboat backup, age-encrypted"
    settle
    if ! /usr/bin/time -v -o "$W/time.txt" "${LIFEBOAT_AGE[@]}" backup --label bench-age >"$W/backup.out" 2>"$W/backup.err"; then
      cat "$W/backup.err" >&2
      die "lifeboat backup (encrypted) failed"
    fi
    id=$(tail -1 "$W/backup.out")
    read -r wall rss user sys < <(time_fields "$W/time.txt")
    E_WALL[r]=$wall E_RSS[r]=$rss E_CPU[r]=$(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f", u+s}')
    "${LIFEBOAT_AGE[@]}" backups --json >"$W/backups.json" 2>"$W/backups.err" || { cat "$W/backups.err" >&2; die "lifeboat backups failed"; }
    row=$(jq -c --arg id "$id" '.[] | select(.id == $id)' "$W/backups.json")
    [[ $(jq -r '.recipients | join(",")' <<<"$row") == "$RECIPIENT" ]] || die "backup $id is not listed as encrypted: $row"
    E_SIZE[r]=$(jq -r '.sizeBytes' <<<"$row")
    E_OWN[r]=$(jq -r '((.completedAt | sub("\\.[0-9]+"; "") | fromdateiso8601) - (.startedAt | sub("\\.[0-9]+"; "") | fromdateiso8601)) as $whole
      | ((.completedAt | capture("\\.(?<f>[0-9]+)").f // "0") as $cf | (.startedAt | capture("\\.(?<f>[0-9]+)").f // "0") as $sf
      | $whole + ("0." + $cf | tonumber) - ("0." + $sf | tonumber)) | . * 100 | round / 100' <<<"$row")
    rm -rf "$W/s3a/data/bench/lifeboat" "$W/s3b/data/bench/lifeboat"
    E_RATIO[r]=$(awk -v a="${E_WALL[r]}" -v b="${L_WALL[r]}" 'BEGIN{printf "%.2f", a/b}')
    E_OWN_RATIO[r]=$(awk -v a="${E_OWN[r]}" -v b="${L_OWN[r]}" 'BEGIN{printf "%.2f", (b > 0 ? a/b : 0)}')
  fi

  # context: the raw pipeline ceiling, pg_dump without compression into the zstd CLI
  if [[ $HAVE_ZSTD == 1 ]]; then
    log "round $r/$RUNS: pg_dump -Fc -Z0 | zstd -3"
    settle
    /usr/bin/time -v -o "$W/time.txt" bash -c 'set -o pipefail; "$0" -Fc -Z0 "${@}" | zstd -3 -q -c >"'"$OUT"'/pipe.dump.zst"' \
      "$PGBIN/pg_dump" "${DUMP_OPTS[@]}"
    read -r wall rss user sys < <(time_fields "$W/time.txt")
    Z_WALL[r]=$wall Z_CPU[r]=$(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f", u+s}')
    Z_SIZE[r]=$(stat -c %s "$OUT/pipe.dump.zst")
    rm -f "$OUT/pipe.dump.zst"
    ZRATIO[r]=$(awk -v a="${Z_WALL[r]}" -v b="${B_WALL[r]}" 'BEGIN{printf "%.2f", a/b}')
    CRATIO[r]=$(awk -v a="${L_CPU[r]}" -v b="${Z_CPU[r]}" 'BEGIN{printf "%.2f", (b > 0 ? a/b : 0)}')
  fi
  RATIO[r]=$(awk -v a="${L_WALL[r]}" -v b="${B_WALL[r]}" 'BEGIN{printf "%.2f", a/b}')
  FRATIO[r]=$(awk -v a="${L_WALL[r]}" -v b="${F_WALL[r]}" 'BEGIN{printf "%.2f", (b > 0 ? a/b : 0)}')
  log "round $r: baseline ${B_WALL[r]} s, floor ${F_WALL[r]} s, lifeboat ${L_WALL[r]} s (own ${L_OWN[r]} s, ratio ${RATIO[r]}, ÷ floor ${FRATIO[r]}, peak RSS $((L_RSS[r] / 1024)) MB)${Z_WALL[r]:+, pipeline ${Z_WALL[r]} s}"
done

# ---------------------------------------------------------------- statistics
RSS_MB=(); for ((r = 1; r <= RUNS; r++)); do RSS_MB[r]=$(mb $((L_RSS[r] * 1024))); done
B_SIZE_MB=(); L_SIZE_MB=(); Z_SIZE_MB=()
for ((r = 1; r <= RUNS; r++)); do
  B_SIZE_MB[r]=$(mb "${B_SIZE[r]}"); L_SIZE_MB[r]=$(mb "${L_SIZE[r]}")
  [[ $HAVE_ZSTD == 1 ]] && Z_SIZE_MB[r]=$(mb "${Z_SIZE[r]}")
done
MED_B=$(md B_WALL); MED_L=$(md L_WALL)
RATIO_OF_MEDIANS=$(awk -v a="$MED_L" -v b="$MED_B" 'BEGIN{printf "%.2f", a/b}')

# ---------------------------------------------------------------- docs/benchmarks.md
machine_facts
PGDUMP_VERSION=$("$PGBIN/pg_dump" --version | awk '{print $3}')
ZSTD_VERSION=$([[ $HAVE_ZSTD == 1 ]] && zstd --version | sed -E 's/^[* ]*Zstandard CLI \([^)]*\) (v[0-9.]+).*/zstd \1/' || echo "no zstd CLI")

SECTION=$W/section.md
{
  echo "<!-- $NAME:start -->"
  echo "<!-- Generated by bench/backup-bench.sh; do not edit by hand: run the script again. -->"
  if [[ $SHAPE == example ]]; then
    echo "## Backup: lifeboat backup to two S3 stores vs pg_dump -Fc to a local file"
  else
    echo "## Backup, $SHAPE shape: lifeboat backup to two S3 stores vs pg_dump -Fc to a local file"
  fi
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), lifeboat commit \`$COMMIT\`, \`bench/backup-bench.sh$([[ $SHAPE == example ]] || echo " --shape $SHAPE") $SCALE $RUNS\` took $((ELAPSED / 60)) min $((ELAPSED % 60)) s (load ${LOAD_SECONDS} s)"
  echo "- machine: $NPROC CPUs ($CPU), $RAM RAM, $(uname -sr); other jobs may have been running (load average at start $LOADAVG_START, at end $(cut -d' ' -f1-3 /proc/loadavg))"
  echo "- PostgreSQL $SERVER_VERSION, pg_dump $PGDUMP_VERSION, $JAVA, $ZSTD_VERSION"
  echo "- database: $SHAPE_DESC; pg_database_size $(mb "$DB_BYTES") MB, table data (heap + TOAST) $(mb "$TABLE_BYTES") MB, indexes $(mb "$INDEX_BYTES") MB, $ROWS rows"
  echo "- baseline: \`pg_dump -Fc -f FILE\` (gzip level 6, its default) to a local ext4 file; pg_dump fsyncs the file"
  echo "- floor: \`pg_dump -Fc -Z0 > /dev/null\`: reading the data and nothing else, the least any backup can take"
  echo "- lifeboat: \`$LB_DESC --config F backup --label bench\` (the launcher: the newest JDK, its AOT or CDS cache, its JVM options), default settings (zstd 2 on the reading"
  echo "  thread, 16 MiB multipart parts), to two s3proxy 4.1.0 processes (filesystem backend) on the same machine;"
  echo "  wall time includes JVM start-up, \"own\" is the manifest's completedAt − startedAt; peak RSS is the JVM's"
  echo "- pipeline: \`pg_dump -Fc -Z0 | zstd -3 > FILE\`, for context: the cost of dump + compression alone"
  echo "- every round runs them one after the other (interleaved); the ratios are lifeboat ÷ baseline and lifeboat ÷ floor"
  echo "  of the same round (wall time), and lifeboat's CPU ÷ the pipeline's CPU of the same round"
  echo
  printf '| round | baseline s | baseline MB | floor s | lifeboat s | lifeboat own s | ratio | ÷ floor | lifeboat peak RSS MB | lifeboat CPU s | s3proxy CPU s | lifeboat MB |'
  [[ $HAVE_ZSTD == 1 ]] && printf ' pipeline s | pipeline ratio | pipeline MB | pipeline CPU s | CPU ÷ pipeline CPU |'
  echo
  printf '|---|---|---|---|---|---|---|---|---|---|---|---|'
  [[ $HAVE_ZSTD == 1 ]] && printf -- '---|---|---|---|---|'
  echo
  for ((r = 1; r <= RUNS; r++)); do
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |' "$r" "${B_WALL[r]}" "${B_SIZE_MB[r]}" "${F_WALL[r]}" "${L_WALL[r]}" "${L_OWN[r]}" \
      "${RATIO[r]}" "${FRATIO[r]}" "${RSS_MB[r]}" "${L_CPU[r]}" "${S_CPU[r]}" "${L_SIZE_MB[r]}"
    [[ $HAVE_ZSTD == 1 ]] && printf ' %s | %s | %s | %s | %s |' "${Z_WALL[r]}" "${ZRATIO[r]}" "${Z_SIZE_MB[r]}" "${Z_CPU[r]}" "${CRATIO[r]}"
    echo
  done
  printf '| **median** | **%s** | %s | **%s** | **%s** | %s | **%s** | **%s** | %s | %s | %s | %s |' "$MED_B" "$(md B_SIZE_MB)" "$(md F_WALL)" "$MED_L" "$(md L_OWN)" \
    "$(md RATIO)" "$(md FRATIO)" "$(md RSS_MB)" "$(md L_CPU)" "$(md S_CPU)" "$(md L_SIZE_MB)"
  [[ $HAVE_ZSTD == 1 ]] && printf ' %s | %s | %s | %s | **%s** |' "$(md Z_WALL)" "$(md ZRATIO)" "$(md Z_SIZE_MB)" "$(md Z_CPU)" "$(md CRATIO)"
  echo
  printf '| spread | %s | | %s | %s | %s | %s | %s | %s | %s | %s | |' "$(sp B_WALL)" "$(sp F_WALL)" "$(sp L_WALL)" "$(sp L_OWN)" "$(sp RATIO)" "$(sp FRATIO)" "$(sp RSS_MB)" "$(sp L_CPU)" "$(sp S_CPU)"
  [[ $HAVE_ZSTD == 1 ]] && printf ' %s | %s | | %s | %s |' "$(sp Z_WALL)" "$(sp ZRATIO)" "$(sp Z_CPU)" "$(sp CRATIO)"
  echo
  echo
  echo "**lifeboat ÷ baseline (wall time): median of the per-round ratios $(md RATIO) (spread $(sp RATIO)); ratio of the medians $RATIO_OF_MEDIANS.**"
  echo "**lifeboat ÷ floor \`pg_dump -Fc -Z0 > /dev/null\` (wall time): median of the per-round ratios $(md FRATIO) (spread $(sp FRATIO)).**"
  [[ $HAVE_ZSTD == 1 ]] && echo "**lifeboat CPU ÷ pipeline CPU (user+sys): median of the per-round ratios $(md CRATIO) (spread $(sp CRATIO)).**"
  echo "Lifeboat's peak RSS: $(md RSS_MB) MB (median). Output: baseline $(md B_SIZE_MB) MB, lifeboat $(md L_SIZE_MB) MB per store ×2 stores"
  echo "(uncompressed archive $(mb "$(md L_RAW)") MB)$([[ $HAVE_ZSTD == 1 ]] && echo ", pipeline $(md Z_SIZE_MB) MB")."
  echo "CPU seconds (user+sys, median): baseline (pg_dump) $(md B_CPU) s; floor (pg_dump -Z0) $(md F_CPU) s; lifeboat (JVM + its pg_dump) $(md L_CPU) s, plus $(md S_CPU) s in the two"
  echo "s3proxy processes during the backup$([[ $HAVE_ZSTD == 1 ]] && echo "; pipeline (pg_dump + zstd) $(md Z_CPU) s"). The PostgreSQL server's own CPU is not counted in any of them."
  if [[ $HAVE_AGE == 1 ]]; then
    E_RSS_MB=(); E_SIZE_MB=()
    for ((r = 1; r <= RUNS; r++)); do E_RSS_MB[r]=$(mb $((E_RSS[r] * 1024))); E_SIZE_MB[r]=$(mb "${E_SIZE[r]}"); done
    echo
    echo "### Encrypted (age, one X25519 recipient) beside the plain lifeboat backup of the same round"
    echo
    echo "Same target and stores, \`lifeboat.encryption.recipients\` set: the stored object is age(zstd(archive))."
    echo "The encrypted backup runs right after the plain one in each round; the ratio is encrypted ÷ plain lifeboat."
    echo
    echo '| round | plain s | encrypted s | ratio (wall) | plain own s | encrypted own s | ratio (own) | encrypted CPU s | encrypted peak RSS MB | encrypted MB |'
    echo '|---|---|---|---|---|---|---|---|---|---|'
    for ((r = 1; r <= RUNS; r++)); do
      printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$r" "${L_WALL[r]}" "${E_WALL[r]}" "${E_RATIO[r]}" "${L_OWN[r]}" "${E_OWN[r]}" \
        "${E_OWN_RATIO[r]}" "${E_CPU[r]}" "${E_RSS_MB[r]}" "${E_SIZE_MB[r]}"
    done
    printf '| **median** | %s | %s | **%s** | %s | %s | **%s** | %s | %s | %s |\n' "$MED_L" "$(md E_WALL)" "$(md E_RATIO)" "$(md L_OWN)" "$(md E_OWN)" \
      "$(md E_OWN_RATIO)" "$(md E_CPU)" "$(md E_RSS_MB)" "$(md E_SIZE_MB)"
    echo
    echo "**encrypted ÷ plain lifeboat backup: wall time $(md E_RATIO) (median of per-round ratios, spread $(sp E_RATIO)), own time $(md E_OWN_RATIO) (spread $(sp E_OWN_RATIO)).**"
    echo "CPU seconds (median): plain $(md L_CPU) s, encrypted $(md E_CPU) s."
  fi
  echo "<!-- $NAME:end -->"
} >"$SECTION"

doc_section "$NAME" "$SECTION"
bench_summary "$NAME" "lifeboat ÷ pg_dump -Fc (wall)" "$(md RATIO)"
bench_summary "$NAME" "lifeboat ÷ floor (wall)" "$(md FRATIO)"
[[ $HAVE_ZSTD == 1 ]] && bench_summary "$NAME" "lifeboat CPU ÷ pipeline CPU" "$(md CRATIO)"
bench_summary "$NAME" "lifeboat peak RSS MB" "$(md RSS_MB)"
[[ $HAVE_AGE == 1 ]] && bench_summary "$NAME" "encrypted ÷ plain (wall)" "$(md E_RATIO)"
log "done in $((ELAPSED / 60)) min $((ELAPSED % 60)) s"
