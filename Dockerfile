# syntax=docker/dockerfile:1.7-labs
# One image, four entry points: `gateway`, `writer`, `migrate`, `topics` (see docs/conventions.md).
# Build: docker build -t clickhouse-product-analytics .
# Run:   docker run --rm -e KAFKA_BOOTSTRAP_SERVERS=… clickhouse-product-analytics gateway

# The build stage runs on the builder's own platform: the jars are the same for every target, so a
# multi-arch build (release workflow: linux/amd64 and linux/arm64) compiles once, without emulation.
FROM --platform=$BUILDPLATFORM eclipse-temurin:25.0.1_8-jdk-noble AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml ./
# Dependencies in a layer of their own: it is rebuilt only when a pom changes, not on every source
# edit. The reactor needs every module's pom; the cpa-* modules themselves are left out of the
# resolution (they are built below, never downloaded).
COPY --parents */pom.xml */*/pom.xml ./
RUN ./mvnw -B -ntp -q -pl gateway,writer -am dependency:go-offline -DexcludeGroupIds=com.clickhouse.analytics
COPY ops ops
COPY schema schema
COPY gateway gateway
COPY writer writer
COPY local local
COPY deploy/pom.xml deploy/pom.xml
COPY bench/pom.xml bench/pom.xml
# One reactor run: copy-dependencies then finds cpa-schema in the reactor (a second run without -am
# would look for it in a Maven repository, where it never is).
RUN ./mvnw -B -ntp -q -Dmaven.test.skip=true -pl gateway,writer -am package dependency:copy-dependencies -DincludeScope=runtime \
 && mkdir -p /out/gateway /out/writer \
 && cp gateway/target/cpa-gateway-*.jar gateway/target/dependency/*.jar /out/gateway/ \
 && cp writer/target/cpa-writer-*.jar writer/target/dependency/*.jar /out/writer/

FROM eclipse-temurin:25.0.1_8-jre-noble
RUN groupadd --system --gid 10001 cpa && useradd --system --uid 10001 --gid cpa --no-create-home cpa
COPY --from=build /out/gateway /opt/cpa/gateway
COPY --from=build /out/writer /opt/cpa/writer
COPY --chmod=0755 <<'SH' /opt/cpa/entrypoint
#!/bin/sh
set -e
# Container-aware heap: leave room for direct buffers and metaspace.
JAVA_OPTS="${JAVA_OPTS:--XX:MaxRAMPercentage=70 -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError}"
case "$1" in
  gateway) shift; exec java $JAVA_OPTS -cp '/opt/cpa/gateway/*' com.clickhouse.analytics.gateway.GatewayMain "$@" ;;
  writer)  shift; exec java $JAVA_OPTS -cp '/opt/cpa/writer/*' com.clickhouse.analytics.writer.WriterMain "$@" ;;
  migrate) shift; exec java -XX:+UseSerialGC -cp '/opt/cpa/writer/*' com.clickhouse.analytics.schema.migration.Migrate "$@" ;;
  topics)  shift; exec java -XX:+UseSerialGC -cp '/opt/cpa/writer/*' com.clickhouse.analytics.schema.topics.Topics "$@" ;;
  *) echo "usage: entrypoint gateway|writer|migrate|topics" >&2; exit 2 ;;
esac
SH
COPY --chmod=0755 <<'SH' /opt/cpa/healthcheck
#!/bin/bash
# GET /health on the service's own port without curl (not in the JRE image).
exec 3<>/dev/tcp/127.0.0.1/"${PORT:-8080}" || exit 1
printf 'GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
head -n 1 <&3 | grep -q ' 200 '
SH
USER 10001:10001
ENV PORT=8080
EXPOSE 8080 8081
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD ["/opt/cpa/healthcheck"]
ENTRYPOINT ["/opt/cpa/entrypoint"]
CMD ["gateway"]
