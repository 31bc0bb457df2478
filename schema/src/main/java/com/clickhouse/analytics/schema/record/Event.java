package com.clickhouse.analytics.schema.record;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One normalized event as the gateway produces it to Kafka and the writer consumes it (format
 * version {@value EventCodec#VERSION}). The uuid is the event's identity all the way into
 * ClickHouse. Its fields are declared in {@link RecordField}: the core ones are this record's
 * typed components, every other one is carried in {@link #passThrough()}.
 *
 * <p>JSON-valued fields ({@code properties}, {@code $set}, {@code $set_once}) hold the raw text of
 * a JSON object exactly as the codec writes it, so neither tier re-serializes them per event.
 * Optional fields are {@code null} when absent.
 *
 * @param uuid        event identity (UUIDv7 from the gateway unless the client sent one)
 * @param apiKey      the key the event was accepted with ({@code ""} for a keyless browser request); its
 *                    project is {@link #project()}
 * @param event       event name, e.g. {@code $pageview}
 * @param distinctId  the client's id for the person
 * @param properties  raw JSON object, {@code {}} when the client sent none
 * @param timestamp   event time, corrected for client clock skew
 * @param sentAt      when the client says it sent the batch, if it said
 * @param receivedAt  when the gateway received the request
 * @param ip          client address, if known
 * @param userAgent   client user agent, if known
 * @param passThrough the pass-through fields ({@code $session_id}, {@code $set}, …); null means none
 */
public record Event(
        UUID uuid,
        String apiKey,
        String event,
        String distinctId,
        String properties,
        Instant timestamp,
        Instant sentAt,
        Instant receivedAt,
        String ip,
        String userAgent,
        PassThrough passThrough) {

    public Event {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(apiKey, "apiKey");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(distinctId, "distinctId");
        Objects.requireNonNull(properties, "properties");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(receivedAt, "receivedAt");
        if (passThrough == null) {
            passThrough = PassThrough.NONE;
        }
    }

    /**
     * The Kafka record key for this event; see {@link PartitionKey}. Keyed by project, so a person's
     * events sent with two keys of one project (a rotation) still share a partition and an order;
     * with bare keys the project is the key, so the key is what it always was.
     */
    public byte[] partitionKey() {
        return PartitionKey.of(project(), distinctId);
    }

    /**
     * The project the event belongs to: {@link RecordField#PROJECT} when the record carries it,
     * else the api key (a bare key is its own project; so are records written before projects).
     * Persons, distinct ids, overrides and groups are keyed by it.
     */
    public String project() {
        String project = passThrough.get(RecordField.PROJECT);
        return project == null ? apiKey : project;
    }

    /** Pass-through field {@code field}, or null when absent. */
    public String get(RecordField field) {
        return passThrough.get(field);
    }

    /** A copy with pass-through field {@code field} set to {@code value}. */
    public Event with(RecordField field, String value) {
        return new Event(uuid, apiKey, event, distinctId, properties, timestamp, sentAt, receivedAt, ip, userAgent,
                passThrough.with(field, value));
    }

    // Named accessors for the pass-through fields the writer's identity logic reads by meaning.

    /** Raw JSON object of {@code $set}, or null. */
    public String set() {
        return passThrough.get(RecordField.SET);
    }

    /** Raw JSON object of {@code $set_once}, or null. */
    public String setOnce() {
        return passThrough.get(RecordField.SET_ONCE);
    }

    /** Raw JSON text of the top-level {@code $unset} (an array of keys, or an object), or null. */
    public String unset() {
        return passThrough.get(RecordField.UNSET);
    }

    /** {@code $anon_distinct_id} of an {@code $identify}, or null. */
    public String anonDistinctId() {
        return passThrough.get(RecordField.ANON_DISTINCT_ID);
    }

    /** {@code alias} of a {@code $create_alias}, or null. */
    public String alias() {
        return passThrough.get(RecordField.ALIAS);
    }
}
