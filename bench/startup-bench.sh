#!/usr/bin/env bash
# Start-up benchmark: how long a short Lifeboat command takes from exec to exit, by the way it is
# started. No PostgreSQL and no network: the commands read filesystem stores only.
#
#   bench/startup-bench.sh [ROUNDS]     default 5 rounds
#
# Commands: `--version` and `--help` (answered before Spring), `backups` on an empty filesystem store, and
# `backups` on a filesystem store holding 1,000 backups. Ways of starting, run round-robin so each
# round of every way sees the same machine load:
#   plain jar        java -jar target/lifeboat.jar, with `java` from the PATH (the baseline)
#   17 + CDS, C2     Java 17 with the class-data-sharing archive, the full JIT and Spring started
#                    eagerly: how bin/lifeboat started every command before (commit b600c1b)
#   bin/lifeboat 17  bin/lifeboat with JAVA_HOME set to Java 17 (CDS, C1 for read-only commands)
#   bin/lifeboat     bin/lifeboat choosing the JDK itself (the newest >= 17; AOT cache on 25+)
#   bin/lifeboat, C2 the same with the full JIT (-XX:TieredStopAtLevel=4 through
#                    LIFEBOAT_JAVA_OPTS): whether C1 alone costs the 1,000-backup listing anything
# Every round of every way is kept (wall and CPU = user + sys of the whole process tree); the
# section in docs/benchmarks.md shows medians, spreads, the machine, the commit and load average.
set -Eeuo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${1:-5}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "usage: bench/startup-bench.sh [ROUNDS]" >&2; exit 2; }
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing: apt-get install -y time"
bench_workdir lifeboat-startup

# the JDKs: Java 17 for the baseline ways, and whatever bin/lifeboat picks
J17=
for d in /usr/lib/jvm/*/; do
  d=${d%/}
  if [[ -x $d/bin/java ]] && grep -q '^JAVA_VERSION="17[."]' "$d/release" 2>/dev/null; then J17=$d; break; fi
done
[[ -n $J17 ]] || die "no Java 17 under /usr/lib/jvm"
PATH_JAVA=$(command -v java) || die "no java on the PATH"

log "building target/lifeboat.jar if it is missing or older than the sources"
(cd "$ROOT" && bin/lifeboat --version >/dev/null)   # builds, extracts target/app

# N fake backups of target `bench` in a filesystem store (a 4-byte dump and a real manifest each)
make_backups() {
  local dir=$1 n=$2 i id start done now
  now=$(date -u +%s)
  for ((i = 0; i < n; i++)); do
    done=$((now - (25 + i) * 3600)); start=$((done - 60))
    id=$(date -u -d "@$start" +%Y%m%dT%H%M%SZ)
    mkdir -p "$dir/bench/$id"
    printf dump >"$dir/bench/$id/dump"
    printf '{"id":"%s","target":"bench","label":"nightly","startedAt":"%s","completedAt":"%s","format":"pg_dump-custom+zstd","sizeBytes":4,"sha256":"%064d","rawBytes":4,"database":"bench","serverVersion":"15.0","pgDumpVersion":"15.0","lifeboatVersion":"bench","tables":{},"rls":{},"pinned":false}' \
      "$id" "$(date -u -d "@$start" +%Y-%m-%dT%H:%M:%SZ)" "$(date -u -d "@$done" +%Y-%m-%dT%H:%M:%SZ)" 0 \
      >"$dir/bench/$id/manifest.json"
  done
}
config() {   # config FILE STORE_DIR
  mkdir -p "$2"
  printf 'lifeboat:\n  home: %s/home\n  targets:\n    bench:\n      url: jdbc:postgresql://127.0.0.1:1/bench\n      username: bench\n  stores:\n    fs:\n      type: filesystem\n      path: %s\n' \
    "$W" "$2" >"$1"
}
config "$W/empty.yml" "$W/empty"
config "$W/full.yml" "$W/full"
# smoke (inside ./mvnw verify): 100 backups are enough to keep the script working, and cheaper to make
FULL=1000 FULL_TEXT=1,000
[[ ${BENCH_SMOKE:-0} == 1 ]] && FULL=100 FULL_TEXT=100
make_backups "$W/full" "$FULL"

# the caches of both JDKs, made now by their training runs, outside the measurement
log "training runs (AOT cache / CDS archive), not measured"
"$ROOT/bin/lifeboat" backups --config "$W/empty.yml" >/dev/null
# (smoke measures the plain jar and the launcher only: Java 17's CDS archive is not needed there)
if [[ ${BENCH_SMOKE:-0} != 1 ]]; then
  JAVA_HOME=$J17 "$ROOT/bin/lifeboat" backups --config "$W/empty.yml" >/dev/null
fi
count=$("$ROOT/bin/lifeboat" backups --json --config "$W/full.yml" | grep -c '"id"') || true
[[ $count == "$FULL" ]] || die "the $FULL_TEXT-backup store lists $count backups"
JSA=$(ls -t "$ROOT"/target/app/lifeboat-*.jsa 2>/dev/null | head -1) || true
[[ -n $JSA || ${BENCH_SMOKE:-0} == 1 ]] || die "bin/lifeboat made no CDS archive for $J17"
PICKED_VERSION=$("$ROOT/bin/lifeboat" version --config "$W/empty.yml" 2>/dev/null | grep -o 'on Java [^ ]* ([^)]*)' | head -1) || true

WAYS=(plain cds17 lb17 lb lbc2)
# smoke (inside ./mvnw verify): the plain jar and the launcher only, enough to keep the script working
[[ ${BENCH_SMOKE:-0} == 1 ]] && WAYS=(plain lb)
declare -A LABEL=(
  [plain]="plain jar (\`java -jar target/lifeboat.jar\`, $(basename "$(dirname "$(dirname "$(readlink -f "$PATH_JAVA")")")"))"
  [cds17]="Java 17 + CDS, full JIT, eager Spring (bin/lifeboat before)"
  [lb17]="\`JAVA_HOME=<Java 17> bin/lifeboat\`"
  [lb]="\`bin/lifeboat\` (picks the newest JDK)"
  [lbc2]="\`bin/lifeboat\`, full JIT (\`LIFEBOAT_JAVA_OPTS=-XX:TieredStopAtLevel=4\`)"
)
way_argv() {   # way_argv WAY: the command line that starts Lifeboat that way, into ARGV
  case $1 in
    plain) ARGV=("$PATH_JAVA" -jar "$JAR") ;;
    cds17) ARGV=("$J17/bin/java" -XX:SharedArchiveFile="$JSA" -Xlog:disable -Xlog:all=error:stderr -jar "$ROOT/target/app/lifeboat.jar" --spring.main.lazy-initialization=false) ;;
    lb17) ARGV=(env "JAVA_HOME=$J17" "$ROOT/bin/lifeboat") ;;
    lb) ARGV=("$ROOT/bin/lifeboat") ;;
    lbc2) ARGV=(env LIFEBOAT_JAVA_OPTS=-XX:TieredStopAtLevel=4 "$ROOT/bin/lifeboat") ;;
  esac
}

CMDS=(version help empty full)
declare -A CMDLINE=(
  [version]="--version"
  [help]="--help"
  [empty]="backups --config $W/empty.yml"
  [full]="backups --config $W/full.yml"
)
declare -A CMDLABEL=([version]="\`--version\`" [help]="\`--help\`" [empty]="\`backups\`, empty store" [full]="\`backups\`, $FULL_TEXT backups")
declare -A WALL CPU
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "measuring: ${#CMDS[@]} commands x ${#WAYS[@]} ways x $ROUNDS rounds"
for ((r = 1; r <= ROUNDS; r++)); do
  for c in "${CMDS[@]}"; do
    for way in "${WAYS[@]}"; do
      [[ $c == version && $way == lbc2 ]] && continue
      way_argv "$way"
      # shellcheck disable=SC2086
      /usr/bin/time -v -o "$W/t" "${ARGV[@]}" ${CMDLINE[$c]} >"$W/out" 2>"$W/err" ||
        { cat "$W/err" >&2; die "$way ${CMDLINE[$c]} failed"; }
      read -r wall _ user sys < <(time_fields "$W/t")
      WALL[$c.$way]+="$wall "
      CPU[$c.$way]+="$(plus "$user" "$sys") "
    done
  done
  log "round $r/$ROUNDS done (load $(cut -d' ' -f1 /proc/loadavg))"
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
machine_facts

section="$W/section.md"
{
  echo "<!-- startup-bench:start -->"
  echo "<!-- Generated by bench/startup-bench.sh; do not edit by hand: run the script again. -->"
  echo "## Start-up: short commands by the way they are started"
  echo
  echo "Commit \`$COMMIT\`, $ROUNDS rounds, $(date -u +%Y-%m-%d), $NPROC cores ($CPU), $RAM RAM."
  echo "Load average before $LOAD_BEFORE, after $LOAD_AFTER (1/5/15 min): the machine was shared."
  echo "\`bin/lifeboat\` ran $PICKED_VERSION. Wall and CPU (user + sys) are medians"
  echo "over the rounds, the spread in brackets; \`÷ plain\` is the median's ratio to the plain jar's"
  echo "in the same rounds. The ways ran round-robin, so each round of each way saw the same load."
  echo "The $FULL_TEXT backups are in a filesystem store (4-byte dumps, real manifests)."
  echo
  echo "| command | started as | wall s | CPU s | wall ÷ plain | CPU ÷ plain |"
  echo "| --- | --- | --- | --- | --- | --- |"
  for c in "${CMDS[@]}"; do
    # shellcheck disable=SC2086
    pw=$(median ${WALL[$c.plain]}); pc=$(median ${CPU[$c.plain]})
    for way in "${WAYS[@]}"; do
      [[ -n ${WALL[$c.$way]:-} ]] || continue
      # shellcheck disable=SC2086
      w=$(median ${WALL[$c.$way]}); u=$(median ${CPU[$c.$way]})
      # shellcheck disable=SC2086
      printf '| %s | %s | %.2f (%s) | %.2f (%s) | %s | %s |\n' "${CMDLABEL[$c]}" "${LABEL[$way]}" \
        "$w" "$(spread ${WALL[$c.$way]})" "$u" "$(spread ${CPU[$c.$way]})" "$(ratio "$w" "$pw")" "$(ratio "$u" "$pc")"
    done
  done
  echo
  echo "Every round (wall s / CPU s):"
  echo
  for c in "${CMDS[@]}"; do
    for way in "${WAYS[@]}"; do
      [[ -n ${WALL[$c.$way]:-} ]] || continue
      echo "- ${CMDLABEL[$c]}, $way: wall ${WALL[$c.$way]% }; CPU ${CPU[$c.$way]% }"
    done
  done
  echo
  echo "What \`bin/lifeboat\` does: the newest installed JDK >= 17; on Java 25+ an AOT cache"
  echo "(\`-XX:AOTCache\`), on 17-24 a CDS archive, both made by one training run (\`cli.AotTraining\`: the full"
  echo "application, \`backups\` and an upload and download against an S3 store it answers itself) and checked by"
  echo "the JVM (\`-XX:+VerifySharedSpaces\`); \`backups\` and \`history\` run on C1 alone (\`-XX:TieredStopAtLevel=1\`),"
  echo "never a command that moves data; \`backups\` starts \`cli.ReadOnlyApplication\` (configuration, catalog,"
  echo "console: no control database, Batch or scheduler), lazily. Bench run took ${ELAPSED} s."
  echo "<!-- startup-bench:end -->"
} >"$section"
doc_section startup-bench "$section"
bench_summary startup-bench "bin/lifeboat --version wall s" "$(median ${WALL[version.lb]})"
bench_summary startup-bench "bin/lifeboat --help wall s" "$(median ${WALL[help.lb]})"
