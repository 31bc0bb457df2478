package com.clickhouse.analytics.writer.deadletter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.clickhouse.analytics.local.clickhouse.ClickHouseEndpoint;
import com.clickhouse.analytics.local.kafka.KafkaBroker;
import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.migration.SchemaMigrator;
import com.clickhouse.analytics.testkit.Infrastructure;
import com.clickhouse.analytics.testkit.TestClickHouse;
import com.clickhouse.analytics.writer.Await;
import com.clickhouse.analytics.writer.TestKafka;
import com.clickhouse.analytics.writer.WriterProcess;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * {@code ./cpa dlq}: records ClickHouse refused are listed, shown, replayed after the cause is
 * fixed, and land exactly once — also when replayed twice.
 */
class DeadLetterReplayTest {

    private static final int GOOD = 12;
    private static final int REJECTED = 3;

    @Test
    void poisonRecordsFixedAndReplayedLandExactlyOnce() throws Exception {
        String bootstrap = Infrastructure.shared().kafkaBootstrapServers();
        ClickHouseEndpoint endpoint = Infrastructure.shared().clickHouse();
        String topic = TestClickHouse.uniqueName("replay");
        KafkaBroker.createTopic(bootstrap, topic, 2);
        KafkaBroker.createTopic(bootstrap, topic + "_dlq", 1);
        try (TestClickHouse ch = TestClickHouse.create(endpoint, "replay").migrate(SchemaMigrator::migrate)) {
            ch.client.execute("ALTER TABLE " + ch.database + ".events ADD CONSTRAINT not_yet CHECK event != 'needs-fix'").get().close();
            Random random = new Random(7);
            Instant t = Instant.parse("2026-06-01T10:00:00Z");
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
            for (int i = 0; i < GOOD + REJECTED; i++) {
                Event e = TestKafka.event(random, 5, t.plusSeconds(i));
                if (i % 5 == 2) {
                    e = new Event(e.uuid(), e.apiKey(), "needs-fix", e.distinctId(), e.properties(), e.timestamp(), e.sentAt(),
                            e.receivedAt(), e.ip(), e.userAgent(), e.passThrough());
                }
                records.add(TestKafka.record(e, i % 2));
            }
            TestKafka.send(bootstrap, topic, records);
            Instant beforeFailures = Instant.now().minusSeconds(1);

            try (WriterProcess writer = WriterProcess.start("writer-replay", bootstrap, endpoint, ch.database, topic, topic, Map.of());
                 KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                         ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer());
                 KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                         ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer())) {
                Await.until(Duration.ofSeconds(60), () -> TestKafka.groupLag(bootstrap, topic, topic) == 0, writer::logTail);
                assertEquals(GOOD, ch.eventsFinal());
                ByteArrayOutputStream printed = new ByteArrayOutputStream();
                DeadLetterCommand dlq = new DeadLetterCommand(new DeadLetterReader(consumer, topic + "_dlq", Duration.ofSeconds(30)),
                        new DeadLetterReplayer(producer, Duration.ofSeconds(30)), new PrintStream(printed, true, StandardCharsets.UTF_8));

                assertEquals(0, dlq.run(new String[] {"list", "--reason", "record_rejected", "--since", beforeFailures.toString()}));
                String list = printed.toString(StandardCharsets.UTF_8);
                assertTrue(list.contains(REJECTED + " dead letter(s)"), list);
                assertTrue(list.contains("record_rejected"), list);
                printed.reset();
                assertEquals(0, dlq.run(new String[] {"list", "--reason", "undecodable"}));
                assertTrue(printed.toString(StandardCharsets.UTF_8).contains("0 dead letter(s)"), printed.toString(StandardCharsets.UTF_8));
                printed.reset();
                assertEquals(0, dlq.run(new String[] {"show", "0:1"}));
                String shown = printed.toString(StandardCharsets.UTF_8);
                assertTrue(shown.contains("\"event\":\"needs-fix\""), shown);
                assertTrue(shown.contains("source:     " + topic + "/"), shown);

                printed.reset();
                assertEquals(0, dlq.run(new String[] {"replay", "--dry-run"}));
                assertTrue(printed.toString(StandardCharsets.UTF_8).contains(REJECTED + " dead letter(s) would be replayed"), printed.toString(StandardCharsets.UTF_8));
                Thread.sleep(1_000);
                assertEquals(0, TestKafka.groupLag(bootstrap, topic, topic), "a dry run sends nothing");

                ch.client.execute("ALTER TABLE " + ch.database + ".events DROP CONSTRAINT not_yet").get().close(); // the fix
                printed.reset();
                assertEquals(0, dlq.run(new String[] {"replay", "--from-offset", "0", "--to-offset", "1"}));
                assertEquals(0, dlq.run(new String[] {"replay"})); // all of them again: the first two twice in all
                assertTrue(printed.toString(StandardCharsets.UTF_8).contains(REJECTED + " dead letter(s) replayed"), printed.toString(StandardCharsets.UTF_8));
                Await.until(Duration.ofSeconds(60), () -> ch.eventsFinal() >= GOOD + REJECTED
                        && TestKafka.groupLag(bootstrap, topic, topic) == 0, writer::logTail);
                assertEquals(GOOD + REJECTED, ch.eventsFinal(), "replayed letters keep their uuids: twice is once");
                assertEquals(1, ch.longValue("SELECT count() FROM {db}.events FINAL WHERE event = 'needs-fix' AND uuid = "
                        + "(SELECT any(uuid) FROM {db}.events WHERE event = 'needs-fix')"));

                assertThrows(IllegalArgumentException.class, () -> dlq.run(new String[] {"list", "--since", "yesterday"}));
                assertThrows(IllegalArgumentException.class, () -> dlq.run(new String[] {"list", "--dry-run"}));
                assertThrows(IllegalArgumentException.class, () -> dlq.run(new String[] {"show", "9:999"}));
                assertEquals(0, writer.stop(), writer.logTail());
            }
        }
    }
}
