package com.clickhouse.analytics.schema.record;

/**
 * A Kafka record that is not a readable event of a supported version. Record-caused and never
 * retryable: the writer dead-letters the record and moves on.
 */
public final class EventDecodingException extends Exception {

    public EventDecodingException(String message) {
        super(message);
    }

    public EventDecodingException(String message, Throwable cause) {
        super(message, cause);
    }
}
