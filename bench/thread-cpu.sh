#!/usr/bin/env bash
# Per-thread CPU of a running process, for bench/profile-backup.sh:
#   bench/thread-cpu.sh PID OUTFILE [MARKER]
# samples /proc/PID/task/*/stat every 0.2 s until PID exits and writes, per thread, the CPU
# seconds (user + sys) it had when the file MARKER first appeared (e.g. when the dump started)
# and at its last sample: threads that end early keep their last sample (up to 0.2 s lost).
pid=$1 out=$2 marker=${3:-}
hz=$(getconf CLK_TCK)
declare -A last name at
marked=0
while [[ -d /proc/$pid ]]; do
  for f in /proc/"$pid"/task/*/stat; do
    { read -r line <"$f"; } 2>/dev/null || continue
    tid=${f#/proc/$pid/task/}; tid=${tid%/stat}
    comm=${line#*(}; comm=${comm%)*}
    rest=${line##*) }
    read -r -a a <<<"$rest"
    last[$tid]=$((a[11] + a[12]))
    name[$tid]=$comm
  done
  if [[ $marked == 0 && -n $marker && -e $marker ]]; then
    marked=1
    for tid in "${!last[@]}"; do at[$tid]=${last[$tid]}; done
  fi
  sleep 0.2
done
{
  printf 'thread\tcpu_s_before_marker\tcpu_s_total\n'
  for tid in "${!last[@]}"; do
    awk -v n="${name[$tid]}" -v b="${at[$tid]:-0}" -v t="${last[$tid]}" -v hz="$hz" 'BEGIN{printf "%s\t%.2f\t%.2f\n", n, b / hz, t / hz}'
  done | sort -t$'\t' -k3,3 -gr
} >"$out"
