#!/usr/bin/env bash
# Chunked data migration vs one UPDATE on a ROWS-row table (default 5 million): throughput at
# parallelism 1 and 2, and the longest lock wait a concurrent single-row writer saw meanwhile.
# Writes the section between <!-- data-migrate-bench:start/end --> in docs/benchmarks.md.
#
#   bench/data-migrate-bench.sh [ROWS] [CHUNK]    # as root; defaults 5000000 rows, chunks of 10000
set -Eeuo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/bench/lib.sh"

ROWS=${1:-5000000}
CHUNK=${2:-10000}

bench_require
bench_workdir data-migrate-bench
if [[ ! -f $JAR ]]; then
  log "building target/lifeboat.jar"
  (cd "$ROOT" && ./mvnw -q -B -DskipTests package)
fi
pg_start
pg_durable_on   # every commit is durable, as in production: the chunks pay for theirs
# The server logs every lock wait longer than deadlock_timeout with its length ("acquired ... after
# N ms"): the writer's pure lock waits, apart from the CPU and I/O waits of a busy machine.
"${PSQL[@]}" -d postgres -c "ALTER SYSTEM SET log_lock_waits = on" -c "ALTER SYSTEM SET deadlock_timeout = '50ms'" \
  -c "ALTER SYSTEM SET log_min_messages = 'log'" -c "ALTER SYSTEM SET log_line_prefix = '%m [%p] %a '" \
  -c 'SELECT pg_reload_conf()' >/dev/null
PGLOG=$W/pg/postgres.log

q() { "${PSQL[@]}" -d bench -At -c "$1"; }
"${PSQL[@]}" -d postgres -c "CREATE DATABASE bench"
log "loading $ROWS rows"
q "CREATE TABLE public.events (id bigint PRIMARY KEY, score int NOT NULL DEFAULT 0, tenant int NOT NULL, payload text NOT NULL)"
q "INSERT INTO public.events (id, tenant, payload) SELECT g, g % 97, md5(g::text) FROM generate_series(1, $ROWS) g"
q "VACUUM (FREEZE, ANALYZE) public.events"
TABLE_BYTES=$(q "SELECT pg_table_size('public.events')")
SERVER_VERSION_SHORT=$(q "SHOW server_version")

# The concurrent writer: single-row updates, each its own transaction, until told to stop; the
# server measures each statement (lock waits included) with clock_timestamp().
q "CREATE UNLOGGED TABLE bench_writer (stop boolean NOT NULL, writes bigint, max_wait_ms double precision)"
q "CREATE PROCEDURE bench_write(n bigint, chunk bigint) LANGUAGE plpgsql AS \$\$
DECLARE t timestamptz; w double precision; mx double precision := 0; c bigint := 0; target bigint;
BEGIN
  LOOP
    EXIT WHEN (SELECT stop FROM bench_writer);
    -- half the writes aim at the rows a running chunk holds (a partition's next chunk), so the
    -- writer meets the chunks' locks instead of missing them among millions of rows
    target := NULL;
    IF random() < 0.5 AND to_regclass('lifeboat.data_migration_progress') IS NOT NULL THEN
      EXECUTE 'SELECT next_key + floor(random() * \$1)::bigint FROM lifeboat.data_migration_progress'
        ' WHERE next_key < to_key ORDER BY random() LIMIT 1' INTO target USING chunk;
    END IF;
    target := coalesce(target, 1 + floor(random() * n)::bigint);
    t := clock_timestamp();
    UPDATE public.events SET tenant = tenant WHERE id = target;
    w := extract(epoch FROM clock_timestamp() - t) * 1000;
    mx := greatest(mx, w); c := c + 1;
    COMMIT;
    PERFORM pg_sleep(0.005);
  END LOOP;
  UPDATE bench_writer SET writes = c, max_wait_ms = mx;
  COMMIT;
END \$\$"
WRITER_PID=
writer_start() {
  q "DELETE FROM bench_writer; INSERT INTO bench_writer VALUES (false, NULL, NULL)"
  LOG_FROM=$(stat -c %s "$PGLOG")
  PGAPPNAME=bench-writer "${PSQL[@]}" -d bench -c "CALL bench_write($ROWS, $CHUNK)" >"$W/writer.log" 2>&1 &
  WRITER_PID=$!
  sleep 1
}
writer_stop() {   # sets WRITES and WAIT_MS
  q "UPDATE bench_writer SET stop = true"
  wait "$WRITER_PID" || { cat "$W/writer.log" >&2; die "the writer failed"; }
  WRITES=$(q "SELECT writes FROM bench_writer")
  WAIT_MS=$(q "SELECT round(max_wait_ms::numeric, 1) FROM bench_writer")
  LOCK_MS=$(tail -c +$((LOG_FROM + 1)) "$PGLOG" \
    | awk '/ bench-writer / && / acquired .* after [0-9.]+ ms/ {v = $(NF - 1) + 0; if (v > m) m = v}
           END {print (m == "") ? "< 50" : sprintf("%.1f", m)}')
}
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", b - a}'; }
rate() { awk -v r="$1" -v s="$2" 'BEGIN{printf "%.0f", r / s}'; }
reset() { q "VACUUM public.events" >/dev/null; sync; sleep 2; }   # every run starts without the last one's dead rows

SQL="UPDATE public.events SET score = score + 1 WHERE id >= :from AND id < :to"

# 1. one UPDATE
reset
writer_start
t0=$(now)
q "UPDATE public.events SET score = score + 1" >/dev/null
t1=$(now)
writer_stop
U_WRITES=$WRITES U_WAIT=$WAIT_MS U_LOCK=$LOCK_MS
U_SECS=$(secs "$t0" "$t1")
U_RATE=$(rate "$ROWS" "$U_SECS")
log "one UPDATE: ${U_SECS}s, $U_RATE rows/s; writer: $U_WRITES writes, longest lock wait ${U_LOCK} ms, longest statement ${U_WAIT} ms"

# 2. the data migration at parallelism 1 and 2
mkdir -p "$W/specs" "$W/home"
cat >"$W/lifeboat.yml" <<YML
lifeboat:
  home: "$W/home"
  data-migrations:
    dir: "$W/specs"
  targets:
    bench:
      url: "jdbc:postgresql://127.0.0.1:$PGPORT/bench"
      username: postgres
      password: "\${BENCH_PG_PASSWORD}"
  stores:
    local: { type: filesystem, path: "$W/store" }
YML
export BENCH_PG_PASSWORD=$PG_PASSWORD
declare -A M_SECS M_WALL M_RATE M_WRITES M_WAIT M_LOCK M_CHUNKS
for p in 1 2; do
  printf 'table: public.events\nkey: id\nchunk-size: %s\nparallelism: %s\nsql: |\n  %s\n' "$CHUNK" "$p" "$SQL" >"$W/specs/bump$p.yml"
  reset
  writer_start
  t0=$(now)
  "${LB[@]}" --config "$W/lifeboat.yml" --json data-migrate run "bump$p" >"$W/run$p.json" 2>"$W/run$p.err" \
    || { cat "$W/run$p.err" >&2; die "data-migrate run bump$p failed"; }
  t1=$(now)
  writer_stop
  M_WRITES[$p]=$WRITES M_WAIT[$p]=$WAIT_MS M_LOCK[$p]=$LOCK_MS
  [[ $(jq -r .state "$W/run$p.json") == completed ]] || die "bump$p did not complete: $(cat "$W/run$p.json")"
  [[ $(jq -r .rows "$W/run$p.json") == "$ROWS" ]] || die "bump$p migrated $(jq -r .rows "$W/run$p.json") rows, not $ROWS"
  M_SECS[$p]=$(jq -r '.seconds | . * 100 | round / 100' "$W/run$p.json")
  M_WALL[$p]=$(secs "$t0" "$t1")
  M_RATE[$p]=$(rate "$ROWS" "${M_SECS[$p]}")
  M_CHUNKS[$p]=$(jq -r .chunks "$W/run$p.json")
  log "parallelism $p: ${M_SECS[$p]}s in the job (${M_WALL[$p]}s with JVM start), ${M_RATE[$p]} rows/s; writer: ${M_WRITES[$p]} writes, longest lock wait ${M_LOCK[$p]} ms, longest statement ${M_WAIT[$p]} ms"
done
# every row went up by exactly 3: the UPDATE once, each data migration once
BAD=$(q "SELECT count(*) FROM public.events WHERE score <> 3")
[[ $BAD == 0 ]] || die "$BAD rows do not have score 3"

machine_facts
RATIO=$(ratio "${M_RATE[2]}" "$U_RATE")
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
cat >"$W/section.md" <<MD
<!-- data-migrate-bench:start -->
<!-- Generated by bench/data-migrate-bench.sh; do not edit by hand: run the script again. -->
## Data migration: chunked \`data-migrate\` vs one UPDATE

$ROWS rows (\`public.events\`, $(mb "$TABLE_BYTES") MB), the change \`score = score + 1\` over every row,
durable commits (fsync on). Chunks of $CHUNK keys, each one transaction that also commits its
progress row. A concurrent writer updates one row per transaction (5 ms apart) during each run,
half of them a random row, half a row of a chunk the data migration is about to lock or holds. Its longest **lock wait** comes from the server log (\`log_lock_waits\`, \`deadlock_timeout =
50ms\`: "acquired … after N ms"); its longest **statement** (\`clock_timestamp()\` around the
UPDATE) also holds the CPU and I/O waits of a busy machine.

| run | seconds | rows/s | vs one UPDATE | writer's longest lock wait | writer's longest statement | writes |
|---|---:|---:|---:|---:|---:|---:|
| one \`UPDATE\` | $U_SECS | $U_RATE | 1.00 | $U_LOCK ms | $U_WAIT ms | $U_WRITES |
| data-migrate, parallelism 1 (${M_CHUNKS[1]} chunks) | ${M_SECS[1]} | ${M_RATE[1]} | $(ratio "${M_RATE[1]}" "$U_RATE") | ${M_LOCK[1]} ms | ${M_WAIT[1]} ms | ${M_WRITES[1]} |
| data-migrate, parallelism 2 (${M_CHUNKS[2]} chunks) | ${M_SECS[2]} | ${M_RATE[2]} | $RATIO | ${M_LOCK[2]} ms | ${M_WAIT[2]} ms | ${M_WRITES[2]} |

Target: parallelism 2 at ≥ 0.5× the single UPDATE's rows/s: **$RATIO×**. Data-migration seconds
are the job's own (\`seconds\` of \`--json\`); with JVM start-up the runs took ${M_WALL[1]} s and ${M_WALL[2]} s.
Every row ends with \`score = 3\` (checked).

Machine: $NPROC CPUs ($CPU), $RAM RAM, $JAVA, PostgreSQL $SERVER_VERSION_SHORT, commit $COMMIT,
load average at the end $LOAD (the machine was shared with other work while measuring).
One round; took $ELAPSED s.
<!-- data-migrate-bench:end -->
MD
doc_section data-migrate-bench "$W/section.md"
for p in 1 2; do
  bench_summary data-migrate-bench "parallelism $p ÷ one UPDATE (rows/s)" "$(awk -v a="${M_RATE[$p]}" -v b="$U_RATE" 'BEGIN{printf "%.3f", a/b}')"
done
