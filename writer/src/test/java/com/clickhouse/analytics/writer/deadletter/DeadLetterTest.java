package com.clickhouse.analytics.writer.deadletter;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import com.clickhouse.analytics.local.kafka.KafkaBroker;
import com.clickhouse.analytics.schema.migration.SchemaMigrator;
import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.clickhouse.analytics.testkit.TestClickHouse;
import com.clickhouse.analytics.testkit.TestSeed;
import com.clickhouse.analytics.writer.Await;
import com.clickhouse.analytics.writer.TestKafka;
import com.clickhouse.analytics.writer.WriterProcess;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Poison records go to the dead-letter topic with their coordinates; the good ones around them are inserted. */
class DeadLetterTest {

    @Test
    void garbageWrongVersionAndRejectedValuesAreDeadLetteredWhileGoodRecordsAreInserted() throws Exception {
        String bootstrap = Infrastructure.shared().kafkaBootstrapServers();
        ClickHouseEndpoint endpoint = Infrastructure.shared().clickHouse();
        String topic = TestClickHouse.uniqueName("poison");
        KafkaBroker.createTopic(bootstrap, topic, 1);
        KafkaBroker.createTopic(bootstrap, topic + "_dlq", 1);
        try (TestClickHouse ch = TestClickHouse.create(endpoint, "poison").migrate(SchemaMigrator::migrate)) {
            // A value ClickHouse itself rejects: a table constraint (RowBinary is type-checked by the encoder,
            // so a constraint is how a well-typed record can still be refused by the server).
            ch.client.execute("ALTER TABLE " + ch.database + ".events ADD CONSTRAINT no_rejects CHECK event != 'reject-me'").get().close();

            Random random = new Random(TestSeed.seed(3));
            Instant t = Instant.parse("2026-05-01T10:00:00Z");
            byte[] garbage = {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef, '{', 0};
            byte[] wrongVersion = "{\"v\":2,\"uuid\":\"0190a000-0000-7000-8000-000000000001\",\"event\":\"x\",\"distinct_id\":\"d\",\"timestamp\":\"2026-05-01T10:00:00Z\"}"
                    .getBytes(StandardCharsets.UTF_8);
            Event rejected = withName(TestKafka.event(random, 10, t), "reject-me");
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
            List<Event> good = new ArrayList<>();
            for (int i = 0; i < 17; i++) {
                switch (i) {
                    case 5 -> records.add(new ProducerRecord<>("", 0, "k".getBytes(StandardCharsets.UTF_8), garbage));
                    case 9 -> records.add(new ProducerRecord<>("", 0, null, wrongVersion));
                    case 13 -> records.add(TestKafka.record(rejected, 0));
                    default -> {
                        Event e = TestKafka.event(random, 10, t.plusSeconds(i));
                        good.add(e);
                        records.add(TestKafka.record(e, 0));
                    }
                }
            }
            TestKafka.send(bootstrap, topic, records);

            Instant before = Instant.now();
            try (WriterProcess writer = WriterProcess.start("writer-poison", bootstrap, endpoint, ch.database, topic, topic, Map.of())) {
                Await.until(Duration.ofSeconds(60), () -> TestKafka.groupLag(bootstrap, topic, topic) == 0,
                        writer::logTail);
                assertEquals(good.size(), ch.eventsFinal());
                Set<String> inserted = ch.query("SELECT toString(uuid) AS u FROM {db}.events").stream()
                        .map(r -> r.getString("u")).collect(Collectors.toSet());
                assertEquals(good.stream().map(e -> e.uuid().toString()).collect(Collectors.toSet()), inserted);

                List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>(TestKafka.readAll(bootstrap, topic + "_dlq", 3, Duration.ofSeconds(20)));
                dead.sort(Comparator.comparingLong(r -> Long.parseLong(header(r, KafkaDeadLetterSink.SOURCE_OFFSET))));
                assertEquals(3, dead.size());
                assertDeadLetter(dead.get(0), topic, 5, "undecodable", garbage);
                assertDeadLetter(dead.get(1), topic, 9, "undecodable", wrongVersion);
                assertTrue(header(dead.get(1), KafkaDeadLetterSink.ERROR_MESSAGE).contains("version 2"), header(dead.get(1), KafkaDeadLetterSink.ERROR_MESSAGE));
                assertDeadLetter(dead.get(2), topic, 13, "record_rejected", records.get(13).value());
                assertTrue(header(dead.get(2), KafkaDeadLetterSink.ERROR_MESSAGE).contains("VIOLATED_CONSTRAINT")
                        || header(dead.get(2), KafkaDeadLetterSink.ERROR_MESSAGE).contains("469"), header(dead.get(2), KafkaDeadLetterSink.ERROR_MESSAGE));
                for (var r : dead) {
                    Instant failedAt = Instant.parse(header(r, KafkaDeadLetterSink.FAILED_AT));
                    assertTrue(!failedAt.isBefore(before.minusSeconds(5)) && !failedAt.isAfter(Instant.now()), failedAt.toString());
                }
                String metrics = writer.get("/metrics").body();
                assertTrue(metrics.contains("cpa_writer_dead_lettered_total{reason=\"undecodable\"} 2"), metrics);
                assertTrue(metrics.contains("cpa_writer_dead_lettered_total{reason=\"record_rejected\"} 1"), metrics);
                assertEquals(0, writer.stop(), writer.logTail());
            }
        }
    }

    private static void assertDeadLetter(ConsumerRecord<byte[], byte[]> r, String topic, long offset, String error, byte[] value) {
        assertEquals(error, header(r, KafkaDeadLetterSink.ERROR));
        assertEquals(topic, header(r, KafkaDeadLetterSink.SOURCE_TOPIC));
        assertEquals("0", header(r, KafkaDeadLetterSink.SOURCE_PARTITION));
        assertEquals(Long.toString(offset), header(r, KafkaDeadLetterSink.SOURCE_OFFSET));
        assertArrayEquals(value, r.value(), "the original bytes, unchanged");
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static Event withName(Event e, String name) {
        return new Event(e.uuid(), e.apiKey(), name, e.distinctId(), e.properties(), e.timestamp(), e.sentAt(), e.receivedAt(),
                e.ip(), e.userAgent(), e.passThrough());
    }
}
