#!/usr/bin/env bash
# Backup benchmark: `lifeboat backup` to two S3 stores (s3proxy) vs `pg_dump -Fc` to a local file.
#
#   bench/backup-bench.sh [SCALE] [RUNS]
#
# SCALE  jobs/example data scale (default 20: ≈ 600 MB of table data, pg_database_size ≥ 500 MB)
# RUNS   measured rounds (default 3, minimum 3); each round runs baseline, lifeboat and the
#        pg_dump|zstd pipeline one after the other, so a noisy neighbour hits all of them alike.
#
# Starts its own throwaway PostgreSQL 15 and two s3proxy processes, loads the example data,
# measures, regenerates the "backup-bench" section of docs/benchmarks.md, and removes everything
# it started on exit (also on failure or Ctrl-C). Needs root (PostgreSQL runs as the postgres OS
# user through runuser), /usr/bin/time, jq; zstd is optional.
set -Eeuo pipefail

SCALE=${1:-20}
RUNS=${2:-3}
[[ $SCALE =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [SCALE] [RUNS]  (SCALE a positive integer)" >&2; exit 2; }
[[ $RUNS =~ ^[0-9]+$ && $RUNS -ge 3 ]] || { echo "usage: $0 [SCALE] [RUNS]  (RUNS >= 3)" >&2; exit 2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
JAR=$ROOT/target/lifeboat.jar
DOC=$ROOT/docs/benchmarks.md
MIN_DB_BYTES=$((500 * 1024 * 1024))
T0=$(date +%s)

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $(id -u) == 0 ]] || die "run as root (the cluster runs as the postgres OS user through runuser)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing: apt-get install -y time"
command -v jq >/dev/null || die "jq is missing: apt-get install -y jq"
[[ -x $PGBIN/initdb && -x $PGBIN/pg_dump ]] || die "no PostgreSQL binaries in $PGBIN (set PGBIN)"
HAVE_ZSTD=0; command -v zstd >/dev/null && HAVE_ZSTD=1

# ---------------------------------------------------------------- clean-up of everything we start
W=$(mktemp -d /tmp/lifeboat-bench.XXXXXX)
chmod 755 "$W"
S3_PIDS=()
PG_STARTED=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  for pid in "${S3_PIDS[@]}"; do
    kill "$pid" 2>/dev/null
  done
  for pid in "${S3_PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  if [[ $PG_STARTED == 1 ]]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$W/pg/data" -m immediate -w stop >/dev/null 2>&1
  fi
  rm -rf "$W"
  ((rc == 0)) || log "failed (exit $rc); everything it started is stopped and $W removed"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 40000))
    if ! ss -Hltn "sport = :$p" | grep -q .; then echo "$p"; return; fi
  done
  die "no free TCP port found"
}

# ---------------------------------------------------------------- the jar and s3proxy's classpath
if [[ ! -f $JAR ]]; then
  log "building target/lifeboat.jar"
  (cd "$ROOT" && ./mvnw -q -B -DskipTests package)
fi
log "resolving the test classpath (s3proxy)"
(cd "$ROOT" && ./mvnw -q -B dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$W/test-classpath.txt") >"$W/mvn.log" 2>&1 || { cat "$W/mvn.log" >&2; die "mvnw dependency:build-classpath failed"; }
S3CP=$(cat "$W/test-classpath.txt")

# ---------------------------------------------------------------- PostgreSQL 15, throwaway
PG_PASSWORD="bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
mkdir -p "$W/pg"
chown postgres: "$W/pg"
chmod 700 "$W/pg"
printf '%s\n' "$PG_PASSWORD" >"$W/pg/.pwfile"
chown postgres: "$W/pg/.pwfile"
chmod 600 "$W/pg/.pwfile"
log "initdb in $W/pg"
runuser -u postgres -- "$PGBIN/initdb" -D "$W/pg/data" -U postgres --pwfile="$W/pg/.pwfile" \
  --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C --no-sync >"$W/initdb.log" 2>&1 \
  || { cat "$W/initdb.log" >&2; die "initdb failed"; }
rm -f "$W/pg/.pwfile"
# Durability is off only to load faster: the dumps only read, and VACUUM FREEZE below leaves every
# page with its hint bits set, so no measured run writes to the database.
cat >>"$W/pg/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$W/pg'
password_encryption = 'scram-sha-256'
shared_buffers = 256MB
max_wal_size = 4GB
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
EOF
for attempt in 1 2 3; do
  PGPORT=$(free_port)
  if runuser -u postgres -- "$PGBIN/pg_ctl" -D "$W/pg/data" -l "$W/pg/postgres.log" -o "-p $PGPORT" -w start >/dev/null 2>&1; then
    PG_STARTED=1; break
  fi
done
[[ $PG_STARTED == 1 ]] || { tail -5 "$W/pg/postgres.log" >&2; die "PostgreSQL did not start"; }
log "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT"

export PGHOST=127.0.0.1 PGPORT PGUSER=postgres PGPASSWORD=$PG_PASSWORD
PSQL=("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1)
"${PSQL[@]}" -d postgres -c 'CREATE DATABASE bench'

# ---------------------------------------------------------------- the example data
log "loading jobs/example at scale $SCALE (about $((SCALE * 5)) s)"
load_start=$(date +%s)
"${PSQL[@]}" -d bench -f "$ROOT/jobs/example/schema.sql" >/dev/null
"${PSQL[@]}" -d bench -c "SET lifeboat.scale = $SCALE" -f "$ROOT/jobs/example/data.sql" >/dev/null
"${PSQL[@]}" -d bench -c 'VACUUM (FREEZE, ANALYZE)'
"${PSQL[@]}" -d bench -c 'CHECKPOINT'
LOAD_SECONDS=$(($(date +%s) - load_start))
q() { "${PSQL[@]}" -d bench -At -c "$1"; }
DB_BYTES=$(q "SELECT pg_database_size('bench')")
TABLE_BYTES=$(q "SELECT sum(pg_table_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema')")
INDEX_BYTES=$(q "SELECT sum(pg_indexes_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema')")
ROWS=$(q "SELECT sum(n_live_tup) FROM pg_stat_user_tables")
SERVER_VERSION=$(q "SHOW server_version")
log "loaded in ${LOAD_SECONDS} s: database $((DB_BYTES / 1048576)) MB, table data $((TABLE_BYTES / 1048576)) MB, indexes $((INDEX_BYTES / 1048576)) MB, $ROWS rows"
if ((DB_BYTES < MIN_DB_BYTES)); then
  log "note: the database is smaller than 500 MB (scale $SCALE): a quick run, not the reference figure"
fi

# ---------------------------------------------------------------- two s3proxy servers
cat >"$W/logback-warn.xml" <<'EOF'
<configuration>
  <appender name="err" class="ch.qos.logback.core.ConsoleAppender">
    <target>System.err</target>
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="err"/></root>
</configuration>
EOF
declare -A S3_PORT S3_KEY S3_SECRET
for s in a b; do
  d=$W/s3$s
  mkdir -p "$d/data/bench"   # a directory in the filesystem backend's basedir is a bucket
  S3_PORT[$s]=$(free_port)
  S3_KEY[$s]=bench-access-$s
  S3_SECRET[$s]="bench-secret-$s-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  cat >"$d/s3proxy.properties" <<EOF
s3proxy.endpoint=http://127.0.0.1:${S3_PORT[$s]}
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=${S3_KEY[$s]}
s3proxy.credential=${S3_SECRET[$s]}
jclouds.provider=filesystem
jclouds.filesystem.basedir=$d/data
EOF
  java -Xmx512m -Dlogback.configurationFile="$W/logback-warn.xml" -cp "$S3CP" \
    org.gaul.s3proxy.Main --properties "$d/s3proxy.properties" </dev/null >"$d/s3proxy.log" 2>&1 &
  S3_PIDS+=($!)
done
for s in a b; do
  for i in $(seq 300); do
    (echo >"/dev/tcp/127.0.0.1/${S3_PORT[$s]}") 2>/dev/null && break
    ((i < 300)) || { cat "$W/s3$s/s3proxy.log" >&2; die "s3proxy $s did not start"; }
    sleep 0.1
  done
done
log "s3proxy on ports ${S3_PORT[a]} and ${S3_PORT[b]}"

# ---------------------------------------------------------------- lifeboat's configuration
export BENCH_PG_PASSWORD=$PG_PASSWORD
export BENCH_S3A_KEY=${S3_KEY[a]} BENCH_S3A_SECRET=${S3_SECRET[a]}
export BENCH_S3B_KEY=${S3_KEY[b]} BENCH_S3B_SECRET=${S3_SECRET[b]}
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
    s3a:
      type: s3
      endpoint: http://127.0.0.1:${S3_PORT[a]}
      region: us-east-1
      bucket: bench
      prefix: lifeboat/
      path-style: true
      access-key: \${BENCH_S3A_KEY}
      secret-key: \${BENCH_S3A_SECRET}
    s3b:
      type: s3
      endpoint: http://127.0.0.1:${S3_PORT[b]}
      region: us-east-1
      bucket: bench
      prefix: lifeboat/
      path-style: true
      access-key: \${BENCH_S3B_KEY}
      secret-key: \${BENCH_S3B_SECRET}
EOF
LIFEBOAT=(java -jar "$JAR" --config "$CONFIG")

# ---------------------------------------------------------------- measuring
# /usr/bin/time -v output → "wall_seconds max_rss_kb user_seconds sys_seconds"
time_fields() {
  awk -F': ' '
    /Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; wall = s }
    /Maximum resident set size/ { rss = $2 }
    /User time \(seconds\)/ { user = $2 }
    /System time \(seconds\)/ { sys = $2 }
    END { printf "%.2f %d %.2f %.2f\n", wall, rss, user, sys }' "$1"
}
settle() { sync; sleep 2; }   # no run pays for the previous one's writeback
# CPU seconds (user + sys) the s3proxy processes have used so far: the stores' share of a backup
s3proxy_cpu() {
  local ticks=0 pid
  for pid in "${S3_PIDS[@]}"; do
    ticks=$((ticks + $(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$pid/stat")))
  done
  awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f", t / hz}'
}

DUMP_OPTS=(-h 127.0.0.1 -p "$PGPORT" -U postgres -d bench)
OUT=$W/out
mkdir -p "$OUT"

log "warm-up (not measured): pg_dump -Z0 to /dev/null, lifeboat backups"
"$PGBIN/pg_dump" -Fc -Z0 "${DUMP_OPTS[@]}" >/dev/null
"${LIFEBOAT[@]}" backups --json >/dev/null 2>"$W/warmup.err" || { cat "$W/warmup.err" >&2; die "lifeboat backups failed"; }

declare -a B_WALL B_RSS B_CPU B_SIZE L_WALL L_RSS L_CPU L_SIZE L_OWN L_RAW S_CPU Z_WALL Z_CPU Z_SIZE RATIO ZRATIO
for ((r = 1; r <= RUNS; r++)); do
  # baseline: plain pg_dump, custom format, its default gzip compression, to a local file
  log "round $r/$RUNS: baseline pg_dump -Fc"
  settle
  /usr/bin/time -v -o "$W/time.txt" "$PGBIN/pg_dump" -Fc "${DUMP_OPTS[@]}" -f "$OUT/baseline.dump"
  read -r wall rss user sys < <(time_fields "$W/time.txt")
  B_WALL[r]=$wall B_RSS[r]=$rss B_CPU[r]=$(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f", u+s}')
  B_SIZE[r]=$(stat -c %s "$OUT/baseline.dump")
  rm -f "$OUT/baseline.dump"

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
  fi
  RATIO[r]=$(awk -v a="${L_WALL[r]}" -v b="${B_WALL[r]}" 'BEGIN{printf "%.2f", a/b}')
  log "round $r: baseline ${B_WALL[r]} s, lifeboat ${L_WALL[r]} s (own ${L_OWN[r]} s, ratio ${RATIO[r]}, peak RSS $((L_RSS[r] / 1024)) MB)${Z_WALL[r]:+, pipeline ${Z_WALL[r]} s}"
done

# ---------------------------------------------------------------- statistics
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
spread() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {print lo "–" hi}'; }
mb() { awk -v b="$1" 'BEGIN{printf "%.1f", b / 1048576}'; }
vals() { local -n a=$1; printf '%s ' "${a[@]:1}"; }   # arrays are 1-based here

md() { median $(vals "$1"); }
sp() { spread $(vals "$1"); }

RSS_MB=(); for ((r = 1; r <= RUNS; r++)); do RSS_MB[r]=$(mb $((L_RSS[r] * 1024))); done
B_SIZE_MB=(); L_SIZE_MB=(); Z_SIZE_MB=()
for ((r = 1; r <= RUNS; r++)); do
  B_SIZE_MB[r]=$(mb "${B_SIZE[r]}"); L_SIZE_MB[r]=$(mb "${L_SIZE[r]}")
  [[ $HAVE_ZSTD == 1 ]] && Z_SIZE_MB[r]=$(mb "${Z_SIZE[r]}")
done
MED_B=$(md B_WALL); MED_L=$(md L_WALL)
RATIO_OF_MEDIANS=$(awk -v a="$MED_L" -v b="$MED_B" 'BEGIN{printf "%.2f", a/b}')

# ---------------------------------------------------------------- docs/benchmarks.md
NPROC=$(nproc)
RAM=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
CPU=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
JAVA=$(java -version 2>&1 | head -1)
PGDUMP_VERSION=$("$PGBIN/pg_dump" --version | awk '{print $3}')
ZSTD_VERSION=$([[ $HAVE_ZSTD == 1 ]] && zstd --version | sed -E 's/^[* ]*Zstandard CLI \([^)]*\) (v[0-9.]+).*/zstd \1/' || echo "no zstd CLI")
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
ELAPSED=$(($(date +%s) - T0))

SECTION=$W/section.md
{
  echo "<!-- backup-bench:start -->"
  echo "<!-- Generated by bench/backup-bench.sh; do not edit by hand: run the script again. -->"
  echo "## Backup: lifeboat backup to two S3 stores vs pg_dump -Fc to a local file"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), lifeboat commit \`$COMMIT\`, \`bench/backup-bench.sh $SCALE $RUNS\` took $((ELAPSED / 60)) min $((ELAPSED % 60)) s (load ${LOAD_SECONDS} s)"
  echo "- machine: $NPROC CPUs ($CPU), $RAM RAM, $(uname -sr); other jobs may have been running"
  echo "- PostgreSQL $SERVER_VERSION, pg_dump $PGDUMP_VERSION, $JAVA, $ZSTD_VERSION"
  echo "- database: \`jobs/example\` at scale $SCALE: pg_database_size $(mb "$DB_BYTES") MB, table data (heap + TOAST) $(mb "$TABLE_BYTES") MB, indexes $(mb "$INDEX_BYTES") MB, $ROWS rows"
  echo "- baseline: \`pg_dump -Fc -f FILE\` (gzip level 6, its default) to a local ext4 file; pg_dump fsyncs the file"
  echo "- lifeboat: \`java -jar target/lifeboat.jar --config F backup --label bench\`, default settings (zstd 3 on the reading"
  echo "  thread, 16 MiB multipart parts), to two s3proxy 4.1.0 processes (filesystem backend) on the same machine;"
  echo "  wall time includes JVM start-up, \"own\" is the manifest's completedAt − startedAt; peak RSS is the JVM's"
  echo "- pipeline: \`pg_dump -Fc -Z0 | zstd -3 > FILE\`, for context: the cost of dump + compression alone"
  echo "- every round runs the three one after the other (interleaved); the ratio is lifeboat ÷ baseline of the same round"
  echo
  printf '| round | baseline s | baseline MB | lifeboat s | lifeboat own s | ratio | lifeboat peak RSS MB | lifeboat CPU s | s3proxy CPU s | lifeboat MB |'
  [[ $HAVE_ZSTD == 1 ]] && printf ' pipeline s | pipeline ratio | pipeline MB |'
  echo
  printf '|---|---|---|---|---|---|---|---|---|---|'
  [[ $HAVE_ZSTD == 1 ]] && printf -- '---|---|---|'
  echo
  for ((r = 1; r <= RUNS; r++)); do
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |' "$r" "${B_WALL[r]}" "${B_SIZE_MB[r]}" "${L_WALL[r]}" "${L_OWN[r]}" \
      "${RATIO[r]}" "${RSS_MB[r]}" "${L_CPU[r]}" "${S_CPU[r]}" "${L_SIZE_MB[r]}"
    [[ $HAVE_ZSTD == 1 ]] && printf ' %s | %s | %s |' "${Z_WALL[r]}" "${ZRATIO[r]}" "${Z_SIZE_MB[r]}"
    echo
  done
  printf '| **median** | **%s** | %s | **%s** | %s | **%s** | %s | %s | %s | %s |' "$MED_B" "$(md B_SIZE_MB)" "$MED_L" "$(md L_OWN)" \
    "$(md RATIO)" "$(md RSS_MB)" "$(md L_CPU)" "$(md S_CPU)" "$(md L_SIZE_MB)"
  [[ $HAVE_ZSTD == 1 ]] && printf ' %s | %s | %s |' "$(md Z_WALL)" "$(md ZRATIO)" "$(md Z_SIZE_MB)"
  echo
  printf '| spread | %s | | %s | %s | %s | %s | %s | %s | |' "$(sp B_WALL)" "$(sp L_WALL)" "$(sp L_OWN)" "$(sp RATIO)" "$(sp RSS_MB)" "$(sp L_CPU)" "$(sp S_CPU)"
  [[ $HAVE_ZSTD == 1 ]] && printf ' %s | %s | |' "$(sp Z_WALL)" "$(sp ZRATIO)"
  echo
  echo
  echo "**lifeboat ÷ baseline (wall time): median of the per-round ratios $(md RATIO) (spread $(sp RATIO)); ratio of the medians $RATIO_OF_MEDIANS.**"
  echo "Lifeboat's peak RSS: $(md RSS_MB) MB (median). Output: baseline $(md B_SIZE_MB) MB, lifeboat $(md L_SIZE_MB) MB per store ×2 stores"
  echo "(uncompressed archive $(mb "$(md L_RAW)") MB)$([[ $HAVE_ZSTD == 1 ]] && echo ", pipeline $(md Z_SIZE_MB) MB")."
  echo "CPU seconds (user+sys, median): baseline (pg_dump) $(md B_CPU) s; lifeboat (JVM + its pg_dump) $(md L_CPU) s, plus $(md S_CPU) s in the two"
  echo "s3proxy processes during the backup$([[ $HAVE_ZSTD == 1 ]] && echo "; pipeline (pg_dump + zstd) $(md Z_CPU) s"). The PostgreSQL server's own CPU is not counted in any of them."
  echo "<!-- backup-bench:end -->"
} >"$SECTION"

mkdir -p "$(dirname "$DOC")"
if [[ -f $DOC ]] && grep -q '<!-- backup-bench:start -->' "$DOC" && grep -q '<!-- backup-bench:end -->' "$DOC"; then
  awk -v section="$SECTION" '
    /<!-- backup-bench:start -->/ { while ((getline line < section) > 0) print line; skip = 1; next }
    /<!-- backup-bench:end -->/ { skip = 0; next }
    !skip { print }' "$DOC" >"$W/doc.new"
elif [[ -f $DOC ]]; then
  { cat "$DOC"; echo; cat "$SECTION"; } >"$W/doc.new"
else
  { echo "# Benchmarks"; echo; echo "Sections between \`<!-- …:start -->\` and \`<!-- …:end -->\` markers are generated by the scripts in \`bench/\`."; echo; cat "$SECTION"; } >"$W/doc.new"
fi
cp "$W/doc.new" "$DOC"
log "wrote $DOC"
sed -n '/backup-bench:start/,/backup-bench:end/p' "$DOC" | grep -v '^<!--'
log "done in $((ELAPSED / 60)) min $((ELAPSED % 60)) s"
