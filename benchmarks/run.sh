#!/usr/bin/env bash
# Runs the JMH benchmarks under benchmarks/src (compiled with the tests). Arguments go to JMH, e.g.
#   benchmarks/run.sh CursorBenchmark -p cursorKind=batched
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# Maven 3.8 prints stray colour resets even in batch mode: drop them
mvn -B -q test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/benchmark.classpath 2>&1 | sed 's/\x1b\[0m//g' >&2
exec java -cp "target/test-classes:target/classes:$(cat target/benchmark.classpath)" \
  org.openjdk.jmh.Main "$@"
