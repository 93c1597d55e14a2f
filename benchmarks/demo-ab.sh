#!/usr/bin/env bash
# Side by side: the demo's loop under two or more variants (JVM flags and/or another jar), run
# interleaved, each run on a fresh copy of one warm-started base, so that the variants see the
# same start and the same VM noise. Prints one Markdown table row per run.
#   benchmarks/demo-ab.sh [-n RUNS] [-p POSITIONS] [-s SEED] [-w WORK] 'NAME|JAR|FLAGS' ...
# JAR empty: target/swarm.jar (built when needed); FLAGS go to java before -jar. Every run gets the
# launcher's JIT files (SWARM_COMPILER_DIRECTIVES and SWARM_COMPILE_COMMANDS as in ./swarm; a
# variant's own -XX:CompilerDirectivesFile=... comes later and wins) and its jar's class-data
# archive (JAR.jsa beside it, written when missing; SWARM_CLASS_ARCHIVE= for none, as in ./swarm). Two runs each, 2,500 positions:
#   benchmarks/demo-ab.sh -n 2 'shipped||' 'parallel-gc||-XX:+UseParallelGC'
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs=2 positions=2500 seed=1 work=/tmp/demo-ab
while getopts "n:p:s:w:" opt; do
  case $opt in
    n) runs=$OPTARG ;;
    p) positions=$OPTARG ;;
    s) seed=$OPTARG ;;
    w) work=$OPTARG ;;
    *) sed -n '2,9p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [[ $# -lt 1 ]]; then
  sed -n '2,9p' "$0" >&2
  exit 2
fi
for variant in "$@"; do
  if [[ $(tr -cd '|' <<<"$variant" | wc -c) -ne 2 ]]; then
    echo "error: variant '$variant' is not NAME|JAR|FLAGS" >&2
    exit 2
  fi
done

"$root/swarm" --version >/dev/null 2>&1 # builds the jar when needed
source "$root/src/main/jvm/jit-options.sh" # the launcher's JIT options, as array jit

mkdir -p "$work"
if [[ ! -f "$work/base/config.json" ]]; then
  echo "warm-starting the base model once, in $work/seed" >&2
  rm -rf "$work/seed" "$work/base"
  # the default schedule trains from position 64 on: a few steps past it, then only the base is kept
  if ! "$root/swarm" demo --data "$work/seed" --positions 128 --seed "$seed" >"$work/seed.out" 2>"$work/seed.err"; then
    echo "error: the warm start failed:" >&2
    cat "$work/seed.err" >&2
    exit 1
  fi
  cp -r "$work/seed/base" "$work/base"
fi

echo "| variant | run | loop | success first → latest 256 | steps | reload p99 | CPU per step, model / engine | last minute: model / JIT / GC / engine |"
echo "|---|---|---|---|---|---|---|---|"
for r in $(seq 1 "$runs"); do
  for variant in "$@"; do
    IFS='|' read -r name jar flags <<<"$variant"
    jar="${jar:-$root/target/swarm.jar}"
    dir="$work/$name-$r"
    rm -rf "$dir"
    mkdir -p "$dir/data"
    cp -r "$work/base" "$dir/data/base"
    source "$root/src/main/jvm/class-archive.sh" # the launcher's class-data archive of this jar, as array cds
    # shellcheck disable=SC2086 # FLAGS is a list of JVM options
    if ! java ${cds[@]+"${cds[@]}"} "${jit[@]}" $flags -jar "$jar" demo --data "$dir/data" --positions "$positions" --seed "$seed" \
        >"$dir/out" 2>"$dir/err"; then
      echo "| $name | $r | failed: see $dir/err | | | | | |"
      continue
    fi
    out="$dir/out"
    loop=$(sed -n 's/^positions completed: .* in \(.*\) s$/\1 s/p' "$out")
    success=$(sed -n 's/^success rate: first 256 groups \(.*\), latest 256 groups \(.*\)$/\1 → \2/p' "$out")
    steps=$(sed -n 's/^adapter version: .*trainer steps \([0-9]*\)$/\1/p' "$out")
    p99=$(sed -n 's/^hot reloads: .*p99 \([0-9]* ms\).*/\1/p' "$out")
    per_step=$(sed -n 's/^CPU: .*per training step: \(.*\) ms of engine CPU, \(.*\) ms of model compute.*/\2 \/ \1 ms/p' "$out")
    last=$(sed -n 's/^CPU: .*over the last minute: model compute \(.*\)%, JIT compiler \(.*\)%, GC \(.*\)%, engine and rest \(.*\)%$/\1 \/ \2 \/ \3 \/ \4%/p' "$out")
    echo "| $name | $r | $loop | $success | $steps | $p99 | $per_step | $last |"
  done
done
