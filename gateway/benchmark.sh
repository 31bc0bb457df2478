#!/usr/bin/env bash
# Gateway benchmark: a real Kafka broker, the gateway in its own JVM, 100-event batches at 30 and
# 100 keep-alive connections, and a bare KafkaProducer on the same broker. See docs/benchmarks.md.
#   gateway/benchmark.sh [-Dbench.seconds=15] [-Dbench.warmup=5] [-Dbench.jitWarmup=20] [-Dbench.connections=30,100] [-Dbench.gatewayHeap=192m] [-Dbench.gatewayGc=ParallelGC]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
# One reactor run, so that the class path names this tree's schema and local modules (their
# target/classes), not whatever a Maven repository holds.
./mvnw -B -ntp -q -pl gateway -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench.classpath >/dev/null
cp="$root/gateway/target/test-classes:$root/gateway/target/classes:$(cat gateway/target/bench.classpath)"
exec "$JAVA_HOME/bin/java" -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn "$@" -cp "$cp" \
  com.clickhouse.analytics.gateway.bench.GatewayBenchmark
