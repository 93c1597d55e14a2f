#!/usr/bin/env bash
# The share of CPU time outside model compute (JIT, GC, engine) against the model's width: runs the
# demo (SFT warm start, then the loop) once per WIDTH:POSITIONS, GPT-2 of 2 layers and 4 heads, each
# in a fresh data folder under WORK, and prints the summary's lines. About 18 minutes on 2 cores:
#   benchmarks/share-by-model-size.sh [WORK] [WIDTH:POSITIONS ...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-/tmp/share-by-model-size}"
shift || true
runs=("$@")
if [[ ${#runs[@]} -eq 0 ]]; then
  runs=(64:40000 128:16000 256:6000)
fi
"$root/swarm" --version >/dev/null # builds the jar when needed
for run in "${runs[@]}"; do
  width="${run%%:*}"
  positions="${run##*:}"
  data="$work/2x$width-$positions"
  rm -rf "$data"
  mkdir -p "$data"
  echo "== 2x$width, $positions positions, in $data" >&2
  # through the launcher, so that the JIT compiles what a user's run compiles
  SWARM_JAVA_OPTS="-Dswarm.model.embd=$width ${SWARM_JAVA_OPTS:-}" "$root/swarm" demo --data "$data" --positions "$positions" \
    | grep -E '^(warm start done|positions completed|success rate|adapter version|hot reloads|CPU):' | sed "s/^/2x$width: /"
done
