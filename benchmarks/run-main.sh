#!/usr/bin/env bash
# Runs a plain measurement program under benchmarks/src, e.g.
#   SWARM_JAVA_OPTS=-Xmx8g benchmarks/run-main.sh ReplaySnapshotRun 1000000
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# Maven 3.8 prints stray colour resets even in batch mode: drop them
mvn -B -q test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/benchmark.classpath 2>&1 | sed 's/\x1b\[0m//g' >&2
main="$1"
shift
exec java ${SWARM_JAVA_OPTS:-} -Dlogback.configurationFile=src/main/resources/logback.xml -cp "target/test-classes:target/classes:$(cat target/benchmark.classpath)" \
  "io.swarmengine.benchmarks.$main" "$@"
