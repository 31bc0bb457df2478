package com.clickhouse.analytics.schema.record;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One normalized event as the gateway produces it to Kafka and the writer consumes it (format
 * version {@value EventCodec#VERSION}). The uuid is the event's identity all the way into
 * ClickHouse.
 *
 * <p>JSON-valued fields ({@code properties}, {@code set}, {@code setOnce}) hold the raw text of a
 * JSON object exactly as the codec writes it, so neither tier re-serializes them per event.
 * Optional fields are {@code null} when absent.
 *
 * @param uuid           event identity (UUIDv7 from the gateway unless the client sent one)
 * @param apiKey         the project key the event was accepted with ({@code ""} for a keyless browser request)
 * @param event          event name, e.g. {@code $pageview}
 * @param distinctId     the client's id for the person
 * @param properties     raw JSON object, {@code {}} when the client sent none
 * @param timestamp      event time, corrected for client clock skew
 * @param sentAt         when the client says it sent the batch, if it said
 * @param receivedAt     when the gateway received the request
 * @param ip             client address, if known
 * @param userAgent      client user agent, if known
 * @param sessionId      {@code $session_id}
 * @param windowId       {@code $window_id}
 * @param currentUrl     {@code $current_url}
 * @param host           {@code $host}
 * @param elementsChain  autocapture elements chain
 * @param set            raw JSON object of {@code $set}
 * @param setOnce        raw JSON object of {@code $set_once}
 * @param anonDistinctId {@code $anon_distinct_id} of an {@code $identify}
 * @param alias          {@code alias} of a {@code $create_alias}
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
        String sessionId,
        String windowId,
        String currentUrl,
        String host,
        String elementsChain,
        String set,
        String setOnce,
        String anonDistinctId,
        String alias) {

    public Event {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(apiKey, "apiKey");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(distinctId, "distinctId");
        Objects.requireNonNull(properties, "properties");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(receivedAt, "receivedAt");
    }

    /** The Kafka record key for this event; see {@link PartitionKey}. */
    public byte[] partitionKey() {
        return PartitionKey.of(apiKey, distinctId);
    }
}
