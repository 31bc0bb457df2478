package com.clickhouse.analytics.gateway.encode;

import java.util.ArrayList;
import java.util.List;

import com.clickhouse.analytics.gateway.limit.Admission;
import com.clickhouse.analytics.gateway.limit.Route;
import com.clickhouse.analytics.gateway.normalize.EventNormalizer;
import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.EventCodec;

/**
 * The encode step: normalized events to the records the sink produces, each event encoded once.
 * The bytes the request already holds for an event's strings ({@code Verbatim}) are copied, not
 * encoded again; they are dropped with the request once its records exist, so nothing after this
 * step keeps the request body alive. Thread-safe (the codec keeps one buffer per thread).
 */
public final class RecordEncoder {

    private final EventCodec codec;

    public RecordEncoder(EventCodec codec) {
        this.codec = codec;
    }

    /** One record per event, in order, all for the events topic with their own keys. */
    public List<PreparedRecord> encode(List<EventNormalizer.Accepted> events) {
        List<PreparedRecord> records = new ArrayList<>(events.size());
        for (EventNormalizer.Accepted accepted : events) {
            Event e = accepted.event();
            records.add(new PreparedRecord(e.partitionKey(), codec.encode(e, accepted.verbatim())));
        }
        return records;
    }

    /** One record per admitted event, in order, each keyed and laned as its {@link Route} says. */
    public List<PreparedRecord> encode(Admission.Admitted admitted) {
        if (admitted.routes() == null) {
            return encode(admitted.events());
        }
        List<EventNormalizer.Accepted> events = admitted.events();
        List<PreparedRecord> records = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            EventNormalizer.Accepted accepted = events.get(i);
            Event e = accepted.event();
            Route route = admitted.route(i);
            byte[] key = route == Route.SPREAD ? Admission.spreadKey(e.partitionKey()) : e.partitionKey();
            records.add(new PreparedRecord(key, codec.encode(e, accepted.verbatim()), route == Route.HISTORICAL));
        }
        return records;
    }

    @Override
    public String toString() {
        return "RecordEncoder";
    }
}
