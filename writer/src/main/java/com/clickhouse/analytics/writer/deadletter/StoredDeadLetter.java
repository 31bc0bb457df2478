package com.clickhouse.analytics.writer.deadletter;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * A dead letter as the dead-letter topic holds it: where it sits there, why it died (the headers
 * {@link KafkaDeadLetterSink} wrote), and the original record's key and value, unchanged.
 *
 * @param failedAt when it was dead-lettered, or null if the header is missing or unreadable
 */
public record StoredDeadLetter(int partition, long offset, String error, String message, String sourceTopic,
                               String sourcePartition, String sourceOffset, Instant failedAt, byte[] key, byte[] value) {

    static StoredDeadLetter of(ConsumerRecord<byte[], byte[]> r) {
        return new StoredDeadLetter(r.partition(), r.offset(), header(r, KafkaDeadLetterSink.ERROR),
                header(r, KafkaDeadLetterSink.ERROR_MESSAGE), header(r, KafkaDeadLetterSink.SOURCE_TOPIC),
                header(r, KafkaDeadLetterSink.SOURCE_PARTITION), header(r, KafkaDeadLetterSink.SOURCE_OFFSET),
                instant(header(r, KafkaDeadLetterSink.FAILED_AT)), r.key(), r.value());
    }

    /** {@code partition:offset} in the dead-letter topic: what {@code ./cpa dlq show} takes. */
    public String coordinates() {
        return partition + ":" + offset;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static Instant instant(String text) {
        try {
            return text == null ? null : Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
