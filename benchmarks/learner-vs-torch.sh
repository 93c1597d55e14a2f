#!/usr/bin/env bash
# The embedded Java learner against PyTorch on the CPU (Debian's python3-torch), same shapes, same
# batch, same thread count, in one run: a LoRA GRPO step and generation tokens/s.
#   benchmarks/learner-vs-torch.sh demo|124m [threads]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shape="${1:-demo}"
threads="${2:-$(nproc)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
SWARM_JAVA_OPTS="${SWARM_JAVA_OPTS:--Xmx8g}" "$root/benchmarks/run-main.sh" LearnerSpeedRun "$shape" "$work" "$threads"
/usr/bin/python3 "$root/benchmarks/torch_learner_speed.py" "$shape" "$work" "$threads"
