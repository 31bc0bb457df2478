package com.clickhouse.analytics.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import com.clickhouse.analytics.local.kafka.KafkaBroker;
import com.clickhouse.analytics.local.process.ChildProcess;
import com.clickhouse.analytics.local.process.FreePorts;
import com.clickhouse.analytics.local.process.TemporaryDirectory;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.clickhouse.analytics.testkit.TestClickHouse;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Every metric the alerting rules and the Grafana dashboard name (deploy/monitoring/metric-names.txt)
 * is exported by the running services: a gateway (with its limits and its historical lane on), a
 * writer and a historical writer, each a real process with its management port as the chart runs
 * them, scraped on that port after traffic that moves every one of them — accepted, dropped,
 * rate-limited, drop-listed, spread and historical events, a dead letter.
 */
class MonitoredMetricsExportedTest {

    private static final Path LIST = Path.of("../../deploy/monitoring/metric-names.txt");
    private static final String KEY = "phc_metrics_key";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void everyMetricTheRulesAndTheDashboardNameIsExportedOnTheManagementPorts() throws Exception {
        String bootstrap = Infrastructure.shared().kafkaBootstrapServers();
        String topic = TestClickHouse.uniqueName("metrics-events");
        String historical = topic + "_historical";
        KafkaBroker.createTopic(bootstrap, topic, 2);
        KafkaBroker.createTopic(bootstrap, topic + "_dlq", 1);
        KafkaBroker.createTopic(bootstrap, historical, 1);
        List<ChildProcess> started = new ArrayList<>();
        try (TestClickHouse clickHouse = TestClickHouse.create("metrics");
             TemporaryDirectory dir = TemporaryDirectory.create("cpa-metrics-")) {
            Service writer = writer("writer", topic, "metrics-writer", clickHouse, dir.path(), started);
            Service historicalWriter = writer("historical-writer", historical, "metrics-writer-historical", clickHouse, dir.path(), started);
            Service gateway = gateway(topic, historical, bootstrap, dir.path(), started);

            String hot = "hot-user";
            assertEquals(200, post(gateway, batch(false, hot, 5, true)).statusCode(), "five events spread: over the overflow rate");
            assertEquals(429, post(gateway, batch(false, hot, 5, true)).statusCode(), "over the distinct id's rate limit");
            assertEquals(200, post(gateway, batch(false, "dropped-user", 2, true)).statusCode(), "drop list");
            assertEquals(200, post(gateway, batch(true, "backfill-user", 3, true)).statusCode(), "historical lane");
            assertEquals(200, post(gateway, batch(false, "nameless", 1, false)).statusCode(), "an event without a name is dropped");
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(topic, "poison".getBytes(StandardCharsets.UTF_8), "not a record".getBytes(StandardCharsets.UTF_8)))
                        .get(30, TimeUnit.SECONDS);
            }

            awaitMetrics(writer, m -> value(m, "cpa_writer_rows_inserted_total") >= 5 && m.contains("cpa_writer_dead_lettered_total{"));
            awaitMetrics(historicalWriter, m -> value(m, "cpa_writer_rows_inserted_total") >= 3);
            for (Service s : List.of(writer, historicalWriter, gateway)) {
                assertEquals(200, get(s.managementPort, "/ready").statusCode(), s.name + " ready"); // the writer's gauge is its last answer
            }

            Set<String> exportedByGateway = names(get(gateway.managementPort, "/metrics").body());
            Set<String> exportedByWriters = names(get(writer.managementPort, "/metrics").body());
            Set<String> exportedByHistorical = names(get(historicalWriter.managementPort, "/metrics").body());
            exportedByWriters.addAll(exportedByHistorical);
            List<String> missing = new ArrayList<>();
            for (String name : listed()) {
                Set<String> exported = name.startsWith("cpa_gateway_") ? exportedByGateway : exportedByWriters;
                if (!exported.contains(name)) {
                    missing.add(name);
                }
            }
            assertEquals(List.of(), missing, "metrics the rules or the dashboard use that the running services do not export");
            String historicalMetrics = get(historicalWriter.managementPort, "/metrics").body();
            assertTrue(historicalMetrics.contains("cpa_writer_consumer_lag{topic=\"" + historical + "\""), "the historical group's own lag");
            assertTrue(historicalMetrics.contains("cpa_writer_ready 1"), historicalMetrics);
            assertEquals(404, get(gateway.port, "/metrics").statusCode(), "not on the public port");
        } finally {
            for (ChildProcess p : started.reversed()) {
                p.stop(Duration.ofSeconds(20));
            }
            http.close();
        }
    }

    private record Service(String name, int port, int managementPort) {
    }

    private Service writer(String name, String topic, String group, TestClickHouse clickHouse, Path dir, List<ChildProcess> started)
            throws Exception {
        ClickHouseEndpoint ch = clickHouse.endpoint;
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", Infrastructure.shared().kafkaBootstrapServers());
        env.put("EVENTS_TOPIC", topic);
        env.put("DLQ_TOPIC", topic.replace("_historical", "") + "_dlq");
        env.put("WRITER_GROUP_ID", group);
        env.put("CLICKHOUSE_URL", ch.url());
        env.put("CLICKHOUSE_USER", ch.user());
        env.put("CLICKHOUSE_PASSWORD", ch.password());
        env.put("CLICKHOUSE_DATABASE", clickHouse.database);
        env.put("MIGRATE_ON_START", "true");
        env.put("GEOIP_DATABASE", "");
        env.put("WRITER_BATCH_MAX_AGE_MS", "300");
        return start(name, LocalStack.WRITER_MAIN, List.of("-Xmx192m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED"), env,
                dir, started);
    }

    private Service gateway(String topic, String historical, String bootstrap, Path dir, List<ChildProcess> started) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        env.put("EVENTS_TOPIC", topic);
        env.put("HISTORICAL_TOPIC", historical);
        env.put("PUBLIC_API_KEYS", KEY);
        env.put("RATE_LIMIT_DISTINCT_ID_PER_SECOND", "1");
        env.put("RATE_LIMIT_DISTINCT_ID_BURST", "5");
        env.put("OVERFLOW_PER_SECOND", "1");
        env.put("DROP_LIST", KEY + ":dropped-user");
        return start("gateway", LocalStack.GATEWAY_MAIN, List.of("-Xmx128m", "-XX:+UseSerialGC"), env, dir, started);
    }

    /** Starts a tier with a public and a management port and waits until the management port says it is ready. */
    private Service start(String name, String main, List<String> jvm, Map<String, String> env, Path dir, List<ChildProcess> started)
            throws Exception {
        int port = FreePorts.pick();
        int management = FreePorts.pick();
        Map<String, String> all = new HashMap<>(env);
        all.put("PORT", Integer.toString(port));
        all.put("MANAGEMENT_PORT", Integer.toString(management));
        all.put("LOG_LEVEL", "info");
        ChildProcess process = ChildProcess.startJvm(name, jvm, System.getProperty("java.class.path"), main, List.of(), all,
                dir.resolve(name + ".log"));
        started.add(process);
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            assertTrue(process.isAlive(), name + " exited:\n" + process.logTail(30));
            try {
                if (get(management, "/ready").statusCode() == 200) {
                    return new Service(name, port, management);
                }
            } catch (IOException notListening) {
                // not yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError(name + " not ready within 90 s:\n" + process.logTail(30));
    }

    private void awaitMetrics(Service service, Predicate<String> until) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String metrics = get(service.managementPort, "/metrics").body();
        while (!until.test(metrics) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            metrics = get(service.managementPort, "/metrics").body();
        }
        assertTrue(until.test(metrics), service.name + " metrics never got there:\n" + metrics);
    }

    /** Sample names (labels cut off) and the names of the TYPE lines of a Prometheus text exposition. */
    static Set<String> names(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                names.add(line.split(" ")[2]);
            } else if (!line.isBlank() && !line.startsWith("#")) {
                int end = line.indexOf('{') >= 0 ? line.indexOf('{') : line.indexOf(' ');
                names.add(line.substring(0, end));
            }
        }
        return names;
    }

    private static double value(String exposition, String name) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).strip());
            }
        }
        return Double.NaN;
    }

    private static Set<String> listed() throws IOException {
        Set<String> names = new TreeSet<>();
        for (String line : Files.readAllLines(LIST)) {
            if (!line.isBlank() && !line.startsWith("#")) {
                names.add(line.strip());
            }
        }
        assertTrue(names.size() > 10, names.toString());
        return names;
    }

    private static String batch(boolean historical, String distinctId, int n, boolean named) {
        StringBuilder body = new StringBuilder("{\"api_key\":\"" + KEY + "\",\"historical_migration\":" + historical + ",\"batch\":[");
        for (int i = 0; i < n; i++) {
            body.append(i == 0 ? "" : ",").append("{").append(named ? "\"event\":\"tick\"," : "")
                    .append("\"distinct_id\":\"").append(distinctId).append("\",\"properties\":{\"i\":").append(i).append("}}");
        }
        return body.append("]}").toString();
    }

    private HttpResponse<String> post(Service gateway, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port + "/batch/"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
