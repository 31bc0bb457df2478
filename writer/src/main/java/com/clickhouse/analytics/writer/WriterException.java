package com.clickhouse.analytics.writer;

import com.clickhouse.analytics.writer.consume.ConsumerLoop;

/**
 * The writer's one error type. Each case says whether waiting and trying the same batch again
 * can help ({@link #retryable()}), a stable {@link #tag()} used in logs, dead-letter headers and
 * metric labels, and how loudly to log it. The {@link ConsumerLoop} is the one place that reacts.
 */
public abstract sealed class WriterException extends RuntimeException {

    private WriterException(String message, Throwable cause) {
        super(message, cause);
    }

    public abstract String tag();

    public abstract boolean retryable();

    /** ClickHouse (or Kafka, for the dead-letter topic and commits) is unreachable, slow or busy: back off, pause, retry. */
    public static final class Unavailable extends WriterException {
        private final String tag;

        public Unavailable(String tag, String message, Throwable cause) {
            super(message, cause);
            this.tag = tag;
        }

        @Override
        public String tag() {
            return tag;
        }

        @Override
        public boolean retryable() {
            return true;
        }
    }

    /** ClickHouse refused the data itself (a value the table rejects): isolate the record, dead-letter it. */
    public static final class RecordRejected extends WriterException {
        private final int code;

        public RecordRejected(int code, String message, Throwable cause) {
            super(message, cause);
            this.code = code;
        }

        /** The ClickHouse error code. */
        public int code() {
            return code;
        }

        @Override
        public String tag() {
            return "record_rejected";
        }

        @Override
        public boolean retryable() {
            return false;
        }
    }

    /** Nothing a retry or a dead letter can fix (bad credentials, missing table, wrong schema): stop the writer. */
    public static final class Fatal extends WriterException {
        public Fatal(String message, Throwable cause) {
            super(message, cause);
        }

        @Override
        public String tag() {
            return "fatal";
        }

        @Override
        public boolean retryable() {
            return false;
        }
    }
}
