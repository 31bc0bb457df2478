package com.clickhouse.analytics.writer.commit;

import java.util.Optional;

/**
 * The boundary of a batch that was being written, stored as the metadata of a Kafka offset commit.
 *
 * <p>Why: the deduplication token only helps if a replay rebuilds <em>exactly</em> the batch that
 * may already be in ClickHouse, but batches close on row count, bytes and age, and age depends on
 * timing. So before writing a batch the writer commits its first offset (everything before it is
 * already inserted, so this commit is safe) with metadata {@code cpa2:<topic id>:last=<lastOffset>}.
 * A writer that gets the partition after a crash or rebalance reads that metadata and closes its
 * first batch at the same last offset, whatever its own bounds and timing. After the insert the
 * writer commits {@code lastOffset + 1} with empty metadata. The idea is the Kafka Connect sink's
 * state machine (its "before/after processing" state) kept in the offset commit instead of a
 * KeeperMap table.
 *
 * <p>The fence names the log its offsets count in (the topic's id), so a fence left by an earlier
 * log of the same name is recognised as stale. Fences of the previous format ({@code cpa1:last=N},
 * no id) come from writers whose tokens named the log by the topic's name; the batch they fence is
 * written with that older token, so a batch such a writer may already have inserted still collapses.
 */
public final class ReplayFence {

    static final String PREFIX = "cpa2:";
    static final String LEGACY_PREFIX = "cpa1:last=";
    private static final String LAST = ":last=";

    /**
     * A fence read back.
     *
     * @param logId      what the fenced batch's token names its log by: the topic id, or for a
     *                   {@code cpa1} fence the topic's name
     * @param lastOffset the fenced batch's last offset
     */
    public record Fence(String logId, long lastOffset) {
    }

    private ReplayFence() {
    }

    public static String metadata(String logId, long lastOffset) {
        return PREFIX + logId + LAST + lastOffset;
    }

    /** The fence in commit metadata of a partition of {@code topic}, if the metadata is one. */
    public static Optional<Fence> parse(String metadata, String topic) {
        if (metadata == null) {
            return Optional.empty();
        }
        String logId;
        String last;
        if (metadata.startsWith(LEGACY_PREFIX)) {
            logId = topic;
            last = metadata.substring(LEGACY_PREFIX.length());
        } else if (metadata.startsWith(PREFIX) && metadata.indexOf(LAST, PREFIX.length()) > PREFIX.length()) {
            int at = metadata.indexOf(LAST, PREFIX.length());
            logId = metadata.substring(PREFIX.length(), at);
            last = metadata.substring(at + LAST.length());
        } else {
            return Optional.empty();
        }
        try {
            long lastOffset = Long.parseLong(last);
            return lastOffset < 0 ? Optional.empty() : Optional.of(new Fence(logId, lastOffset));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
