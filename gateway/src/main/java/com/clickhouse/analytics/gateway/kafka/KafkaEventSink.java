package com.clickhouse.analytics.gateway.kafka;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.gateway.GatewayError.Kind;
import com.clickhouse.analytics.gateway.GatewayMetrics;
import com.clickhouse.analytics.gateway.encode.PreparedRecord;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;

/**
 * Produces each prepared record as one Kafka record, key and value as they are: pure Kafka, the
 * encoding happened before ({@code RecordEncoder}). The request's future completes from the producer's callbacks once the
 * last record is acknowledged — no thread waits.
 *
 * <p>Load shedding: the bytes of unacknowledged records are counted against
 * {@code maxInFlightBytes}, set below the producer's {@code buffer.memory}; a request that does not
 * fit fails at once with a 503 instead of blocking in {@code send}. The producer's
 * {@code delivery.timeout.ms} bounds how long a record can stay unacknowledged.
 *
 * <p>Failures are translated here: a record over the broker's size limit is a 413, every other
 * produce failure a retryable 503. Events of a failed request may still have been written in part;
 * clients retry, and the event uuid makes the retry collapse in ClickHouse when the client sent one.
 */
public final class KafkaEventSink implements EventSink {

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final String historicalTopic;
    private final long maxInFlightBytes;
    private final GatewayMetrics metrics;
    private final long produceTimeoutMillis;
    private final AtomicLong inFlightBytes = new AtomicLong();
    /**
     * Whether Kafka acknowledged the last record that completed. While it does, the producer has the
     * topic's metadata and {@code send} only appends to its buffer; after a failure a send may wait
     * for metadata again (up to {@code max.block.ms}), so callers go back to a worker thread.
     */
    private volatile boolean acknowledging;

    public KafkaEventSink(Producer<byte[], byte[]> producer, String topic, long maxInFlightBytes,
                          long produceTimeoutMillis, GatewayMetrics metrics) {
        this(producer, topic, topic, maxInFlightBytes, produceTimeoutMillis, metrics);
    }

    /** @param historicalTopic where {@link PreparedRecord#historical()} records go (the events topic when there is no such lane) */
    public KafkaEventSink(Producer<byte[], byte[]> producer, String topic, String historicalTopic, long maxInFlightBytes,
                          long produceTimeoutMillis, GatewayMetrics metrics) {
        if (maxInFlightBytes < 1) {
            throw new IllegalArgumentException("maxInFlightBytes must be positive");
        }
        this.producer = producer;
        this.topic = topic;
        this.historicalTopic = historicalTopic;
        this.maxInFlightBytes = maxInFlightBytes;
        this.produceTimeoutMillis = produceTimeoutMillis;
        this.metrics = metrics;
    }

    @Override
    public boolean sendsWithoutWaiting() {
        return acknowledging;
    }

    /** Bytes of records sent and not yet acknowledged. */
    public long inFlightBytes() {
        return inFlightBytes.get();
    }

    @Override
    public CompletableFuture<Void> send(List<PreparedRecord> records) {
        int n = records.size();
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            bytes += records.get(i).size();
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!reserve(bytes)) {
            done.completeExceptionally(new GatewayError(Kind.KAFKA_BUFFER_FULL,
                    "Kafka is not keeping up: the gateway's produce buffer is full, retry later"));
            return done;
        }
        Pending pending = new Pending(n, bytes, done, System.nanoTime());
        for (int i = 0; i < n; i++) {
            if (pending.failed()) {
                // send() reported a failure through the callback (e.g. no metadata within
                // max.block.ms): the request is lost anyway, and each further send could block again.
                pending.abandon(n - i, null);
                break;
            }
            try {
                PreparedRecord record = records.get(i);
                producer.send(new ProducerRecord<>(record.historical() ? historicalTopic : topic, null, record.key(), record.value()),
                        pending);
            } catch (RuntimeException e) {
                // send() itself threw (producer closed, …): the rest will never call back.
                pending.abandon(n - i, e);
                break;
            }
        }
        return done;
    }

    private boolean reserve(long bytes) {
        while (true) {
            long current = inFlightBytes.get();
            // An oversized single request is still admitted when nothing else is in flight.
            if (current + bytes > maxInFlightBytes && current > 0) {
                return false;
            }
            if (inFlightBytes.compareAndSet(current, current + bytes)) {
                return true;
            }
        }
    }

    private GatewayError translate(Exception e) {
        if (e instanceof RecordTooLargeException) {
            return GatewayError.tooLarge("an event is larger than Kafka accepts (max.request.size / message.max.bytes)");
        }
        return new GatewayError(Kind.KAFKA_UNAVAILABLE,
                "Kafka did not acknowledge the events within " + produceTimeoutMillis + " ms, retry later");
    }

    /** The callback shared by all records of one request. */
    private final class Pending implements Callback {
        private final AtomicInteger remaining;
        private final AtomicReference<Exception> failure = new AtomicReference<>();
        private final long bytes;
        private final CompletableFuture<Void> done;
        private final long startNanos;

        Pending(int records, long bytes, CompletableFuture<Void> done, long startNanos) {
            this.remaining = new AtomicInteger(records);
            this.bytes = bytes;
            this.done = done;
            this.startNanos = startNanos;
        }

        boolean failed() {
            return failure.get() != null;
        }

        /** Completes {@code records} records that were never handed to the producer. */
        void abandon(int records, Exception cause) {
            Exception e = cause != null ? cause : failure.get();
            for (int j = 0; j < records; j++) {
                onCompletion(null, e);
            }
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (exception != null && failure.compareAndSet(null, exception)) {
                metrics.kafkaError(exception);
            }
            if (acknowledging != (exception == null)) {
                acknowledging = exception == null;
            }
            if (remaining.decrementAndGet() == 0) {
                inFlightBytes.addAndGet(-bytes);
                metrics.produced(System.nanoTime() - startNanos);
                Exception first = failure.get();
                if (first == null) {
                    done.complete(null);
                } else {
                    done.completeExceptionally(translate(first));
                }
            }
        }
    }

    @Override
    public String toString() {
        return "KafkaEventSink[topic=" + topic + (historicalTopic.equals(topic) ? "" : ", historical " + historicalTopic)
                + ", maxInFlightBytes=" + maxInFlightBytes + "]";
    }
}
