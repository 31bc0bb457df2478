package com.clickhouse.analytics.gateway.normalize;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.schema.record.IsoInstants;

/**
 * Event time as PostHog computes it, against the gateway's receive time {@code now}:
 *
 * <ol>
 *   <li>{@code offset} (milliseconds before sending) wins: {@code now - offset};</li>
 *   <li>else {@code timestamp} with {@code sent_at}: the client's clock is off by
 *       {@code sent_at - now}, so the event happened at {@code timestamp - (sent_at - now)};</li>
 *   <li>else {@code timestamp} as sent (also when {@code $ignore_sent_at} is set);</li>
 *   <li>else {@code now}.</li>
 * </ol>
 * A result more than 23 hours in the future is replaced by {@code now}; one outside years
 * 0…9999 by the epoch. Pure functions of their arguments.
 */
public final class EventTimestamps {

    static final Duration FUTURE_CUTOFF = Duration.ofHours(23);
    private static final Instant MIN = Instant.parse("0000-01-01T00:00:00Z");
    private static final Instant MAX = Instant.parse("9999-12-31T23:59:59.999Z");

    private EventTimestamps() {
    }

    /**
     * @param timestamp the event's {@code timestamp} text, or null
     * @param offsetMillis the event's {@code offset}, or null
     * @param sentAt when the client sent the request by its own clock, or null (or ignored)
     * @param now when the gateway received the request
     * @throws GatewayError ({@link GatewayError.Kind#BAD_REQUEST}) when {@code timestamp} is present but not a time
     */
    public static Instant resolve(String timestamp, Long offsetMillis, Instant sentAt, Instant now) throws GatewayError {
        Instant result = now;
        if (offsetMillis != null) {
            result = now.minusMillis(offsetMillis);
        } else if (timestamp != null) {
            Instant client = parse(timestamp);
            if (client == null) {
                throw GatewayError.badRequest("field 'timestamp' is not an ISO-8601 time: " + abbreviate(timestamp));
            }
            result = sentAt == null ? client : client.minus(Duration.between(now, sentAt));
        }
        if (Duration.between(now, result).compareTo(FUTURE_CUTOFF) > 0) {
            return now;
        }
        if (result.isBefore(MIN) || result.isAfter(MAX)) {
            return Instant.EPOCH;
        }
        return result;
    }

    /**
     * A client time: ISO-8601 with {@code Z}, {@code +hh:mm}, {@code +hhmm} or {@code +hh}; without
     * a zone (taken as UTC); a date alone; or epoch seconds / milliseconds. Null when it is none of
     * these.
     */
    public static Instant parse(String text) {
        String t = text.strip();
        if (t.isEmpty() || t.length() > 64) {
            return null;
        }
        Instant fast = isoUtc(t);
        if (fast != null) {
            return fast;
        }
        try {
            return Instant.parse(t);
        } catch (DateTimeParseException ignored) {
            // the common cases are above; the rest is rare
        }
        char first = t.charAt(0);
        if ((first >= '0' && first <= '9') || first == '-') {
            Instant numeric = epoch(t);
            if (numeric != null) {
                return numeric;
            }
        }
        String iso = t.replace(' ', 'T');
        if (iso.matches(".*[+-]\\d{2}$") && iso.indexOf('T') > 0) {
            iso = iso + ":00";
        } else if (iso.matches(".*[+-]\\d{4}$") && iso.indexOf('T') > 0) {
            iso = iso.substring(0, iso.length() - 2) + ":" + iso.substring(iso.length() - 2);
        }
        try {
            return OffsetDateTime.parse(iso, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException ignored) {
            // next form
        }
        try {
            return LocalDateTime.parse(iso, DateTimeFormatter.ISO_LOCAL_DATE_TIME).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException ignored) {
            // next form
        }
        try {
            return LocalDate.parse(iso, DateTimeFormatter.ISO_LOCAL_DATE).atStartOfDay().toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException ignored) {
            return null;
        }
    }

    /**
     * {@code yyyy-MM-ddTHH:mm:ss[.fraction]Z}, what every SDK sends, without the formatter
     * machinery (this runs once per event); null for anything else. The schema's parser, so the
     * gateway and the codec read this format the same way.
     */
    static Instant isoUtc(String t) {
        return IsoInstants.parse(t);
    }

    /** Epoch milliseconds (13 digits and more) or seconds, with an optional fraction. */
    public static Instant epoch(String t) {
        if (!t.matches("\\d{1,16}(\\.\\d{1,9})?")) {
            return null;
        }
        int dot = t.indexOf('.');
        String whole = dot < 0 ? t : t.substring(0, dot);
        long value = Long.parseLong(whole);
        boolean millis = whole.length() >= 12;
        long nanosOfUnit = 0;
        if (dot >= 0) {
            String frac = (t.substring(dot + 1) + "000000000").substring(0, 9);
            nanosOfUnit = Long.parseLong(frac);
        }
        return millis
                ? Instant.ofEpochMilli(value).plusNanos(nanosOfUnit / 1_000_000)
                : Instant.ofEpochSecond(value, nanosOfUnit);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
