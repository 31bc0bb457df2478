package com.clickhouse.analytics.writer.clickhouse;

import com.clickhouse.analytics.ops.clickhouse.ClickHouseFailure;
import com.clickhouse.analytics.ops.clickhouse.ClickHouseFailures;
import com.clickhouse.analytics.writer.WriterException;

/**
 * The writer's reading of a failed ClickHouse call: {@link ClickHouseFailures} (which knows the
 * error codes) says retryable, record-caused or fatal; this turns that into the writer's one error
 * type — back off and retry ({@link WriterException.Unavailable}), dead-letter the record
 * ({@link WriterException.RecordRejected}) or stop ({@link WriterException.Fatal}).
 */
public final class ClickHouseErrorClassifier {

    /** Classifies a failure of the operation named by {@code what} (e.g. "insert into events"). */
    public WriterException classify(String what, Throwable failure) {
        WriterException known = ClickHouseFailures.find(failure, WriterException.class);
        if (known != null) {
            return known;
        }
        ClickHouseFailure f = ClickHouseFailures.classify(failure);
        String message = what + " failed: " + f.message();
        return switch (f.kind()) {
            case RECORD_CAUSED -> new WriterException.RecordRejected(f.code(), message, f.error());
            case FATAL -> new WriterException.Fatal(message, f.error());
            case RETRYABLE -> new WriterException.Unavailable(retryTag(f), message, f.error());
        };
    }

    /** The metric and log tag of a retryable failure: which server error, or that ClickHouse did not answer. */
    private static String retryTag(ClickHouseFailure f) {
        return switch (f.origin()) {
            case SERVER -> "clickhouse_error_" + f.code();
            case UNREACHABLE -> "clickhouse_unavailable";
            case CLIENT -> "clickhouse_client_error";
        };
    }
}
