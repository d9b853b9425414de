#!/usr/bin/env bash
# Fanout's benchmarks, in one command (docs/benchmarks.md says what each figure means):
#
#   scripts/bench.sh [--quick] [--jfr] [--peer bullmq] [options]   --help lists them
#
# Builds the operator, worker and bench modules (./mvnw -q package -DskipTests: the tests are
# not run), then runs dev.fanout.bench.Main, which starts ElasticMQ and a mock Kubernetes API in
# its own JVM and the operator and workers as processes of the built jars, measures, prints a
# table, and writes bench/target/benchmarks.md and bench/target/benchmarks.json; logs, GC logs
# (and with --jfr the JFR recordings) go to bench/target/run-<time>/. With --peer bullmq it also
# runs ../shared/peers/bullmq/run.sh (BullMQ on Redis; copied to bench/target/peers/bullmq, which
# installs Redis through apt and bullmq from npm on first use) while Fanout is idle, and puts the
# two side by side. About 6 minutes on 2 cores, the build included. Maven options go through MAVEN_ARGS (e.g. MAVEN_ARGS=-o).
# Needs a JDK 21+: $JAVA_HOME, else the newest under /usr/lib/jvm, else java on the PATH
# (scripts/lib/jdk.sh).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

. "$ROOT/scripts/lib/jdk.sh"
JDK="$(find_jdk 21)"
[ -n "$JDK" ] || { echo "bench.sh: no JDK 21 or newer in \$JAVA_HOME, /usr/lib/jvm or on the PATH: install one and set JAVA_HOME" >&2; exit 1; }
export JAVA_HOME="$JDK"
JAVA="$JAVA_HOME/bin/java"

echo "bench.sh: building the jars (./mvnw -q -ntp -pl bench -am package -DskipTests)"
./mvnw -q -ntp -pl bench -am package -DskipTests

exec "$JAVA" -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
  dev.fanout.bench.Main --root "$ROOT" "$@"
