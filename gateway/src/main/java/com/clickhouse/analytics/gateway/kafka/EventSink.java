package com.clickhouse.analytics.gateway.kafka;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.gateway.encode.PreparedRecord;

/**
 * Where accepted events go, as records already encoded ({@link PreparedRecord}: key and value
 * bytes): the sink never sees an event, only bytes. The returned future completes normally once every event is durably
 * accepted (for Kafka: acknowledged with {@code acks=all}), or exceptionally with a
 * {@link GatewayError} — never both, never neither within the sink's time bound. Must not block the
 * caller beyond that bound.
 */
public interface EventSink {

    /** Produces {@code records}, in order, as one request's records: they succeed or fail together. */
    CompletableFuture<Void> send(List<PreparedRecord> records);

    /**
     * Whether {@link #send} returns without waiting at all now, so that it may run on an I/O thread.
     * A Kafka producer may wait for the topic's metadata (up to the time bound) at start-up and while
     * Kafka is failing; while Kafka acknowledges, a send only appends to its buffer.
     */
    boolean sendsWithoutWaiting();
}
