package com.clickhouse.analytics.gateway.decode;

import java.util.List;

import com.clickhouse.analytics.schema.record.PassThrough;
import com.clickhouse.analytics.schema.record.RecordField;
import com.clickhouse.analytics.schema.record.Verbatim;

/**
 * A request's events as the client sent them, before normalization. Raw JSON fields hold the exact
 * text of a JSON object from the request.
 *
 * @param apiKey              {@code api_key}/{@code token} of the envelope or single event, if any
 * @param sentAt              {@code sent_at} of the envelope, if any (text as sent)
 * @param historicalMigration {@code historical_migration} flag of the envelope
 * @param events              the events, in request order
 */
public record RawBatch(String apiKey, String sentAt, boolean historicalMigration, List<RawEvent> events) {

    /**
     * One event as sent. Every field is null when absent.
     *
     * @param event        event name
     * @param distinctId   top-level {@code distinct_id}, else {@code properties.distinct_id}/{@code $distinct_id}
     *                     (numbers as their JSON text)
     * @param properties   raw JSON object, {@code {}} when absent
     * @param timestamp    {@code timestamp} as text (ISO-8601 or epoch number)
     * @param offset       {@code offset} in milliseconds before receipt (PostHog)
     * @param uuid         {@code uuid} as sent
     * @param token        the event's own {@code api_key}/{@code token}/{@code properties.token}
     * @param ignoreSentAt {@code properties.$ignore_sent_at}: use {@code timestamp} uncorrected
     * @param passThrough  the pass-through fields, as {@link CaptureField} maps members to them
     *                     ({@code properties.$set} wins over a top-level {@code $set}, …)
     * @param verbatim     the request's bytes for some of these strings, for the record's writer
     *                     to copy ({@link BatchScanner}), or null
     */
    public record RawEvent(
            String event,
            String distinctId,
            String properties,
            String timestamp,
            Long offset,
            String uuid,
            String token,
            boolean ignoreSentAt,
            PassThrough passThrough,
            Verbatim verbatim) {

        /** Pass-through field {@code field} as sent, or null. */
        public String get(RecordField field) {
            return passThrough.get(field);
        }
    }
}
