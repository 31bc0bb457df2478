package com.clickhouse.analytics.local.chdb;

/** What the engine reports about one query: the figures behind {@code X-ClickHouse-Summary}. */
record QueryStatistics(long readRows, long readBytes, long writtenRows, long writtenBytes, long resultRows,
                       long resultBytes, long elapsedNanos) {

    static final QueryStatistics NONE = new QueryStatistics(0, 0, 0, 0, 0, 0, 0);

    /** The summary JSON a ClickHouse server sends; numbers are strings there, as here. */
    String summaryJson() {
        return "{\"read_rows\":\"" + readRows + "\",\"read_bytes\":\"" + readBytes
                + "\",\"written_rows\":\"" + writtenRows + "\",\"written_bytes\":\"" + writtenBytes
                + "\",\"total_rows_to_read\":\"" + readRows + "\",\"result_rows\":\"" + resultRows
                + "\",\"result_bytes\":\"" + resultBytes + "\",\"elapsed_ns\":\"" + elapsedNanos + "\"}";
    }
}
