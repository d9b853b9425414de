#!/usr/bin/env bash
# Fanout's benchmarks, in one command (docs/benchmarks.md says what each figure means):
#
#   scripts/bench.sh [--quick] [--jfr] [options]     scripts/bench.sh --help lists them
#
# Builds the operator, worker and bench modules (./mvnw -q package -DskipTests: the tests are
# not run), then runs dev.fanout.bench.Main, which starts ElasticMQ and a mock Kubernetes API in
# its own JVM and the operator and workers as processes of the built jars, measures, prints a
# table, and writes bench/target/benchmarks.md and bench/target/benchmarks.json; logs, GC logs
# (and with --jfr the JFR recordings) go to bench/target/run-<time>/. About 6 minutes on
# 2 cores, the build included. Maven options go through MAVEN_ARGS (e.g. MAVEN_ARGS=-o).
# Needs a JDK 21+: $JAVA_HOME, else java on the PATH.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ -n "${JAVA_HOME:-}" ]; then
  JAVA="$JAVA_HOME/bin/java"
else
  JAVA="$(command -v java || true)"
fi
[ -n "$JAVA" ] && [ -x "$JAVA" ] || { echo "bench.sh: no java: set JAVA_HOME to a JDK 21+" >&2; exit 1; }

echo "bench.sh: building the jars (./mvnw -q -ntp -pl bench -am package -DskipTests)"
./mvnw -q -ntp -pl bench -am package -DskipTests

exec "$JAVA" -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
  dev.fanout.bench.Main --root "$ROOT" "$@"
