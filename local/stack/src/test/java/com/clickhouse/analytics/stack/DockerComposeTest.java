package com.clickhouse.analytics.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * What can be checked of docker-compose.yml without a Docker engine (none runs on the machines
 * this project is developed on): pinned images, health checks, start order, ports, and that every
 * environment variable handed to our services is one they document and read.
 */
class DockerComposeTest {

    private static final Path ROOT = Path.of("../..").toAbsolutePath().normalize();
    private static final Pattern DOC_VARIABLE = Pattern.compile("^\\| `([A-Z][A-Z0-9_]+)`");
    private static final Set<String> APP_SERVICES = Set.of("topics", "migrate", "writer", "gateway");

    private final JsonNode compose = read(ROOT.resolve("docker-compose.yml"));
    private final JsonNode services = compose.path("services");

    @Test
    void hasEveryServiceOfThePipeline() {
        Set<String> names = new TreeSet<>();
        services.fieldNames().forEachRemaining(names::add);
        assertEquals(new TreeSet<>(List.of("clickhouse", "gateway", "kafka", "migrate", "topics", "writer", "writer-historical")), names);
    }

    @Test
    void pinsEveryInfrastructureImage() {
        for (String name : List.of("kafka", "clickhouse")) {
            String image = services.path(name).path("image").asText();
            assertTrue(image.matches("[a-z0-9./-]+:[0-9][0-9A-Za-z.\\-]*"), name + " image is not pinned to a version: " + image);
        }
        assertTrue(services.path("kafka").path("image").asText().startsWith("apache/kafka:"));
        assertTrue(services.path("clickhouse").path("image").asText().startsWith("clickhouse/clickhouse-server:"));
    }

    @Test
    void buildsOurServicesFromThisCheckout() throws IOException {
        for (String name : APP_SERVICES) {
            JsonNode service = services.path(name);
            assertEquals(".", service.path("build").path("context").asText(), name + " builds from the checkout");
            assertEquals(name, service.path("command").path(0).asText(), name + " selects its entry point");
        }
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        for (String entryPoint : List.of("gateway)", "writer)", "migrate)", "topics)", "HEALTHCHECK", "USER 10001")) {
            assertTrue(dockerfile.contains(entryPoint), "Dockerfile lacks " + entryPoint);
        }
    }

    @Test
    void startsInOrderWithHealthChecks() {
        for (String name : List.of("kafka", "clickhouse", "writer", "gateway")) {
            assertFalse(services.path(name).path("healthcheck").path("test").isMissingNode(), name + " has no health check");
        }
        assertEquals("service_healthy", services.path("migrate").path("depends_on").path("clickhouse").path("condition").asText());
        JsonNode writerDeps = services.path("writer").path("depends_on");
        assertEquals("service_completed_successfully", writerDeps.path("migrate").path("condition").asText());
        assertEquals("service_healthy", writerDeps.path("kafka").path("condition").asText());
        assertEquals("service_healthy", services.path("gateway").path("depends_on").path("kafka").path("condition").asText());
        assertEquals("no", services.path("migrate").path("restart").asText(), "migrate is a one-shot job");
        assertEquals("no", services.path("topics").path("restart").asText(), "topics is a one-shot job");
        assertEquals("false", services.path("kafka").path("environment").path("KAFKA_AUTO_CREATE_TOPICS_ENABLE").asText(),
                "as on managed Kafka: no topic appears by accident");
        for (String service : List.of("writer", "gateway")) {
            assertEquals("service_completed_successfully", services.path(service).path("depends_on").path("topics").path("condition").asText(),
                    service + " starts once its topics exist");
        }
    }

    @Test
    void runsTheHistoricalWriterOnTheHistoricalLane() {
        JsonNode writer = services.path("writer");
        JsonNode historical = services.path("writer-historical");
        assertEquals(".", historical.path("build").path("context").asText());
        assertEquals("writer", historical.path("command").path(0).asText(), "the same writer binary");
        String lane = historical.path("environment").path("EVENTS_TOPIC").asText();
        assertEquals("${HISTORICAL_TOPIC:-events_historical}", lane);
        assertEquals(lane, services.path("gateway").path("environment").path("HISTORICAL_TOPIC").asText(), "the gateway routes there");
        assertEquals(lane, services.path("topics").path("environment").path("HISTORICAL_TOPIC").asText(), "the topics job creates it");
        assertEquals("cpa-writer-historical", historical.path("environment").path("WRITER_GROUP_ID").asText(), "a group of its own");
        java.util.Set<String> writerVariables = new TreeSet<>();
        writer.path("environment").fieldNames().forEachRemaining(writerVariables::add);
        java.util.Set<String> historicalVariables = new TreeSet<>();
        historical.path("environment").fieldNames().forEachRemaining(historicalVariables::add);
        assertEquals(writerVariables, historicalVariables, "the writer's settings, two of them changed");
        assertTrue(historical.path("mem_limit").asText().matches("[0-9]+[mg]"));
        assertTrue(historical.path("environment").path("JAVA_OPTS").asText().contains("MaxRAMPercentage"));
        assertEquals(writer.path("stop_grace_period").asText(), historical.path("stop_grace_period").asText(), "the writer's drain");
        assertFalse(historical.path("healthcheck").path("test").isMissingNode());
        for (String step : List.of("migrate", "topics")) {
            assertEquals("service_completed_successfully", historical.path("depends_on").path(step).path("condition").asText(), step);
        }
    }

    @Test
    void publishesTheGatewayOn8080() {
        assertEquals("8080:8080", services.path("gateway").path("ports").path(0).asText());
        assertEquals("8080", services.path("gateway").path("environment").path("PORT").asText());
    }

    @Test
    void keepsKafkasLogsInTheMountedVolume() {
        JsonNode kafka = services.path("kafka");
        String logDirs = kafka.path("environment").path("KAFKA_LOG_DIRS").asText();
        assertFalse(logDirs.isEmpty(), "without KAFKA_LOG_DIRS apache/kafka writes to /tmp/kraft-combined-logs, outside the volume");
        List<String> mounts = new ArrayList<>();
        kafka.path("volumes").forEach(v -> mounts.add(v.asText()));
        assertTrue(mounts.contains("kafka-data:" + logDirs), "the log directory " + logDirs + " is not the named volume: " + mounts);
        assertTrue(compose.path("volumes").has("kafka-data"), "kafka-data is a named volume, kept by `docker compose down`");
    }

    @Test
    void givesEveryJvmAMemoryLimitAndItsOptions() {
        for (String name : List.of("kafka", "migrate", "writer", "gateway")) {
            assertTrue(services.path(name).path("mem_limit").asText().matches("[0-9]+[mg]"), name + " has no memory limit");
        }
        for (String name : List.of("writer", "gateway")) {
            String options = services.path(name).path("environment").path("JAVA_OPTS").asText();
            assertTrue(options.contains("MaxRAMPercentage"), name + "'s heap follows its memory limit: " + options);
        }
        assertTrue(services.path("kafka").path("environment").path("KAFKA_HEAP_OPTS").asText().contains("-Xmx"));
    }

    @Test
    void stopGracePeriodsCoverEachServicesDrain() throws IOException {
        Matcher grace = Pattern.compile("shutdown-grace = ([0-9]+)s").matcher(
                Files.readString(ROOT.resolve("gateway/src/main/resources/gateway.conf")));
        assertTrue(grace.find(), "gateway.shutdown-grace not found in gateway.conf");
        long gatewayDrain = Long.parseLong(grace.group(1));
        assertTrue(seconds(services.path("gateway").path("stop_grace_period").asText()) > gatewayDrain,
                "the gateway needs more than its shutdown grace (" + gatewayDrain + " s) to drain and close its producer");
        // WriterMain's shutdown hook waits 30 s for the loop to write and commit, and the consumer's close takes up to 10 s.
        assertTrue(seconds(services.path("writer").path("stop_grace_period").asText()) >= 40,
                "the writer's drain and group leave need 40 s");
    }

    private static long seconds(String composeDuration) {
        Matcher m = Pattern.compile("([0-9]+)s").matcher(composeDuration);
        assertTrue(m.matches(), "not a duration in seconds: '" + composeDuration + "'");
        return Long.parseLong(m.group(1));
    }

    @Test
    void passesOnlyDocumentedVariablesToOurServices() throws IOException {
        Set<String> documented = documentedVariables();
        List<String> unknown = new ArrayList<>();
        for (String name : APP_SERVICES) {
            services.path(name).path("environment").fieldNames().forEachRemaining(variable -> {
                if (!documented.contains(variable)) {
                    unknown.add(name + ": " + variable);
                }
            });
        }
        assertEquals(List.of(), unknown, "variables not in docs/conventions.md");
        for (String line : Files.readAllLines(ROOT.resolve(".env.example"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                String variable = line.substring(0, line.indexOf('='));
                assertTrue(documented.contains(variable), ".env.example names an undocumented variable: " + variable);
            }
        }
    }

    @Test
    void passesOnlyVariablesTheServicesRead() throws IOException {
        // The services' own configuration sources: where a variable name is looked up.
        var sources = java.util.Map.of(
                "gateway", Files.readString(ROOT.resolve("gateway/src/main/java/com/clickhouse/analytics/gateway/GatewayConfig.java")),
                "writer", Files.readString(ROOT.resolve("writer/src/main/java/com/clickhouse/analytics/writer/WriterConfig.java")),
                "migrate", Files.readString(ROOT.resolve("schema/src/main/java/com/clickhouse/analytics/schema/migration/MigrateConfig.java")),
                "topics", Files.readString(ROOT.resolve("schema/src/main/java/com/clickhouse/analytics/schema/topics/TopicsConfig.java")));
        List<String> unread = new ArrayList<>();
        for (String name : APP_SERVICES) {
            String source = sources.get(name);
            services.path(name).path("environment").fieldNames().forEachRemaining(variable -> {
                // KAFKA_* go to the Kafka clients as they are; JAVA_OPTS to the image's entry point.
                boolean passThrough = variable.startsWith("KAFKA_") && !name.equals("migrate") || variable.equals("JAVA_OPTS");
                if (!passThrough && !source.contains("\"" + variable + "\"")) {
                    unread.add(name + ": " + variable);
                }
            });
        }
        assertEquals(List.of(), unread, "compose sets variables the service does not read");
    }

    private static Set<String> documentedVariables() throws IOException {
        Set<String> names = new TreeSet<>();
        for (String line : Files.readAllLines(ROOT.resolve("docs/conventions.md"))) {
            Matcher m = DOC_VARIABLE.matcher(line);
            if (m.find()) {
                names.add(m.group(1));
                // "`A` / `B` / `C`" rows name several variables.
                Matcher more = Pattern.compile("`([A-Z][A-Z0-9_]+)`").matcher(line.substring(0, line.indexOf('|', 2)));
                while (more.find()) {
                    names.add(more.group(1));
                }
            }
        }
        if (names.size() < 10) {
            fail("could not read the variable table of docs/conventions.md: " + names);
        }
        return names;
    }

    private static JsonNode read(Path file) {
        try {
            return new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalStateException("cannot parse " + file, e);
        }
    }
}
