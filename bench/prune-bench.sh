#!/usr/bin/env bash
# Prune benchmark: `lifeboat prune` on a store holding N backups (default 10,000), once in a
# filesystem store and once in an s3proxy store: the plan (`prune --dry-run --json`) and the prune
# itself (`prune --json`), wall time including the JVM start, and `backups` for the start-up share.
#
#   bench/prune-bench.sh [BACKUPS]
#
# Backups are written directly as objects (a 4-byte dump and a real manifest each, one an hour back
# from now) into the filesystem store's directory and into the s3proxy's filesystem backend (with the
# content-MD5 attribute s3proxy keeps for its ETags, as if each had been PUT). No
# PostgreSQL is needed: prune never connects to the target. Regenerates the "prune-bench" section of
# docs/benchmarks.md (the other sections stay) and removes everything it started on exit.
set -Eeuo pipefail

N=${1:-10000}
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [BACKUPS]" >&2; exit 2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

command -v jq >/dev/null || die "jq is missing: apt-get install -y jq"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing: apt-get install -y time"
command -v python3 >/dev/null || die "python3 is missing (it writes the backups)"
bench_workdir lifeboat-pbench
bench_jar_and_s3cp
s3proxy_start a

# N backups under DIR/bench/<id>/{dump,manifest.json}, one an hour, the newest 25 h old
make_backups() {
  python3 - "$1" "$N" <<'PY'
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

mkdir -p "$W/fsstore" "$W/home"
log "writing $N backups into the filesystem store and the s3proxy bucket"
make_backups "$W/fsstore"
make_backups "$W/s3a/data/bench/lifeboat"

config() {   # config FILE STORE
  {
    echo "lifeboat:"
    echo "  home: $W/home"
    echo "  targets:"
    echo "    bench:"
    echo "      url: jdbc:postgresql://127.0.0.1:1/bench"
    echo "      username: bench"
    echo "      stores: [$2]"
    echo "  stores:"
    s3_store_yaml a
    echo "    fs:"
    echo "      type: filesystem"
    echo "      path: $W/fsstore"
  } >"$1"
}
config "$W/fs.yml" fs
config "$W/s3.yml" s3a
mkdir -p "$W/empty"
config "$W/empty.yml" fs
sed -i "s#path: $W/fsstore#path: $W/empty#" "$W/empty.yml"

declare -A WALL CPUS COUNT
run() {   # run KEY CONFIG ARGS…: wall and CPU (user+sys) seconds into WALL/CPUS[KEY], stdout into $W/KEY.json
  local key=$1 cfg=$2 rc=0
  shift 2
  settle
  /usr/bin/time -v -o "$W/$key.time" java -jar "$JAR" --config "$cfg" "$@" >"$W/$key.json" 2>"$W/$key.err" || rc=$?
  ((rc == 0)) || { cat "$W/$key.err" >&2; die "lifeboat $* exited $rc"; }
  read -r wall _ user sys < <(time_fields "$W/$key.time")
  WALL[$key]=$wall
  CPUS[$key]=$(plus "$user" "$sys")
  log "$key: ${WALL[$key]} s wall, ${CPUS[$key]} s CPU"
}

run start "$W/empty.yml" prune --dry-run --json   # the JVM + Spring start-up every command pays
cold() { rm -rf "$W/home/cache"; }   # forget the manifests read before (lifeboat.home/cache)
for s in fs s3; do
  cold
  run "$s-list-cold" "$W/$s.yml" backups --json
  run "$s-list" "$W/$s.yml" backups --json
  COUNT[$s-listed]=$(jq length "$W/$s-list.json")
  ((COUNT[$s-listed] == N)) || die "store $s lists ${COUNT[$s-listed]} backups, expected $N"
  cold
  run "$s-plan-cold" "$W/$s.yml" prune --dry-run --json
  run "$s-plan" "$W/$s.yml" prune --dry-run --json
  COUNT[$s-plan-deleted]=$(jq '.stores[0].deleted | length' "$W/$s-plan.json")
  run "$s-prune" "$W/$s.yml" prune --json
  COUNT[$s-deleted]=$(jq '.stores[0].deleted | length' "$W/$s-prune.json")
  COUNT[$s-kept]=$(jq '.stores[0].kept | length' "$W/$s-prune.json")
  ((COUNT[$s-deleted] == COUNT[$s-plan-deleted])) || die "store $s: the prune deleted ${COUNT[$s-deleted]}, the plan said ${COUNT[$s-plan-deleted]}"
  run "$s-after" "$W/$s.yml" backups --json
  COUNT[$s-left]=$(jq length "$W/$s-after.json")
  ((COUNT[$s-left] == COUNT[$s-kept])) || die "store $s: ${COUNT[$s-left]} backups left, ${COUNT[$s-kept]} kept"
done

machine_facts
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
SECTION=$W/section.md
{
  echo "<!-- prune-bench:start -->"
  echo "<!-- Generated by bench/prune-bench.sh; do not edit by hand: run the script again. -->"
  echo "## Prune: $N backups in one store"
  echo
  echo "\`bench/prune-bench.sh $N\`, one round, on $(date -u +%Y-%m-%d) at commit $COMMIT: $NPROC CPUs ($CPU), $RAM, $JAVA."
  echo "The machine was shared with other engineers' builds and tests while it ran (load average $LOAD"
  echo "at the end, on $NPROC CPUs): wall times are an upper bound, not a clean-room measurement; the CPU"
  echo "seconds (user + sys of the lifeboat process) say more about the work itself."
  echo
  echo "$N backups of one target (one an hour, the newest 25 h old; a 4-byte dump and a real manifest"
  echo "each) under the default rules (keep-last 7, keep-daily 7, keep-weekly 4, keep-monthly 12). Wall"
  echo "times include the JVM and Spring start-up: \`prune --dry-run\` on an empty store took ${WALL[start]} s"
  echo "wall, ${CPUS[start]} s CPU. The S3 store is one s3proxy 4.1.0 process (filesystem backend) on the same"
  echo "machine. \`backups\` (the same listing and manifest reads) is shown for comparison."
  echo
  echo "**Cold** runs start with no local manifest cache (\`lifeboat.home/cache\` removed): every manifest is"
  echo "read from the store, 16 at a time. **Warm** runs follow a run that read them: manifests the S3 store"
  echo "lists with the same ETag and size come from the cache, so only the listing goes over the network"
  echo "(a filesystem store is never cached: its reads are local already). The prune runs warm, as a"
  echo "scheduled daily prune does. **Work** = wall − the empty store's start-up."
  echo
  echo "| store | backups | \`backups\` cold wall / CPU s | \`backups\` warm wall / CPU s | plan (\`prune --dry-run\`) cold wall / CPU s | plan warm wall / CPU s | plan warm work s | prune wall / CPU s | prune work s | deleted | kept | left after |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for s in fs s3; do
    echo "| $s | ${COUNT[$s-listed]} | ${WALL[$s-list-cold]} / ${CPUS[$s-list-cold]} | ${WALL[$s-list]} / ${CPUS[$s-list]} | ${WALL[$s-plan-cold]} / ${CPUS[$s-plan-cold]} | ${WALL[$s-plan]} / ${CPUS[$s-plan]} | $(minus "${WALL[$s-plan]}" "${WALL[start]}") | ${WALL[$s-prune]} / ${CPUS[$s-prune]} | $(minus "${WALL[$s-prune]}" "${WALL[start]}") | ${COUNT[$s-deleted]} | ${COUNT[$s-kept]} | ${COUNT[$s-left]} |"
  done
  echo
  echo "A prune lists the store once, reads the manifests (cache or store), decides, then deletes the pruned"
  echo "backups' manifests in one batch (S3 \`DeleteObjects\`, 1,000 keys a request) and then their other"
  echo "objects. Total $ELAPSED s."
  echo "<!-- prune-bench:end -->"
} >"$SECTION"
doc_section prune-bench "$SECTION"
