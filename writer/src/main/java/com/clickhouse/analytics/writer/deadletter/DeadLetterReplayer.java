package com.clickhouse.analytics.writer.deadletter;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Sends dead letters back to the topic they came from: the original key and value bytes, so each
 * event keeps its uuid and a replay (or a replay replayed) collapses in ClickHouse instead of
 * counting twice. The key keeps the partitioning, hence each person's order. A header
 * {@value #REPLAYED_FROM} names the letter's place in the dead-letter topic.
 */
public final class DeadLetterReplayer {

    public static final String REPLAYED_FROM = "cpa_replayed_from";

    private final Producer<byte[], byte[]> producer;
    private final Duration timeout;

    public DeadLetterReplayer(Producer<byte[], byte[]> producer, Duration timeout) {
        this.producer = producer;
        this.timeout = timeout;
    }

    /**
     * Returns once Kafka has acknowledged every letter.
     *
     * @param target the topic to send to, or null for each letter's {@code source_topic}
     */
    public int replay(List<StoredDeadLetter> letters, String target) {
        List<Future<?>> acks = new ArrayList<>(letters.size());
        for (StoredDeadLetter letter : letters) {
            String topic = target != null ? target : letter.sourceTopic();
            if (topic == null || topic.isEmpty()) {
                throw new IllegalArgumentException("dead letter " + letter.coordinates() + " names no source topic: pass --to TOPIC");
            }
            RecordHeaders headers = new RecordHeaders();
            headers.add(REPLAYED_FROM, letter.coordinates().getBytes(StandardCharsets.UTF_8));
            acks.add(producer.send(new ProducerRecord<>(topic, null, letter.key(), letter.value(), headers)));
        }
        producer.flush();
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            for (Future<?> ack : acks) {
                ack.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Kafka did not acknowledge the replay: " + e + " (replaying again is safe)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while replaying", e);
        }
        return acks.size();
    }
}
