package com.clickhouse.analytics.writer.commit;

import java.util.OptionalLong;

/**
 * The boundary of a batch that was being written, stored as the metadata of a Kafka offset commit.
 *
 * <p>Why: the deduplication token only helps if a replay rebuilds <em>exactly</em> the batch that
 * may already be in ClickHouse, but batches close on row count, bytes and age, and age depends on
 * timing. So before writing a batch the writer commits its first offset (everything before it is
 * already inserted, so this commit is safe) with metadata {@code cpa1:last=<lastOffset>}. A writer
 * that gets the partition after a crash or rebalance reads that metadata and closes its first batch
 * at the same last offset, whatever its own bounds and timing. After the insert the writer commits
 * {@code lastOffset + 1} with empty metadata. The idea is the Kafka Connect sink's state machine
 * (its "before/after processing" state) kept in the offset commit instead of a KeeperMap table.
 */
public final class ReplayFence {

    static final String PREFIX = "cpa1:last=";

    private ReplayFence() {
    }

    public static String metadata(long lastOffset) {
        return PREFIX + lastOffset;
    }

    /** The fenced last offset in commit metadata, if the metadata is a fence. */
    public static OptionalLong parse(String metadata) {
        if (metadata == null || !metadata.startsWith(PREFIX)) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(metadata.substring(PREFIX.length())));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
