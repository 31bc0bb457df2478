package com.clickhouse.analytics.writer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import com.clickhouse.analytics.local.clickhouse.LocalClickHouse;
import com.clickhouse.analytics.local.kafka.KafkaBroker;
import com.clickhouse.analytics.local.process.FreePorts;
import com.clickhouse.analytics.local.process.TemporaryDirectory;
import com.clickhouse.analytics.schema.migration.SchemaMigrator;
import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.clickhouse.analytics.testkit.TestClickHouse;
import com.clickhouse.analytics.testkit.TestSeed;
import com.clickhouse.client.api.Client;
import org.junit.jupiter.api.Test;

/**
 * {@code CLICKHOUSE_SHARDS} with two real ClickHouse engines as the two shards of a cluster (the
 * tests' shared one, and one of this test's own that it stops and starts again), each migrated, and
 * real writer processes on a real broker. Every row must land on exactly one engine — the one whose
 * own {@code cityHash64(distinct_id) % 2} names it, which is where {@code events_distributed} would put
 * it — and a crash while the second shard is down, after the first shard took its part, must neither
 * commit the batch nor, on replay, insert the first shard's part twice.
 */
class ShardedClusterTest {

    /** A killed writer's partitions move within seconds, not 45 s; batches small enough for several per partition. */
    private static final Map<String, String> SETTINGS = Map.of("KAFKA_SESSION_TIMEOUT_MS", "6000", "KAFKA_HEARTBEAT_INTERVAL_MS", "1000",
            "WRITER_BATCH_MAX_ROWS", "2000");

    @Test
    void rowsLandOnTheirShardExactlyOnceAndAShardDownAtACrashReplaysNothingTwice() throws Exception {
        String bootstrap = Infrastructure.shared().kafkaBootstrapServers();
        String topic = TestClickHouse.uniqueName("shards");
        KafkaBroker.createTopic(bootstrap, topic, 2);
        KafkaBroker.createTopic(bootstrap, topic + "_dlq", 1);
        long seed = TestSeed.random();
        System.out.println("ShardedClusterTest seed " + seed + " (-Dtest.seed=" + seed + " replays it)");
        Random random = new Random(seed);
        try (TestClickHouse first = TestClickHouse.create("shard0").migrate(SchemaMigrator::migrate);
             TemporaryDirectory secondData = TemporaryDirectory.create("cpa-shard1-");
             // The second shard takes the first's credentials: the writer signs in to every shard as CLICKHOUSE_USER.
             LocalClickHouse secondServer = LocalClickHouse.start(secondData.path(), FreePorts.pick(), first.endpoint.user(),
                     first.endpoint.password())) {
            Shard shard0 = new Shard(first.client, first.database);
            try (Client secondClient = client(secondServer.endpoint())) {
                SchemaMigrator.migrate(secondClient, first.database); // the same database on every node, as ON CLUSTER makes it
                Shard shard1 = new Shard(secondClient, first.database);
                Map<String, String> settings = new java.util.HashMap<>(SETTINGS);
                settings.put("CLICKHOUSE_SHARDS", first.endpoint.url() + "," + secondServer.endpoint().url());
                ClickHouseEndpoint identityNode = first.endpoint; // CLICKHOUSE_URL: identities and the deletion list

                // 1. A drain of events from many distinct ids (a third of them non-ASCII) over both shards.
                int before = 12_000;
                produce(bootstrap, topic, before, 0, random);
                try (WriterProcess writer = start("writer-shards", bootstrap, identityNode, first.database, topic, settings)) {
                    Await.until(Duration.ofSeconds(120), () -> TestKafka.groupLag(bootstrap, topic, topic) == 0
                                    && shard0.count("") + shard1.count("") >= before,
                            () -> "shard 0: " + shard0.count("") + ", shard 1: " + shard1.count("") + "\n" + writer.logTail());
                    assertOnTheirShardsExactlyOnce(shard0, shard1, before);
                    String metrics = writer.get("/metrics").body();
                    assertEquals(shard0.count(""), ExactlyOnceTest.metric(metrics, "cpa_writer_shard_rows_inserted_total{shard=\"0\"}"), metrics);
                    assertEquals(shard1.count(""), ExactlyOnceTest.metric(metrics, "cpa_writer_shard_rows_inserted_total{shard=\"1\"}"), metrics);
                    assertEquals(0, ExactlyOnceTest.metric(metrics, "cpa_writer_shard_insert_failures_total{shard=\"1\"}"), metrics);
                    assertEquals(0, writer.stop(), writer.logTail());
                }

                // 2. Shard 1 is down; the next events are all in Kafka when a writer starts, so every batch
                // has rows for both shards: shard 0 takes its parts, shard 1 refuses, nothing may be committed.
                long shard0Before = shard0.count("");
                secondServer.stop();
                int after = 8_000;
                produce(bootstrap, topic, after, before, random);
                try (WriterProcess blocked = start("writer-shard-down", bootstrap, identityNode, first.database, topic, settings)) {
                    Await.until(Duration.ofSeconds(120), () -> shard0.count("") > shard0Before
                                    && blocked.metric("cpa_writer_shard_insert_failures_total{shard=\"1\"}") >= 1,
                            () -> "shard 0: " + shard0.count("") + "\n" + blocked.logTail());
                    String during = blocked.get("/metrics").body();
                    assertEquals(1, ExactlyOnceTest.metric(during, "cpa_writer_backing_off"), during);
                    var ready = blocked.get("/ready");
                    assertEquals(503, ready.statusCode());
                    assertTrue(ready.body().contains("shard 1"), ready.body());
                    assertEquals(after, TestKafka.groupLag(bootstrap, topic, topic), "no batch with a part for shard 1 is committed");
                    // 3. The writer dies between the shards' inserts; shard 1 comes back; a new writer replays the
                    // fenced batches: shard 0 drops its parts by token, shard 1 takes its own.
                    blocked.kill();
                }
                secondServer.start();
                try (WriterProcess recovered = start("writer-recovered", bootstrap, identityNode, first.database, topic, settings)) {
                    Await.until(Duration.ofSeconds(180), () -> TestKafka.groupLag(bootstrap, topic, topic) == 0
                                    && shard0.count("") + shard1.count("") >= before + after,
                            () -> "shard 0: " + shard0.count("") + ", shard 1: " + shard1.count("") + "\n" + recovered.logTail());
                    assertOnTheirShardsExactlyOnce(shard0, shard1, before + after);
                    assertEquals(0, recovered.stop(), recovered.logTail());
                }
            }
        }
    }

    /** Every row on the shard its hash names, once (no duplicate even before merges), all of them across both. */
    private static void assertOnTheirShardsExactlyOnce(Shard shard0, Shard shard1, long total) {
        List<Shard> shards = List.of(shard0, shard1);
        long sum = 0;
        for (int i = 0; i < shards.size(); i++) {
            Shard shard = shards.get(i);
            long rows = shard.count("");
            assertTrue(rows > 0, "shard " + i + " got rows");
            assertEquals(0, shard.count("WHERE cityHash64(distinct_id) % 2 != " + i), "rows on shard " + i + " that the engine's hash puts elsewhere");
            assertEquals(rows, shard.longValue("SELECT uniqExact(uuid) FROM {db}.events"), "shard " + i + ": a uuid twice");
            assertEquals(rows, shard.longValue("SELECT count() FROM {db}.events FINAL"), "shard " + i + " under FINAL");
            sum += rows;
        }
        // One event has one distinct id, so it cannot be on both shards (checked above): the sum is the union.
        assertEquals(total, sum, "every event on exactly one shard");
        assertTrue(shard1.longValue("SELECT countIf(NOT isValidUTF8(distinct_id) OR distinct_id LIKE 'user-%') FROM {db}.events")
                < shard1.count(""), "non-ASCII distinct ids reached the shard intact");
    }

    /** {@code count} events of 3,000 distinct ids, a third of them non-ASCII, uuids from {@code random}. */
    private static void produce(String bootstrap, String topic, int count, int offset, Random random) throws Exception {
        Instant start = Instant.parse("2026-03-01T00:00:00Z");
        TestKafka.produce(bootstrap, topic, count, i -> {
            Event e = TestKafka.event(random, 3_000, start.plus(offset + i, ChronoUnit.SECONDS));
            int person = Integer.parseInt(e.distinctId().substring("user-".length()));
            String id = person % 3 == 0 ? "utilisateur-é-用户-" + person + "-🎉" : e.distinctId();
            return new Event(e.uuid(), e.apiKey(), e.event(), id, e.properties(), e.timestamp(), e.sentAt(), e.receivedAt(), e.ip(),
                    e.userAgent(), e.passThrough());
        });
    }

    private static WriterProcess start(String name, String bootstrap, ClickHouseEndpoint endpoint, String database, String topic,
                                       Map<String, String> settings) {
        return WriterProcess.start(name, bootstrap, endpoint, database, topic, topic, settings);
    }

    private static Client client(ClickHouseEndpoint endpoint) {
        return new Client.Builder().addEndpoint(endpoint.url()).setUsername(endpoint.user()).setPassword(endpoint.password())
                .setConnectTimeout(10, ChronoUnit.SECONDS).setSocketTimeout(60, ChronoUnit.SECONDS).build();
    }

    /** One shard's engine and the database the writer writes there. */
    private record Shard(Client client, String database) {
        long longValue(String sql) {
            return client.queryAll(sql.replace("{db}", database)).getFirst().getLong(1);
        }

        long count(String where) {
            return longValue("SELECT count() FROM {db}.events " + where);
        }
    }
}
