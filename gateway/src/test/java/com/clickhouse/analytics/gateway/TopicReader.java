package com.clickhouse.analytics.gateway;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.EventCodec;
import com.clickhouse.analytics.schema.record.EventDecodingException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads a topic from the beginning and indexes its records by event uuid. */
final class TopicReader implements AutoCloseable {

    record Produced(byte[] key, Event event, int partition) {
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final EventCodec codec = new EventCodec();
    private final Map<UUID, Produced> byUuid = new ConcurrentHashMap<>();
    private final List<Produced> all = new ArrayList<>();

    TopicReader(String bootstrap, String topic) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Waits up to 15 s until every uuid has been seen; returns their records. */
    synchronized List<Produced> await(Collection<UUID> uuids) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!byUuid.keySet().containsAll(uuids) && System.nanoTime() < deadline) {
            poll();
        }
        List<Produced> out = new ArrayList<>();
        for (UUID u : uuids) {
            Produced p = byUuid.get(u);
            if (p == null) {
                throw new AssertionError("event " + u + " not on the topic after 15 s (" + byUuid.size() + " records seen)");
            }
            out.add(p);
        }
        return out;
    }

    /** Everything read so far after polling for {@code wait}. */
    synchronized List<Produced> drain(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            poll();
        }
        return List.copyOf(all);
    }

    /** Records whose distinct id is {@code distinctId}, waiting until {@code count} are there. */
    synchronized List<Produced> awaitDistinctId(String distinctId, int count) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            List<Produced> found = all.stream().filter(p -> p.event().distinctId().equals(distinctId)).toList();
            if (found.size() >= count) {
                return found;
            }
            poll();
        }
        throw new AssertionError("fewer than " + count + " events of " + distinctId + " on the topic after 15 s");
    }

    private void poll() {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
            try {
                Produced p = new Produced(r.key(), codec.decode(r.value()), r.partition());
                byUuid.put(p.event().uuid(), p);
                all.add(p);
            } catch (EventDecodingException e) {
                throw new AssertionError("record the codec cannot read at offset " + r.offset(), e);
            }
        }
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
