# Shared helpers of the bench/*.sh scripts; sourced, not run. Callers set `set -Eeuo pipefail` and
# ROOT (the repository), then call, in this order:
#
#   bench_require              root, /usr/bin/time, jq, PostgreSQL binaries (sets PGBIN, HAVE_ZSTD)
#   bench_workdir NAME         W=/tmp/NAME.XXXXXX and the EXIT/INT/TERM traps that remove all we start
#   bench_jar_and_s3cp         builds target/lifeboat.jar when missing (JAR), s3proxy's classpath (S3CP)
#   pg_start                   a throwaway PostgreSQL as the postgres OS user (PGPORT, PSQL, PG* env)
#   load_example DB SCALE      jobs/example into DB (LOAD_SECONDS, DB_BYTES, TABLE_BYTES, INDEX_BYTES, ROWS, SERVER_VERSION)
#   load_shape DB SHAPE SCALE  the same for a dataset shape: example (jobs/example) or wide
#                              (bench/shapes/wide.sql); also sets TABLES, EMPTY_TABLES, SHAPE_DESC
#   s3proxy_start NAME…        one s3proxy per NAME with bucket `bench` (S3_PORT[NAME], S3_KEY[NAME], S3_SECRET[NAME])
#
# and the measuring / reporting helpers below (time_fields, settle, median, spread, mb, md, sp,
# machine_facts, doc_section, bench_summary).
#
# Set by bench/run (each script also works without them):
#   BENCH_SMOKE=1     smoke mode: one round is enough (min_runs) and settle does not sleep
#   BENCH_DOC=FILE    the document the sections go to (default docs/benchmarks.md)
#   BENCH_SUMMARY=F   key figures are appended to F, one "section<TAB>key<TAB>value" a line
#   BENCH_S3CP=CP     s3proxy's classpath, resolved once (otherwise each script asks Maven)
#   BENCH_LIFEBOAT=F  run lifeboat as F instead of bin/lifeboat (jar: java -jar target/lifeboat.jar)
#   BENCH_S3PROXY_JAVA_OPTS  extra JVM options of the s3proxy processes

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
JAR=$ROOT/target/lifeboat.jar
DOC=${BENCH_DOC:-$ROOT/docs/benchmarks.md}
BENCH_SMOKE=${BENCH_SMOKE:-0}
# How the scripts run lifeboat: `bin/lifeboat`, the way the README starts it (the newest JDK, its
# AOT or CDS cache, its JVM options); BENCH_LIFEBOAT=F runs F instead, BENCH_LIFEBOAT=jar runs plain
# `java -jar target/lifeboat.jar`. LB_DESC names it in the sections.
if [[ ${BENCH_LIFEBOAT:-} == jar ]]; then
  LB=(java -jar "$JAR")
  LB_DESC="java -jar target/lifeboat.jar"
else
  BENCH_LIFEBOAT=${BENCH_LIFEBOAT:-$ROOT/bin/lifeboat}
  LB=("$BENCH_LIFEBOAT")
  LB_DESC="${LIFEBOAT_JAVA_OPTS:+LIFEBOAT_JAVA_OPTS='$LIFEBOAT_JAVA_OPTS' }${BENCH_LIFEBOAT#"$ROOT"/}"
fi
MIN_DB_BYTES=$((500 * 1024 * 1024))
T0=${T0:-$(date +%s)}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

bench_require() {
  [[ $(id -u) == 0 ]] || die "run as root (the cluster runs as the postgres OS user through runuser)"
  [[ -x /usr/bin/time ]] || die "/usr/bin/time is missing: apt-get install -y time"
  command -v jq >/dev/null || die "jq is missing: apt-get install -y jq"
  [[ -x $PGBIN/initdb && -x $PGBIN/pg_dump && -x $PGBIN/pg_restore ]] || die "no PostgreSQL binaries in $PGBIN (set PGBIN)"
  HAVE_ZSTD=0; command -v zstd >/dev/null && HAVE_ZSTD=1
  return 0
}

# ---------------------------------------------------------------- clean-up of everything we start
S3_PIDS=()
PG_STARTED=0
W=
bench_cleanup() {
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
  [[ -n $W ]] && rm -rf "$W"
  ((rc == 0)) || log "failed (exit $rc); everything it started is stopped and $W removed"
  exit "$rc"
}
bench_workdir() {
  W=$(mktemp -d "/tmp/$1.XXXXXX")
  chmod 755 "$W"
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 40000))
    if ! ss -Hltn "sport = :$p" | grep -q .; then echo "$p"; return; fi
  done
  die "no free TCP port found"
}

# ---------------------------------------------------------------- the jar and s3proxy's classpath
bench_jar_and_s3cp() {
  if [[ ! -f $JAR ]]; then
    log "building target/lifeboat.jar"
    (cd "$ROOT" && ./mvnw -q -B -DskipTests package)
  fi
  # the launcher makes its JVM cache (AOT or CDS) on its first run: here, not in a measured run
  "${LB[@]}" history "--lifeboat.home=$W/warm-home" >/dev/null 2>&1 || true
  if [[ -n ${BENCH_S3CP:-} ]]; then
    S3CP=$BENCH_S3CP
    return 0
  fi
  log "resolving the test classpath (s3proxy)"
  (cd "$ROOT" && ./mvnw -q -B dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$W/test-classpath.txt") >"$W/mvn.log" 2>&1 || { cat "$W/mvn.log" >&2; die "mvnw dependency:build-classpath failed"; }
  S3CP=$(cat "$W/test-classpath.txt")
}

# ---------------------------------------------------------------- PostgreSQL 15, throwaway
pg_start() {
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
  # Durability is off to load faster (pg_durable_on turns it back on where writes are measured).
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
  local attempt
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
}

# fsync, full_page_writes and synchronous_commit back to their defaults (for runs that write)
pg_durable_on() {
  "${PSQL[@]}" -d postgres -c 'ALTER SYSTEM SET fsync = on' -c 'ALTER SYSTEM SET full_page_writes = on' \
    -c 'ALTER SYSTEM SET synchronous_commit = on' -c 'SELECT pg_reload_conf()' >/dev/null
  sleep 1
  [[ $("${PSQL[@]}" -d postgres -At -c 'SHOW fsync') == on ]] || die "fsync did not turn on"
}

# ---------------------------------------------------------------- the example data
# loaded_facts DB LOAD_START: what was loaded (LOAD_SECONDS, DB_BYTES, TABLE_BYTES, INDEX_BYTES, ROWS,
# SERVER_VERSION), for the sections
loaded_facts() {
  local db=$1
  LOAD_SECONDS=$(($(date +%s) - $2))
  local q=("${PSQL[@]}" -d "$db" -At -c)
  DB_BYTES=$("${q[@]}" "SELECT pg_database_size('$db')")
  TABLE_BYTES=$("${q[@]}" "SELECT sum(pg_table_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema')")
  INDEX_BYTES=$("${q[@]}" "SELECT sum(pg_indexes_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema')")
  ROWS=$("${q[@]}" "SELECT sum(n_live_tup) FROM pg_stat_user_tables")
  SERVER_VERSION=$("${q[@]}" "SHOW server_version")
  log "loaded in ${LOAD_SECONDS} s: database $((DB_BYTES / 1048576)) MB, table data $((TABLE_BYTES / 1048576)) MB, indexes $((INDEX_BYTES / 1048576)) MB, $ROWS rows"
}

load_example() {
  local db=$1 scale=$2 load_start
  "${PSQL[@]}" -d postgres -c "CREATE DATABASE $db"
  log "loading jobs/example at scale $scale (about $((scale * 5)) s)"
  load_start=$(date +%s)
  "${PSQL[@]}" -d "$db" -f "$ROOT/jobs/example/schema.sql" >/dev/null
  "${PSQL[@]}" -d "$db" -c "SET lifeboat.scale = $scale" -f "$ROOT/jobs/example/data.sql" >/dev/null
  "${PSQL[@]}" -d "$db" -c 'VACUUM (FREEZE, ANALYZE)'
  "${PSQL[@]}" -d "$db" -c 'CHECKPOINT'
  loaded_facts "$db" "$load_start"
  if ((DB_BYTES < MIN_DB_BYTES)); then
    log "note: the database is smaller than 500 MB (scale $scale): a quick run, not the reference figure"
  fi
}

# load_shape DB SHAPE SCALE: SHAPE example (jobs/example, SCALE a positive integer) or wide
# (bench/shapes/wide.sql, SCALE a positive number, fractions allowed); the same facts as
# load_example, and TABLES, EMPTY_TABLES (user tables, partitions counted, parents not) and SHAPE_DESC.
load_shape() {
  local db=$1 shape=$2 scale=$3 load_start
  case $shape in
    example) load_example "$db" "$scale" ;;
    wide)
      "${PSQL[@]}" -d postgres -c "CREATE DATABASE $db"
      log "loading the wide shape at scale $scale (bench/shapes/wide.sql)"
      load_start=$(date +%s)
      "${PSQL[@]}" -d "$db" -c "SET lifeboat.scale = $scale" -f "$ROOT/bench/shapes/wide.sql" >/dev/null
      "${PSQL[@]}" -d "$db" -c 'VACUUM (FREEZE, ANALYZE)'
      "${PSQL[@]}" -d "$db" -c 'CHECKPOINT'
      loaded_facts "$db" "$load_start"
      ;;
    *) die "unknown dataset shape '$shape' (example or wide)" ;;
  esac
  local q=("${PSQL[@]}" -d "$db" -At -c)
  TABLES=$("${q[@]}" "SELECT count(*) FROM pg_stat_user_tables")
  EMPTY_TABLES=$("${q[@]}" "SELECT count(*) FROM pg_stat_user_tables WHERE n_live_tup = 0")
  case $shape in
    example) SHAPE_DESC="\`jobs/example\` at scale $scale ($TABLES tables)" ;;
    wide) SHAPE_DESC="the \`wide\` shape (\`bench/shapes/wide.sql\`) at scale $scale: $TABLES tables ($EMPTY_TABLES empty): \`documents\`
  (wide rows of prose, jsonb, uuid, a bytea with 256 incompressible bytes, 4 KiB on every 20th row), \`readings\` range-partitioned
  into $("${q[@]}" "SELECT count(*) FROM pg_inherits WHERE inhparent = 'readings'::regclass") partitions (one empty), and $("${q[@]}" "SELECT count(*) FROM pg_tables WHERE schemaname = 'small'") small tables in schema \`small\`" ;;
  esac
}

# bench_args "$@": the arguments of backup-bench.sh and restore-bench.sh: [--shape example|wide]
# [SCALE] [RUNS] (--shape anywhere; BENCH_SHAPE sets the default shape). Sets SHAPE, SCALE, RUNS.
bench_args() {
  local usage="usage: $0 [--shape example|wide] [SCALE] [RUNS]" pos=()
  SHAPE=${BENCH_SHAPE:-example}
  while (($#)); do
    case $1 in
      --shape) (($# >= 2)) || { echo "$usage" >&2; exit 2; }; SHAPE=$2; shift 2 ;;
      --shape=*) SHAPE=${1#--shape=}; shift ;;
      -h|--help) echo "$usage" >&2; exit 0 ;;
      -*) echo "$usage  (unknown option $1)" >&2; exit 2 ;;
      *) pos+=("$1"); shift ;;
    esac
  done
  ((${#pos[@]} <= 2)) || { echo "$usage" >&2; exit 2; }
  SCALE=${pos[0]:-20}
  RUNS=${pos[1]:-3}
  case $SHAPE in
    example) [[ $SCALE =~ ^[1-9][0-9]*$ ]] || { echo "$usage  (SCALE of the example shape: a positive integer)" >&2; exit 2; } ;;
    wide) [[ $SCALE =~ ^[0-9]*\.?[0-9]+$ ]] && awk -v s="$SCALE" 'BEGIN{exit !(s > 0)}' \
            || { echo "$usage  (SCALE of the wide shape: a positive number)" >&2; exit 2; } ;;
    *) echo "$usage  (unknown shape '$SHAPE')" >&2; exit 2 ;;
  esac
  min_runs "$RUNS" || { echo "$usage  (RUNS >= $MIN_RUNS)" >&2; exit 2; }
}

# min_runs N: true when N rounds are enough: at least 3 for figures worth a median and a spread,
# 1 in smoke mode (BENCH_SMOKE=1), where the figures only show that the harness works.
min_runs() {
  MIN_RUNS=3
  [[ $BENCH_SMOKE == 1 ]] && MIN_RUNS=1
  [[ $1 =~ ^[0-9]+$ ]] && (($1 >= MIN_RUNS))
}

# ---------------------------------------------------------------- s3proxy servers
declare -gA S3_PORT S3_KEY S3_SECRET
s3proxy_start() {
  local s d i
  [[ -f $W/logback-warn.xml ]] || cat >"$W/logback-warn.xml" <<'EOF'
<configuration>
  <appender name="err" class="ch.qos.logback.core.ConsoleAppender">
    <target>System.err</target>
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="err"/></root>
</configuration>
EOF
  for s in "$@"; do
    d=$W/s3$s
    mkdir -p "$d/data/bench"   # a directory in the filesystem backend's basedir is a bucket
    S3_PORT[$s]=$(free_port)
    S3_KEY[$s]=bench-access-$s
    S3_SECRET[$s]="bench-secret-$s-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
    export "BENCH_S3${s^^}_KEY=${S3_KEY[$s]}" "BENCH_S3${s^^}_SECRET=${S3_SECRET[$s]}"
    cat >"$d/s3proxy.properties" <<EOF
s3proxy.endpoint=http://127.0.0.1:${S3_PORT[$s]}
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=${S3_KEY[$s]}
s3proxy.credential=${S3_SECRET[$s]}
jclouds.provider=filesystem
jclouds.filesystem.basedir=$d/data
EOF
    # shellcheck disable=SC2086 # BENCH_S3PROXY_JAVA_OPTS: words of JVM options (smoke mode: a quicker start)
    java -Xmx512m ${BENCH_S3PROXY_JAVA_OPTS:-} -Dlogback.configurationFile="$W/logback-warn.xml" -cp "$S3CP" \
      org.gaul.s3proxy.Main --properties "$d/s3proxy.properties" </dev/null >"$d/s3proxy.log" 2>&1 &
    S3_PIDS+=($!)
  done
  for s in "$@"; do
    for i in $(seq 300); do
      (echo >"/dev/tcp/127.0.0.1/${S3_PORT[$s]}") 2>/dev/null && break
      ((i < 300)) || { cat "$W/s3$s/s3proxy.log" >&2; die "s3proxy $s did not start"; }
      sleep 0.1
    done
  done
  local ports=(); for s in "$@"; do ports+=("${S3_PORT[$s]}"); done
  log "s3proxy on port(s) ${ports[*]}"
}

# The YAML of store s3NAME, served by s3proxy NAME (credentials: env BENCH_S3<NAME>_KEY/_SECRET).
s3_store_yaml() {
  local s=$1 up=${1^^}
  cat <<EOF
    s3$s:
      type: s3
      endpoint: http://127.0.0.1:${S3_PORT[$s]}
      region: us-east-1
      bucket: bench
      prefix: lifeboat/
      path-style: true
      access-key: \${BENCH_S3${up}_KEY}
      secret-key: \${BENCH_S3${up}_SECRET}
EOF
}

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
settle() { sync; [[ $BENCH_SMOKE == 1 ]] || sleep 2; }   # no run pays for the previous one's writeback
# CPU seconds (user + sys) the s3proxy processes have used so far: the stores' share of a run
s3proxy_cpu() {
  local ticks=0 pid
  for pid in "${S3_PIDS[@]}"; do
    ticks=$((ticks + $(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$pid/stat")))
  done
  awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f", t / hz}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
plus() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a+b}'; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a-b}'; }

# ---------------------------------------------------------------- statistics
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
spread() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {print lo "–" hi}'; }
mb() { awk -v b="$1" 'BEGIN{printf "%.1f", b / 1048576}'; }
vals() { local -n a=$1; printf '%s ' "${a[@]:1}"; }   # arrays are 1-based here
md() { median $(vals "$1"); }
sp() { spread $(vals "$1"); }

# ---------------------------------------------------------------- fake backups
# make_fake_backups DIR N: N backups of target `bench` under DIR/bench/<id>/{dump,manifest.json}
# (a 4-byte dump and a real manifest each), one an hour, the newest 25 h old: a store's
# layout written straight into a filesystem store's directory or an s3proxy filesystem backend.
make_fake_backups() {
  command -v python3 >/dev/null || die "python3 is missing (it writes the backups)"
  python3 - "$1" "$2" <<'PY'
import hashlib, json, os, sys, datetime as dt
root, n = sys.argv[1], int(sys.argv[2])

def put(path, data):
    with open(path, "wb") as f:
        f.write(data)
    # what s3proxy's filesystem backend records on a PUT: without it, its listing has no ETag
    try:
        os.setxattr(path, "user.user.content-md5", hashlib.md5(data).digest())
    except OSError:
        pass

now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
for i in range(n):
    done = now - dt.timedelta(hours=25 + i)
    start = done - dt.timedelta(seconds=60)
    bid = start.strftime("%Y%m%dT%H%M%SZ")
    d = os.path.join(root, "bench", bid)
    os.makedirs(d, exist_ok=True)
    put(os.path.join(d, "dump"), b"dump")
    m = {"id": bid, "target": "bench", "label": "nightly", "startedAt": iso(start),
         "completedAt": iso(done), "format": "pg_dump-custom+zstd", "sizeBytes": 4,
         "sha256": "0" * 64, "rawBytes": 4, "database": "bench", "serverVersion": "15.0",
         "pgDumpVersion": "15.0", "lifeboatVersion": "bench", "tables": {}, "rls": {},
         "pinned": False}
    put(os.path.join(d, "manifest.json"), json.dumps(m).encode())
PY
}

# ---------------------------------------------------------------- reporting
# bench_summary SECTION KEY VALUE: one key figure for bench/run's summary (and its smoke test)
bench_summary() {
  [[ -n ${BENCH_SUMMARY:-} ]] || return 0
  printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$BENCH_SUMMARY"
}

machine_facts() {
  NPROC=$(nproc)
  RAM=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
  CPU=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
  # the JVM lifeboat ran on (the launcher picks the newest JDK), as its own version check says
  JAVA=$("${LB[@]}" version --json "--lifeboat.home=$W/version-home" 2>/dev/null |
    jq -r '.checks[] | select(.name == "lifeboat") | .detail' 2>/dev/null | sed 's/^.* on /Java: /')
  [[ -n $JAVA ]] || JAVA=$(java -version 2>&1 | head -1)
  COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  ELAPSED=$(($(date +%s) - T0))
}

# doc_section NAME FILE: replaces the lines between <!-- NAME:start --> and <!-- NAME:end --> in
# docs/benchmarks.md with FILE (which carries the markers itself), appends it when absent, and
# prints it. Other sections stay as they are.
doc_section() {
  local name=$1 section=$2
  mkdir -p "$(dirname "$DOC")"
  if [[ -f $DOC ]] && grep -q "<!-- $name:start -->" "$DOC" && grep -q "<!-- $name:end -->" "$DOC"; then
    awk -v section="$section" -v start="<!-- $name:start -->" -v end="<!-- $name:end -->" '
      index($0, start) { while ((getline line < section) > 0) print line; skip = 1; next }
      index($0, end) { skip = 0; next }
      !skip { print }' "$DOC" >"$W/doc.new"
  elif [[ -f $DOC ]]; then
    { cat "$DOC"; echo; cat "$section"; } >"$W/doc.new"
  else
    { echo "# Benchmarks"; echo; echo "Sections between \`<!-- …:start -->\` and \`<!-- …:end -->\` markers are generated by the scripts in \`bench/\`."; echo; cat "$section"; } >"$W/doc.new"
  fi
  cp "$W/doc.new" "$DOC"
  log "wrote $DOC"
  sed -n "/$name:start/,/$name:end/p" "$DOC" | grep -v '^<!--'
}
