package com.clickhouse.analytics.gateway.normalize;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.gateway.authorize.Authorizer;
import com.clickhouse.analytics.gateway.decode.RawBatch;
import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.RecordField;
import com.clickhouse.analytics.schema.record.Verbatim;

/**
 * Turns the events of an authorized request into the schema's {@link Event}s:
 *
 * <ul>
 *   <li>an event without a name, or without a usable {@code distinct_id}, is dropped and counted
 *       (the original does the same); on {@code /engage} a nameless payload is an {@code $identify};</li>
 *   <li>{@code distinct_id} (string or number) is trimmed and capped at {@value #MAX_DISTINCT_ID_LENGTH}
 *       characters;</li>
 *   <li>a client {@code uuid} is kept when valid and is a 400 when not; otherwise a UUIDv7;</li>
 *   <li>timestamps are corrected for clock skew ({@link EventTimestamps});</li>
 *   <li>ip and user agent come from the request;</li>
 *   <li>the pass-through fields ({@code $session_id}, {@code $set}, …) are carried as read.</li>
 * </ul>
 * Pure: time comes in through {@link Context}.
 */
public final class EventNormalizer {

    static final int MAX_DISTINCT_ID_LENGTH = 200;

    /**
     * What the request adds to every event.
     *
     * @param receivedAt   gateway receive time
     * @param ip           client address, or null
     * @param userAgent    {@code User-Agent}, or null
     * @param querySentAt  {@code _} query parameter (posthog-js: send time in epoch ms), or null
     * @param defaultEvent event name for nameless payloads ({@code $identify} on {@code /engage}), or null
     */
    public record Context(Instant receivedAt, String ip, String userAgent, Instant querySentAt, String defaultEvent) {
    }

    /**
     * The events to produce, in request order, and how many were dropped.
     *
     * @param accepted the events kept, each with the request bytes its encoding may copy
     * @param dropped  events dropped for want of a name or a usable {@code distinct_id}
     */
    public record Normalized(List<Accepted> accepted, int dropped) {

        /** The events alone, in order. */
        public List<Event> events() {
            return accepted.stream().map(Accepted::event).toList();
        }
    }

    /**
     * One normalized event and the request's bytes for some of its strings ({@link Verbatim}, null
     * for none), which the encoder copies instead of encoding them again. Verbatim matches a string
     * by identity, so a value normalization replaced (a trimmed id, a default name) is encoded anew.
     */
    public record Accepted(Event event, Verbatim verbatim) {
    }

    /** As {@link #normalize(RawBatch, Authorizer.Authorized, Context)} for a bare key: its own project. */
    public Normalized normalize(RawBatch batch, String apiKey, Context context) throws GatewayError {
        return normalize(batch, new Authorizer.Authorized(apiKey, apiKey), context);
    }

    /**
     * The request's events, each with the authorized key and, only when it differs from the key,
     * the project ({@link RecordField#PROJECT}): a bare-key request's records are what they were.
     */
    public Normalized normalize(RawBatch batch, Authorizer.Authorized authorized, Context context) throws GatewayError {
        String apiKey = authorized.apiKey();
        boolean namedProject = !authorized.project().equals(apiKey);
        Instant now = context.receivedAt();
        Instant sentAt = batch.sentAt() == null ? null : EventTimestamps.parse(batch.sentAt());
        if (sentAt == null) {
            sentAt = context.querySentAt();
        }
        List<Accepted> accepted = new ArrayList<>(batch.events().size());
        int dropped = 0;
        int index = 0;
        for (RawBatch.RawEvent raw : batch.events()) {
            String name = raw.event();
            if (name == null || name.isBlank()) {
                name = context.defaultEvent();
            }
            String distinctId = distinctId(raw.distinctId());
            if (name == null || distinctId == null) {
                dropped++;
                index++;
                continue;
            }
            UUID uuid;
            if (raw.uuid() != null) {
                uuid = UuidV7.parseStrict(raw.uuid());
                if (uuid == null) {
                    throw GatewayError.badRequest("field 'uuid' of event " + index + " is not a UUID");
                }
            } else {
                uuid = UuidV7.at(now.toEpochMilli());
            }
            Instant timestamp;
            try {
                timestamp = EventTimestamps.resolve(raw.timestamp(), raw.offset(), raw.ignoreSentAt() ? null : sentAt, now);
            } catch (GatewayError e) {
                throw e.withMessage(e.getMessage() + " (event " + index + ")");
            }
            // The pass-through fields go on as the capture table read them: nothing here to add per field.
            Event event = new Event(uuid, apiKey, name, distinctId, raw.properties(), timestamp, sentAt, now,
                    context.ip(), context.userAgent(),
                    namedProject ? raw.passThrough().with(RecordField.PROJECT, authorized.project()) : raw.passThrough());
            accepted.add(new Accepted(event, raw.verbatim()));
            index++;
        }
        return new Normalized(accepted, dropped);
    }

    static String distinctId(String raw) {
        if (raw == null) {
            return null;
        }
        String id = raw.strip();
        if (id.isEmpty()) {
            return null;
        }
        if (id.length() > MAX_DISTINCT_ID_LENGTH) {
            int end = MAX_DISTINCT_ID_LENGTH;
            if (Character.isHighSurrogate(id.charAt(end - 1))) {
                end--; // never split a surrogate pair
            }
            id = id.substring(0, end);
        }
        return id;
    }
}
