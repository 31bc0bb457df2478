package com.clickhouse.analytics.writer.deadletter;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads the dead-letter topic from its start (or the filter's first offset) up to the end it had
 * when the read began, so a read always finishes. Uses an assigned consumer without a group: it
 * commits nothing and moves no writer's position.
 */
public final class DeadLetterReader {

    private static final Duration POLL = Duration.ofMillis(500);

    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final Duration timeout;

    public DeadLetterReader(Consumer<byte[], byte[]> consumer, String topic, Duration timeout) {
        this.consumer = consumer;
        this.topic = topic;
        this.timeout = timeout;
    }

    /** The letters that match, in partition and offset order. */
    public List<StoredDeadLetter> read(DeadLetterFilter filter) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalArgumentException("no topic " + topic + " (DLQ_TOPIC) in this Kafka");
        }
        List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition()))
                .sorted((a, b) -> Integer.compare(a.partition(), b.partition())).toList();
        Map<TopicPartition, Long> ends = new HashMap<>(consumer.endOffsets(partitions, timeout));
        consumer.assign(partitions);
        Map<TopicPartition, Long> starts = consumer.beginningOffsets(partitions, timeout);
        List<TopicPartition> remaining = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            long start = Math.max(starts.get(tp), filter.fromOffset());
            long end = filter.toOffset() < 0 ? ends.get(tp) : Math.min(ends.get(tp), filter.toOffset() + 1);
            ends.put(tp, end);
            if (start < end) {
                consumer.seek(tp, start);
                remaining.add(tp);
            }
        }
        consumer.assign(remaining);
        Map<Integer, List<StoredDeadLetter>> byPartition = new HashMap<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!remaining.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("reading " + topic + " took longer than " + timeout + "; still at "
                        + remaining.stream().map(tp -> tp + "@" + consumer.position(tp)).toList());
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                if (r.offset() < ends.get(tp)) {
                    StoredDeadLetter letter = StoredDeadLetter.of(r);
                    if (filter.matches(letter)) {
                        byPartition.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(letter);
                    }
                }
            }
            remaining.removeIf(tp -> consumer.position(tp) >= ends.get(tp));
            consumer.assign(remaining);
        }
        List<StoredDeadLetter> letters = new ArrayList<>();
        partitions.forEach(tp -> letters.addAll(byPartition.getOrDefault(tp.partition(), List.of())));
        return letters;
    }
}
