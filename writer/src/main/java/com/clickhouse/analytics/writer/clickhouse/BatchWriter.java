package com.clickhouse.analytics.writer.clickhouse;

import java.util.List;

import com.clickhouse.analytics.writer.WriterException;

/** Inserts event rows into ClickHouse as one insert carrying a deduplication token. */
public interface BatchWriter {

    /**
     * Inserts {@code rows} atomically (one block) or not at all.
     *
     * @throws WriterException.RecordRejected when the data itself is refused (some row is bad)
     * @throws WriterException.Unavailable    when trying again later may succeed
     * @throws WriterException.Fatal          when nothing will succeed
     */
    void insert(List<EventRow> rows, String deduplicationToken);
}
