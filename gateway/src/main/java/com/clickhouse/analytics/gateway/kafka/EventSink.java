package com.clickhouse.analytics.gateway.kafka;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.Verbatim;

/**
 * Where accepted events go. The returned future completes normally once every event is durably
 * accepted (for Kafka: acknowledged with {@code acks=all}), or exceptionally with a
 * {@link GatewayError} — never both, never neither within the sink's time bound. Must not block the
 * caller beyond that bound.
 */
public interface EventSink {

    /**
     * @param events   the events, in order
     * @param verbatim for each event, bytes the request already holds for some of its strings (or
     *                 null), which the record's writer copies instead of encoding the strings
     */
    CompletableFuture<Void> send(List<Event> events, List<Verbatim> verbatim);

    /**
     * Whether {@link #send} returns without waiting at all now, so that it may run on an I/O thread.
     * A Kafka producer may wait for the topic's metadata (up to the time bound) at start-up and while
     * Kafka is failing; while Kafka acknowledges, a send only appends to its buffer.
     */
    boolean sendsWithoutWaiting();
}
