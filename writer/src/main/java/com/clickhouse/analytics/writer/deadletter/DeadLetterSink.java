package com.clickhouse.analytics.writer.deadletter;

import java.time.Instant;
import java.util.List;

import com.clickhouse.analytics.writer.WriterException;
import com.clickhouse.analytics.writer.consume.SourceRecord;

/** Where records go that the writer cannot decode or ClickHouse refuses: the dead-letter topic. */
public interface DeadLetterSink {

    /**
     * Sends the letters and returns once the topic has acknowledged all of them, so the source
     * offsets may be committed after it.
     *
     * @throws WriterException.Unavailable when the topic cannot take them now
     */
    void send(List<DeadLetter> letters);

    /** A record and why it is dead. {@code errorTag} is stable (a metric label); {@code message} explains. */
    record DeadLetter(SourceRecord record, String errorTag, String message, Instant failedAt) {
    }
}
