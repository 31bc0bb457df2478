package com.clickhouse.analytics.writer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.EventCodec;
import com.clickhouse.analytics.schema.record.PassThrough;
import com.clickhouse.analytics.schema.record.RecordField;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Producing, reading and measuring topics for the writer's tests. */
public final class TestKafka {

    private static final EventCodec CODEC = new EventCodec();

    private TestKafka() {
    }

    /**
     * Pre-loads topics while writers, ClickHouse and the broker share two busy cores: one request in
     * flight per connection and generous timeouts, because a broker stalled past the request timeout
     * otherwise sends the idempotent producer into OutOfOrderSequence retries until its records expire.
     */
    static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 120_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 300_000), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** A realistic pageview-like event of one of {@code persons} people. */
    public static Event event(Random random, int persons, Instant time) {
        int person = random.nextInt(persons);
        String distinctId = "user-" + person;
        String session = new UUID(person, time.toEpochMilli() / 1_800_000).toString();
        String url = "https://shop.example.com/products/" + random.nextInt(500);
        String properties = "{\"$current_url\":\"" + url + "\",\"$browser\":\"Firefox\",\"$os\":\"Linux\",\"$screen_width\":"
                + (1024 + random.nextInt(1000)) + ",\"plan\":\"pro\",\"cart_value\":" + random.nextInt(10_000) / 100.0 + "}";
        return new Event(uuid(random), "phc_test", random.nextInt(10) == 0 ? "$autocapture" : "$pageview", distinctId, properties,
                time, null, time.plusMillis(35), "203.0.113." + random.nextInt(255),
                "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0",
                PassThrough.NONE.with(RecordField.SESSION_ID, session).with(RecordField.WINDOW_ID, "w-" + person)
                        .with(RecordField.CURRENT_URL, url).with(RecordField.HOST, "shop.example.com"));
    }

    static UUID uuid(Random random) {
        return new UUID((random.nextLong() & ~0xF000L) | 0x7000L, (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L);
    }

    /** Produces {@code count} realistic events keyed like the gateway does; returns once all are acknowledged. */
    public static void produceEvents(String bootstrap, String topic, int count, int persons, long seed) throws Exception {
        Random random = new Random(seed);
        Instant start = Instant.parse("2026-03-01T00:00:00Z");
        produce(bootstrap, topic, count, i -> event(random, persons, start.plusMillis(i * 37L)));
    }

    /** Produces {@code count} events, the i-th from {@code events}, keyed like the gateway does; returns once all are acknowledged. */
    public static void produce(String bootstrap, String topic, int count, java.util.function.IntFunction<Event> events) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
            List<Future<?>> acks = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Event e = events.apply(i);
                acks.add(producer.send(new ProducerRecord<>(topic, e.partitionKey(), CODEC.encode(e))));
                if (acks.size() >= 10_000) {
                    for (Future<?> ack : acks) {
                        ack.get(180, TimeUnit.SECONDS);
                    }
                    acks.clear();
                }
            }
            producer.flush();
            for (Future<?> ack : acks) {
                ack.get(180, TimeUnit.SECONDS);
            }
        }
    }

    public static void send(String bootstrap, String topic, List<ProducerRecord<byte[], byte[]>> records) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
            for (ProducerRecord<byte[], byte[]> r : records) {
                producer.send(new ProducerRecord<>(topic, r.partition(), r.key(), r.value())).get(30, TimeUnit.SECONDS);
            }
        }
    }

    public static ProducerRecord<byte[], byte[]> record(Event e, int partition) {
        return new ProducerRecord<>("", partition, e.partitionKey(), CODEC.encode(e));
    }

    /** Log end minus committed offset of the group, summed over the topic's partitions. */
    public static long groupLag(String bootstrap, String topic, String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            var description = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            description.partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            long lag = 0;
            for (var end : ends.entrySet()) {
                OffsetAndMetadata c = committed.get(end.getKey());
                lag += end.getValue().offset() - (c == null ? 0 : c.offset());
            }
            return lag;
        }
    }

    /** Every record of {@code topic} (from the beginning) until {@code expected} were read or the time is up. */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic, int expected, Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID(), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
