#!/usr/bin/env bash
# Runs the JMH benchmarks under benchmarks/src (compiled with the tests). Arguments go to JMH, e.g.
#   benchmarks/run.sh CursorBenchmark -p cursorKind=batched
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mvn -B -q -Dstyle.color=never test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/benchmark.classpath >&2
exec java -cp "target/test-classes:target/classes:$(cat target/benchmark.classpath)" \
  org.openjdk.jmh.Main "$@"
