package com.clickhouse.analytics.writer.deadletter;

import java.time.Instant;

/**
 * Which dead letters a {@code ./cpa dlq} command acts on. Every part is optional (null or -1: any).
 *
 * @param reason     the {@code error} header, e.g. {@code record_rejected}
 * @param since      dead-lettered at or after
 * @param until      dead-lettered before
 * @param fromOffset first offset in the dead-letter topic (each partition)
 * @param toOffset   last offset in the dead-letter topic, inclusive
 */
public record DeadLetterFilter(String reason, Instant since, Instant until, long fromOffset, long toOffset) {

    public static final DeadLetterFilter ALL = new DeadLetterFilter(null, null, null, -1, -1);

    public boolean matches(StoredDeadLetter letter) {
        return (reason == null || reason.equals(letter.error()))
                && (since == null || letter.failedAt() != null && !letter.failedAt().isBefore(since))
                && (until == null || letter.failedAt() != null && letter.failedAt().isBefore(until))
                && (fromOffset < 0 || letter.offset() >= fromOffset)
                && (toOffset < 0 || letter.offset() <= toOffset);
    }
}
