package com.clickhouse.analytics.writer.clickhouse;

import java.util.List;

/**
 * Inserts a batch's event rows under the batch's deduplication token: into one node
 * ({@link BisectingInserter}) or split over the shards of a cluster ({@link ShardedInserter}).
 * When it returns, every row is inserted or returned as refused; a {@code WriterException}
 * (retryable or fatal) means the batch is not done and must not be committed.
 */
public interface EventInserter {

    /** Inserts {@code rows} of the batch whose token is {@code batchToken}; returns the rows ClickHouse refused one by one. */
    List<BisectingInserter.Rejected> insert(List<EventRow> rows, String batchToken);
}
