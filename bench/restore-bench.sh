#!/usr/bin/env bash
# Restore benchmark: `lifeboat restore` from an S3 store (s3proxy) and from a filesystem store vs
# plain `pg_restore -j 2` of a local `pg_dump -Fc` file.
#
#   bench/restore-bench.sh [--shape example|wide] [SCALE] [RUNS]
#
# --shape  the dataset (default example, or $BENCH_SHAPE): example is jobs/example; wide is
#          bench/shapes/wide.sql (wide rows with jsonb and bytea, a partitioned table, 520 small tables)
# SCALE    data scale (default 20: example pg_database_size ≈ 845 MB, ≥ 500 MB; wide ≈ 1 GB,
#          fractions allowed)
# RUNS     measured rounds (default 3, minimum 3; 1 with BENCH_SMOKE=1); each round runs the
#          baseline and the two lifeboat restores one after the other (their order rotates from
#          round to round), then a drill and a verify for the breakdown, so a noisy neighbour hits
#          all of them alike.
#
# Starts its own throwaway PostgreSQL 15 and one s3proxy, loads the data, takes ONE lifeboat
# backup (into the S3 store and a filesystem store) and one `pg_dump -Fc` file, measures,
# regenerates the "restore-bench" section (or "restore-bench-wide") of docs/benchmarks.md (the other sections stay), and
# removes everything it started on exit (also on failure or Ctrl-C). Needs root (PostgreSQL runs as
# the postgres OS user through runuser), /usr/bin/time, jq.
set -Eeuo pipefail

JOBS=2

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
bench_args "$@"
NAME=restore-bench
[[ $SHAPE == example ]] || NAME=restore-bench-$SHAPE

bench_require
LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
bench_workdir lifeboat-rbench
bench_jar_and_s3cp
pg_start
load_shape bench "$SHAPE" "$SCALE"
s3proxy_start a

# ---------------------------------------------------------------- lifeboat's configurations
# One backup goes to both stores (config S3: stores [s3a, fs], so restores read from s3a); config FS
# lists only the filesystem store, so the same backup is restored from local disk.
export BENCH_PG_PASSWORD=$PG_PASSWORD
mkdir -p "$W/fsstore"
lifeboat_config() {   # lifeboat_config FILE HOME STORES
  cat >"$1" <<EOF
lifeboat:
  home: $2
  restore:
    jobs: $JOBS
  targets:
    bench:
      url: jdbc:postgresql://127.0.0.1:$PGPORT/bench
      username: postgres
      password: \${BENCH_PG_PASSWORD}
      stores: [$3]
  stores:
$(s3_store_yaml a)
    fs:
      type: filesystem
      path: $W/fsstore
EOF
}
lifeboat_config "$W/s3.yml" "$W/home-s3" "s3a, fs"
lifeboat_config "$W/fs.yml" "$W/home-fs" "fs"
# the backup below is signed with home-s3's key (made by that backup): the FS configuration trusts it
printf '  signing:\n    trusted-keys: [ "%s" ]\n' "$W/home-s3/keys/signing.key.pub" >>"$W/fs.yml"
LB_S3=("${LB[@]}" --config "$W/s3.yml")
LB_FS=("${LB[@]}" --config "$W/fs.yml")

# ---------------------------------------------------------------- the two archives, made once
DUMP_OPTS=(-h 127.0.0.1 -p "$PGPORT" -U postgres)
log "lifeboat backup (once) into s3a and fs"
backup_start=$(date +%s.%N)
"${LB_S3[@]}" backup --label bench >"$W/backup.out" 2>"$W/backup.err" || { cat "$W/backup.err" >&2; die "lifeboat backup failed"; }
BACKUP_SECONDS=$(minus "$(date +%s.%N)" "$backup_start")
BACKUP_ID=$(tail -1 "$W/backup.out")
"${LB_S3[@]}" backups --json >"$W/backups.json" 2>"$W/backups.err" || { cat "$W/backups.err" >&2; die "lifeboat backups failed"; }
row=$(jq -c --arg id "$BACKUP_ID" '.[] | select(.id == $id)' "$W/backups.json")
[[ $(jq -r '.stores | sort | join(",")' <<<"$row") == "fs,s3a" ]] || die "backup $BACKUP_ID is not complete in both stores: $row"
L_SIZE=$(jq -r '.sizeBytes' <<<"$row")
L_RAW=$(jq -r '.rawBytes' <<<"$row")
log "backup $BACKUP_ID: $(mb "$L_SIZE") MB stored, $(mb "$L_RAW") MB uncompressed archive"

log "baseline archive: pg_dump -Fc -f base.dump (once)"
dump_start=$(date +%s.%N)
"$PGBIN/pg_dump" -Fc "${DUMP_OPTS[@]}" -d bench -f "$W/base.dump"
DUMP_SECONDS=$(minus "$(date +%s.%N)" "$dump_start")
B_SIZE=$(stat -c %s "$W/base.dump")
log "base.dump: $(mb "$B_SIZE") MB"

# Measured restores write: durability back on, as on a real server.
pg_durable_on

# ---------------------------------------------------------------- measuring
psql_admin() { "${PSQL[@]}" -d postgres -c "$1" >/dev/null; }
drop_db() { psql_admin "DROP DATABASE IF EXISTS $1 WITH (FORCE)"; }
# no run pays for the previous one's dirty buffers or writeback
settle_pg() { psql_admin CHECKPOINT; settle; }
cpu_of() { awk -v u="$1" -v s="$2" 'BEGIN{printf "%.2f", u+s}'; }
# the table counts of a restore report all matched
check_restore_json() {
  [[ $(jq -r '.status' "$1") == restored ]] || die "$2: status is not 'restored': $(head -c 400 "$1")"
  [[ $(jq '[.tables[] | select(.ok | not)] | length' "$1") == 0 ]] || die "$2: row counts differ"
  [[ $(jq '.tables | length' "$1") -gt 0 ]] || die "$2: no tables"
}

log "warm-up (not measured): lifeboat backups, verify"
"${LB_FS[@]}" backups --json >/dev/null 2>"$W/warmup.err" || { cat "$W/warmup.err" >&2; die "lifeboat backups failed"; }
"${LB_S3[@]}" verify latest >/dev/null 2>"$W/warmup.err" || { cat "$W/warmup.err" >&2; die "lifeboat verify failed"; }

declare -a B_WALL B_RSS B_CPU S_WALL S_OWN S_RSS S_CPU S_S3CPU F_WALL F_OWN F_RSS F_CPU RATIO_S RATIO_F RATIO_SOWN ORDER
declare -a C_WALL D_WALL D_OWN D_PG D_FETCH V_WALL V_S3CPU K_WALL
run_baseline() {
  psql_admin "CREATE DATABASE rb_base"
  settle_pg
  /usr/bin/time -v -o "$W/time.txt" "$PGBIN/pg_restore" -j "$JOBS" --exit-on-error "${DUMP_OPTS[@]}" -d rb_base "$W/base.dump" \
    2>"$W/base.err" || { cat "$W/base.err" >&2; die "pg_restore of base.dump failed"; }
  read -r wall rss user sys < <(time_fields "$W/time.txt")
  B_WALL[r]=$wall B_RSS[r]=$rss B_CPU[r]=$(cpu_of "$user" "$sys")
  # not part of the baseline: lifeboat's row-count check (one exact count(*) per table, as
  # PgCatalog.rowCounts does) on a database just out of pg_restore, for the breakdown
  "${PSQL[@]}" -d rb_base -At -c "SELECT format('SELECT count(*) FROM %I.%I;', n.nspname, c.relname)
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND c.relpersistence <> 't' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1" >"$W/counts.sql"
  /usr/bin/time -v -o "$W/time.txt" "${PSQL[@]}" -d rb_base -At -f "$W/counts.sql" >/dev/null
  read -r wall rss user sys < <(time_fields "$W/time.txt")
  C_WALL[r]=$wall
  drop_db rb_base
}
run_lifeboat() {   # run_lifeboat S|F
  local v=$1 cfg db s3_before
  if [[ $v == S ]]; then cfg=$W/s3.yml db=rb_s3; else cfg=$W/fs.yml db=rb_fs; fi
  settle_pg
  s3_before=$(s3proxy_cpu)
  /usr/bin/time -v -o "$W/time.txt" "${LB[@]}" --config "$cfg" --json restore latest --into "$db" --yes \
    >"$W/restore.json" 2>"$W/restore.err" || { cat "$W/restore.err" >&2; die "lifeboat restore ($v) failed"; }
  check_restore_json "$W/restore.json" "lifeboat restore ($v)"
  read -r wall rss user sys < <(time_fields "$W/time.txt")
  local own; own=$(jq -r '.restoreSeconds * 100 | round / 100' "$W/restore.json")
  if [[ $v == S ]]; then
    [[ $(jq -r .store "$W/restore.json") == s3a ]] || die "the S3 restore read from $(jq -r .store "$W/restore.json")"
    S_WALL[r]=$wall S_OWN[r]=$own S_RSS[r]=$rss S_CPU[r]=$(cpu_of "$user" "$sys")
    S_S3CPU[r]=$(minus "$(s3proxy_cpu)" "$s3_before")
  else
    [[ $(jq -r .store "$W/restore.json") == fs ]] || die "the filesystem restore read from $(jq -r .store "$W/restore.json")"
    F_WALL[r]=$wall F_OWN[r]=$own F_RSS[r]=$rss F_CPU[r]=$(cpu_of "$user" "$sys")
  fi
  drop_db "$db"
}

for ((r = 1; r <= RUNS; r++)); do
  case $(((r - 1) % 3)) in
    0) order=(B S F) ;;
    1) order=(S F B) ;;
    2) order=(F B S) ;;
  esac
  ORDER[r]=$(IFS=; echo "${order[*]}")
  for v in "${order[@]}"; do
    case $v in
      B) log "round $r/$RUNS: baseline pg_restore -j $JOBS"; run_baseline ;;
      S) log "round $r/$RUNS: lifeboat restore from S3"; run_lifeboat S ;;
      F) log "round $r/$RUNS: lifeboat restore from the filesystem store"; run_lifeboat F ;;
    esac
  done
  RATIO_S[r]=$(ratio "${S_WALL[r]}" "${B_WALL[r]}")
  RATIO_F[r]=$(ratio "${F_WALL[r]}" "${B_WALL[r]}")
  RATIO_SOWN[r]=$(ratio "${S_OWN[r]}" "${B_WALL[r]}")

  # breakdown: a drill reports fetch and pg_restore apart; verify is fetch without the spool write;
  # `backups` is the JVM + Spring start-up + reading the catalogue, the fixed cost of any command
  log "round $r/$RUNS: lifeboat drill (S3), verify --store s3a, backups"
  settle_pg
  /usr/bin/time -v -o "$W/time.txt" "${LB_S3[@]}" --json drill >"$W/drill.json" 2>"$W/drill.err" \
    || { cat "$W/drill.err" >&2; head -c 2000 "$W/drill.json" >&2; die "lifeboat drill failed"; }
  [[ $(jq -r .status "$W/drill.json") == passed ]] || die "drill did not pass"
  read -r wall rss user sys < <(time_fields "$W/time.txt")
  D_WALL[r]=$wall
  D_OWN[r]=$(jq -r '.restoreSeconds * 100 | round / 100' "$W/drill.json")
  D_PG[r]=$(jq -r '.pgRestoreSeconds * 100 | round / 100' "$W/drill.json")
  D_FETCH[r]=$(jq -r '(.restoreSeconds - .pgRestoreSeconds) * 100 | round / 100' "$W/drill.json")
  settle_pg
  s3_before=$(s3proxy_cpu)
  /usr/bin/time -v -o "$W/time.txt" "${LB_S3[@]}" verify latest --store s3a >"$W/verify.out" 2>"$W/verify.err" \
    || { cat "$W/verify.out" "$W/verify.err" >&2; die "lifeboat verify failed"; }
  read -r wall rss user sys < <(time_fields "$W/time.txt")
  V_WALL[r]=$wall V_S3CPU[r]=$(minus "$(s3proxy_cpu)" "$s3_before")
  /usr/bin/time -v -o "$W/time.txt" "${LB_S3[@]}" backups >/dev/null 2>"$W/backups.err" \
    || { cat "$W/backups.err" >&2; die "lifeboat backups failed"; }
  read -r wall rss user sys < <(time_fields "$W/time.txt")
  K_WALL[r]=$wall

  log "round $r ($(IFS=,; echo "${order[*]}")): baseline ${B_WALL[r]} s; lifeboat S3 ${S_WALL[r]} s (own ${S_OWN[r]} s, ratio ${RATIO_S[r]}), filesystem ${F_WALL[r]} s (own ${F_OWN[r]} s, ratio ${RATIO_F[r]}); drill fetch ${D_FETCH[r]} s + pg_restore ${D_PG[r]} s; counts ${C_WALL[r]} s; verify ${V_WALL[r]} s; start-up ${K_WALL[r]} s"
done

# ---------------------------------------------------------------- statistics
declare -a B_RSS_MB S_RSS_MB F_RSS_MB S_OVER F_OVER S_REST
for ((r = 1; r <= RUNS; r++)); do
  B_RSS_MB[r]=$(mb $((B_RSS[r] * 1024))); S_RSS_MB[r]=$(mb $((S_RSS[r] * 1024))); F_RSS_MB[r]=$(mb $((F_RSS[r] * 1024)))
  S_OVER[r]=$(minus "${S_WALL[r]}" "${S_OWN[r]}")   # JVM + Spring start-up, catalogue, plan, JSON
  F_OVER[r]=$(minus "${F_WALL[r]}" "${F_OWN[r]}")
done
MED_B=$(md B_WALL); MED_S=$(md S_WALL); MED_F=$(md F_WALL)
MED_D_FETCH=$(md D_FETCH); MED_D_PG=$(md D_PG); MED_S_OWN=$(md S_OWN); MED_S_OVER=$(md S_OVER)
MED_REST=$(minus "$MED_S_OWN" "$(plus "$MED_D_FETCH" "$MED_D_PG")")

# ---------------------------------------------------------------- docs/benchmarks.md
machine_facts
PGRESTORE_VERSION=$("$PGBIN/pg_restore" --version | awk '{print $3}')

SECTION=$W/section.md
{
  echo "<!-- $NAME:start -->"
  echo "<!-- Generated by bench/restore-bench.sh; do not edit by hand: run the script again. -->"
  echo "## Restore$([[ $SHAPE == example ]] || echo ", $SHAPE shape"): lifeboat restore from an S3 store and a filesystem store vs pg_restore -j $JOBS of a local file"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), lifeboat commit \`$COMMIT\`, \`bench/restore-bench.sh$([[ $SHAPE == example ]] || echo " --shape $SHAPE") $SCALE $RUNS\` took $((ELAPSED / 60)) min $((ELAPSED % 60)) s (load ${LOAD_SECONDS} s)"
  echo "- machine: $NPROC CPUs ($CPU), $RAM RAM, $(uname -sr); other jobs may have been running (load average at start $LOADAVG_START, at end $(cut -d' ' -f1-3 /proc/loadavg))"
  echo "- PostgreSQL $SERVER_VERSION, pg_restore $PGRESTORE_VERSION, $JAVA; fsync, full_page_writes and synchronous_commit on for the measured restores"
  echo "- database: $SHAPE_DESC; pg_database_size $(mb "$DB_BYTES") MB, table data (heap + TOAST) $(mb "$TABLE_BYTES") MB, indexes $(mb "$INDEX_BYTES") MB, $ROWS rows"
  echo "- archives, made once: lifeboat backup \`$BACKUP_ID\` ($(mb "$L_SIZE") MB zstd-compressed in each store, $(mb "$L_RAW") MB uncompressed"
  echo "  pg_dump -Fc -Z0 archive; ${BACKUP_SECONDS%.*} s) and \`pg_dump -Fc -f base.dump\` ($(mb "$B_SIZE") MB, gzip level 6, its default; ${DUMP_SECONDS%.*} s), all on the same local disk"
  echo "- baseline: \`createdb\`, then \`pg_restore -j $JOBS --exit-on-error -d DB base.dump\` (timed), then \`DROP DATABASE\`"
  echo "- lifeboat: \`$LB_DESC --config F --json restore latest --into DB --yes\` with \`lifeboat.restore.jobs: $JOBS\`:"
  echo "  download + SHA-256 + zstd decompression into the spool file, \`pg_restore -j $JOBS\` into a staging database, row-count"
  echo "  check, rename; **S3** reads from one s3proxy 4.1.0 process (filesystem backend) on the same machine, **FS** from a"
  echo "  filesystem store; wall time includes JVM start-up, \"own\" is \`restoreSeconds\` of its JSON (fetch to rename); peak RSS is the JVM's"
  echo "- every round runs the three one after the other, in the order given (rotating); \`CHECKPOINT\` + \`sync\` before each;"
  echo "  the ratio is lifeboat ÷ baseline of the same round"
  echo
  echo "| round | order | baseline s | lifeboat S3 s | S3 own s | **ratio S3** | lifeboat FS s | FS own s | **ratio FS** | own S3 ÷ baseline | peak RSS MB baseline / S3 / FS | CPU s baseline / S3 / FS | s3proxy CPU s |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for ((r = 1; r <= RUNS; r++)); do
    echo "| $r | ${ORDER[r]} | ${B_WALL[r]} | ${S_WALL[r]} | ${S_OWN[r]} | ${RATIO_S[r]} | ${F_WALL[r]} | ${F_OWN[r]} | ${RATIO_F[r]} | ${RATIO_SOWN[r]} | ${B_RSS_MB[r]} / ${S_RSS_MB[r]} / ${F_RSS_MB[r]} | ${B_CPU[r]} / ${S_CPU[r]} / ${F_CPU[r]} | ${S_S3CPU[r]} |"
  done
  echo "| **median** | | **$MED_B** | **$MED_S** | $MED_S_OWN | **$(md RATIO_S)** | **$MED_F** | $(md F_OWN) | **$(md RATIO_F)** | $(md RATIO_SOWN) | $(md B_RSS_MB) / $(md S_RSS_MB) / $(md F_RSS_MB) | $(md B_CPU) / $(md S_CPU) / $(md F_CPU) | $(md S_S3CPU) |"
  echo "| spread | | $(sp B_WALL) | $(sp S_WALL) | $(sp S_OWN) | $(sp RATIO_S) | $(sp F_WALL) | $(sp F_OWN) | $(sp RATIO_F) | $(sp RATIO_SOWN) | | | |"
  echo
  echo "**lifeboat restore ÷ baseline \`pg_restore -j $JOBS\` (wall time), median of the per-round ratios: from S3 $(md RATIO_S) (spread $(sp RATIO_S)),"
  echo "from the filesystem store $(md RATIO_F) (spread $(sp RATIO_F)); ratio of the medians $(ratio "$MED_S" "$MED_B") and $(ratio "$MED_F" "$MED_B").**"
  echo "Lifeboat's peak RSS (JVM): $(md S_RSS_MB) MB from S3, $(md F_RSS_MB) MB from the filesystem store (medians); pg_restore's: $(md B_RSS_MB) MB."
  echo "The S3 store costs $(minus "$MED_S" "$MED_F") s over the filesystem store (difference of the medians)."
  echo
  echo "Where lifeboat's time goes (same rounds, medians; fetch and pg_restore from \`drill --json\` from S3, which runs the same"
  echo "fetch and \`pg_restore -j $JOBS\` as a restore; verify reads, hashes and decompresses without writing the spool file):"
  echo
  echo "| part | median s | spread s |"
  echo "|---|---|---|"
  echo "| JVM + Spring start-up, catalogue, plan (restore wall − own, S3) | $MED_S_OVER | $(sp S_OVER) |"
  echo "| same from the filesystem store | $(md F_OVER) | $(sp F_OVER) |"
  echo "| fetch: S3 download + SHA-256 + zstd decompression + spool write (drill restoreSeconds − pgRestoreSeconds) | $MED_D_FETCH | $(sp D_FETCH) |"
  echo "| pg_restore -j $JOBS of the uncompressed archive into the staging database (drill pgRestoreSeconds) | $MED_D_PG | $(sp D_PG) |"
  echo "| the rest of a restore: staging create, row counts, rename (restore own − drill fetch − drill pg_restore) | $MED_REST | |"
  echo "| of which the row counts: \`count(*)\` of every table right after pg_restore (measured on the baseline's database) | $(md C_WALL) | $(sp C_WALL) |"
  echo "| for comparison: baseline pg_restore -j $JOBS of the gzip archive | $MED_B | $(sp B_WALL) |"
  echo "| \`verify latest --store s3a\` wall (start-up + download + SHA-256 + decompression to nowhere) | $(md V_WALL) | $(sp V_WALL) |"
  echo "| \`backups\` wall (start-up + catalogue: the fixed cost of any command) | $(md K_WALL) | $(sp K_WALL) |"
  echo "| \`drill --json\` wall (also runs the row, RLS and \`jobs/drills\` checks) | $(md D_WALL) | $(sp D_WALL) |"
  echo
  echo "s3proxy CPU (user+sys) during a restore from S3: $(md S_S3CPU) s; during a verify: $(md V_S3CPU) s (medians)."
  echo "<!-- $NAME:end -->"
} >"$SECTION"

doc_section "$NAME" "$SECTION"
bench_summary "$NAME" "restore S3 ÷ pg_restore -j $JOBS (wall)" "$(md RATIO_S)"
bench_summary "$NAME" "restore FS ÷ pg_restore -j $JOBS (wall)" "$(md RATIO_F)"
bench_summary "$NAME" "restore S3 peak RSS MB" "$(md S_RSS_MB)"
log "done in $((ELAPSED / 60)) min $((ELAPSED % 60)) s"
