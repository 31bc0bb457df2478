package com.clickhouse.analytics.writer.identity;

import java.time.Clock;

/**
 * Versions of ReplacingMergeTree rows ({@code persons}, {@code person_distinct_ids},
 * {@code person_overrides}, {@code groups}): microseconds since the epoch, strictly increasing within
 * one instance and above the stored row's version, so the latest write wins even within a millisecond
 * and against a writer whose clock is behind. Not thread-safe: one per resolver.
 */
final class RowVersions {

    private final Clock clock;
    private long last;

    RowVersions(Clock clock) {
        this.clock = clock;
    }

    /** The next version, above {@code floor} (the stored row's version, 0 for none). */
    long next(long floor) {
        long candidate = clock.millis() * 1000;
        last = Math.max(Math.max(candidate, last + 1), floor + 1);
        return last;
    }
}
