package com.clickhouse.analytics.writer.deadletter;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.clickhouse.analytics.writer.WriterException;
import com.clickhouse.analytics.writer.consume.SourceRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Sends dead letters to the dead-letter topic: the original key and value, unchanged, plus headers
 * {@value #ERROR} (stable tag: {@code undecodable}, {@code record_rejected}), {@value #ERROR_MESSAGE},
 * {@value #SOURCE_TOPIC}, {@value #SOURCE_PARTITION}, {@value #SOURCE_OFFSET} (decimal text) and
 * {@value #FAILED_AT} (ISO-8601). Waits for every acknowledgement; a failure is retryable, and the
 * batch's offsets are not committed until the letters are in. A replay may send a letter twice
 * (dead letters are at-least-once; the source coordinates identify duplicates).
 */
public final class KafkaDeadLetterSink implements DeadLetterSink {

    public static final String ERROR = "error";
    public static final String ERROR_MESSAGE = "error_message";
    public static final String SOURCE_TOPIC = "source_topic";
    public static final String SOURCE_PARTITION = "source_partition";
    public static final String SOURCE_OFFSET = "source_offset";
    public static final String FAILED_AT = "failed_at";

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final Duration timeout;

    public KafkaDeadLetterSink(Producer<byte[], byte[]> producer, String topic, Duration timeout) {
        this.producer = producer;
        this.topic = topic;
        this.timeout = timeout;
    }

    @Override
    public void send(List<DeadLetter> letters) {
        List<Future<?>> acks = new ArrayList<>(letters.size());
        try {
            for (DeadLetter letter : letters) {
                SourceRecord source = letter.record();
                RecordHeaders headers = new RecordHeaders();
                headers.add(ERROR, utf8(letter.errorTag()));
                headers.add(ERROR_MESSAGE, utf8(letter.message() == null ? "" : letter.message()));
                headers.add(SOURCE_TOPIC, utf8(source.partition().topic()));
                headers.add(SOURCE_PARTITION, utf8(Integer.toString(source.partition().partition())));
                headers.add(SOURCE_OFFSET, utf8(Long.toString(source.offset())));
                headers.add(FAILED_AT, utf8(letter.failedAt().toString()));
                acks.add(producer.send(new ProducerRecord<>(topic, null, source.key(), source.value(), headers)));
            }
            producer.flush();
            long deadline = System.nanoTime() + timeout.toNanos();
            for (Future<?> ack : acks) {
                ack.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WriterException.Unavailable("interrupted", "dead-lettering interrupted", e);
        } catch (Exception e) {
            throw new WriterException.Unavailable("dead_letter_unavailable", "cannot send " + letters.size()
                    + " record(s) to " + topic + ": " + e, e);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
