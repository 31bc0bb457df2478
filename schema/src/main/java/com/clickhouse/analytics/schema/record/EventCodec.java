package com.clickhouse.analytics.schema.record;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonWriteFeature;

/**
 * Reads and writes {@link Event} as compact versioned JSON, the value of every record on the
 * events topic:
 *
 * <pre>{"v":1,"uuid":"…","api_key":"…","event":"…","distinct_id":"…","properties":{…},
 * "timestamp":"2026-01-01T00:00:00.123Z","received_at":"…", …optional fields…}</pre>
 *
 * <p>Optional fields are omitted when null. Unknown fields are ignored, so a newer gateway can add
 * fields without breaking an older writer. Decoding is streaming Jackson (no tree per event);
 * encoding writes the same bytes Jackson's generator would, directly ({@link EventWriter}).
 * Thread-safe.
 *
 * <p><b>Text.</b> Records are UTF-8; characters outside the BMP (emoji) are written as UTF-8, not
 * as escapes. Every string survives exactly, NUL and other control characters included (they are
 * JSON-escaped), with one exception: a lone UTF-16 surrogate, which is not Unicode and has no
 * UTF-8 form, is replaced by U+FFFD on encode and on decode, in plain fields and inside the raw
 * JSON objects alike (see {@link LoneSurrogates}). So {@code decode(encode(e))} equals {@code e}
 * for every event without lone surrogates, and {@code encode(decode(bytes))} reproduces the bytes
 * this codec wrote.
 */
public final class EventCodec {

    public static final int VERSION = 1;

    /**
     * Limits of what {@link #decode} accepts, beyond which a record is an
     * {@link EventDecodingException}. The gateway parses requests with limits no looser than these,
     * so everything it encodes can be decoded.
     */
    public static final StreamReadConstraints READ_LIMITS = StreamReadConstraints.builder()
            .maxNestingDepth(1_000)
            .maxStringLength(64 * 1024 * 1024)
            .maxNameLength(50_000)
            .build();

    private final JsonFactory json;
    private final boolean sliceObjects;
    /** Encoding reuses one buffer per thread: the gateway encodes on its few I/O and worker threads. */
    private final ThreadLocal<EventWriter> writers = ThreadLocal.withInitial(EventWriter::new);

    public EventCodec() {
        this(true);
    }

    /** With {@code sliceObjects} false, every raw object is re-emitted (the reference the tests compare the slices with). */
    EventCodec(boolean sliceObjects) {
        this.sliceObjects = sliceObjects;
        this.json = JsonFactory.builder()
                .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
                .streamReadConstraints(READ_LIMITS)
                .build();
    }

    /**
     * Compact JSON of {@code event}, UTF-8. The raw JSON fields are written as they are (but for
     * lone surrogates): the caller guarantees they are JSON objects (the gateway copies them from a
     * parsed request).
     */
    public byte[] encode(Event event) {
        return writers.get().write(event);
    }

    /**
     * The same record as {@link #encode(Event)}, copying the bytes {@code verbatim} holds for some of
     * the event's strings instead of encoding them (null: none).
     */
    public byte[] encode(Event event, Verbatim verbatim) {
        return writers.get().write(event, verbatim);
    }

    /** Reads one event; any defect of the record is an {@link EventDecodingException} naming it. */
    public Event decode(byte[] bytes) throws EventDecodingException {
        // Records this codec wrote take the direct path; any other layout, and any defect, the parser's.
        Event fast = sliceObjects && bytes != null ? EventReader.read(bytes) : null;
        return fast != null ? fast : decodeWithParser(bytes);
    }

    /** {@link #decode} through the JSON parser only: the reference {@link EventReader} is held to. */
    Event decodeWithParser(byte[] bytes) throws EventDecodingException {
        if (bytes == null || bytes.length == 0) {
            throw new EventDecodingException("empty record");
        }
        try (JsonParser p = json.createParser(bytes)) {
            return read(p, bytes);
        } catch (EventDecodingException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new EventDecodingException("not a valid event record: " + e.getMessage(), e);
        }
    }

    private Event read(JsonParser p, byte[] bytes) throws IOException, EventDecodingException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new EventDecodingException("record is not a JSON object");
        }
        Integer version = null;
        String uuid = null, apiKey = null, event = null, distinctId = null, properties = null;
        String timestamp = null, sentAt = null, receivedAt = null, ip = null, userAgent = null;
        String[] passThrough = null;
        JsonToken token;
        while ((token = p.nextToken()) == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            if (field.equals("v")) {
                version = p.currentToken() == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : -1;
                continue;
            }
            RecordField f = RecordField.byKey(field);
            if (f == null) {
                p.skipChildren(); // forward compatible: a newer producer's field
                continue;
            }
            switch (f) {
                case UUID -> uuid = text(p, field);
                case API_KEY -> apiKey = text(p, field);
                case EVENT -> event = text(p, field);
                case DISTINCT_ID -> distinctId = text(p, field);
                case PROPERTIES -> properties = rawObject(p, field, bytes);
                case TIMESTAMP -> timestamp = text(p, field);
                case SENT_AT -> sentAt = text(p, field);
                case RECEIVED_AT -> receivedAt = text(p, field);
                case IP -> ip = text(p, field);
                case USER_AGENT -> userAgent = text(p, field);
                default -> {
                    if (passThrough == null) {
                        passThrough = PassThrough.newValues();
                    }
                    passThrough[f.slot()] = f.kind() == RecordField.Kind.JSON_OBJECT ? rawObject(p, field, bytes) : text(p, field);
                }
            }
        }
        if (token != JsonToken.END_OBJECT) {
            throw new EventDecodingException("record is not a complete JSON object");
        }
        if (p.nextToken() != null) {
            throw new EventDecodingException("trailing data after the event object");
        }
        if (version == null) {
            throw new EventDecodingException("missing format version \"v\"");
        }
        if (version != VERSION) {
            throw new EventDecodingException("unsupported format version " + version + " (this reader knows " + VERSION + ")");
        }
        return new Event(
                parseUuid(required(uuid, "uuid")),
                apiKey == null ? "" : apiKey,
                required(event, "event"),
                required(distinctId, "distinct_id"),
                properties == null ? "{}" : properties,
                parseInstant(required(timestamp, "timestamp"), "timestamp"),
                sentAt == null ? null : parseInstant(sentAt, "sent_at"),
                receivedAt == null ? parseInstant(timestamp, "timestamp") : parseInstant(receivedAt, "received_at"),
                ip, userAgent, passThrough == null ? PassThrough.NONE : PassThrough.adopt(passThrough));
    }

    private static String text(JsonParser p, String field) throws IOException, EventDecodingException {
        return switch (p.currentToken()) {
            case VALUE_STRING -> LoneSurrogates.replaceIn(p.getText());
            case VALUE_NULL -> null;
            default -> throw new EventDecodingException("field \"" + field + "\" must be a string");
        };
    }

    /**
     * The object's text in its canonical form: compact, as this codec's generator writes it, so
     * identical content always has identical bytes. Numbers are copied as written ({@code 2.50}
     * stays {@code 2.50}, a 30-digit integer keeps its digits): converting them through double would
     * silently change property values.
     *
     * <p>The gateway writes canonical objects, so the object's bytes are normally taken as they
     * are (one UTF-8 decode, no token-by-token copy). Only when they are not canonical — whitespace
     * between tokens, an escape the generator would not write ({@code \\u…}, {@code \\/}), or
     * text that is not well-formed UTF-8 — is the object re-emitted through the generator.
     */
    private String rawObject(JsonParser p, String field, byte[] bytes) throws IOException, EventDecodingException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new EventDecodingException("field \"" + field + "\" must be a JSON object");
        }
        if (!sliceObjects) {
            return reEmitted(p, field);
        }
        long start = p.currentTokenLocation().getByteOffset();
        // Still checks syntax, nesting depth and name lengths. Duplicate names are kept as sent: the
        // gateway accepts them (as PostHog does), so refusing them here would dead-letter accepted events.
        p.skipChildren();
        if (p.currentToken() != JsonToken.END_OBJECT) {
            throw new EventDecodingException("field \"" + field + "\" is an incomplete JSON object");
        }
        long end = p.currentTokenLocation().getByteOffset() + 1;
        if (start < 0 || end > bytes.length || end - start > READ_LIMITS.getMaxStringLength()
                || bytes[(int) start] != '{' || bytes[(int) end - 1] != '}') {
            throw new EventDecodingException("field \"" + field + "\": cannot locate the object in the record");
        }
        String canonical = canonicalSlice(bytes, (int) start, (int) end);
        if (canonical != null) {
            return canonical;
        }
        try (JsonParser object = json.createParser(bytes, (int) start, (int) (end - start))) {
            object.nextToken();
            return reEmitted(object, field);
        }
    }

    /**
     * {@code bytes[start, end)} (a syntactically valid JSON object) as a string if it is exactly
     * what {@link #reEmitted} would produce for it, else null: no whitespace outside strings, only
     * the escapes the generator writes for {@code "}, {@code \\} and the control characters with a
     * short form, and well-formed UTF-8 (so no lone surrogate can appear).
     */
    static String canonicalSlice(byte[] bytes, int start, int end) {
        boolean inString = false;
        boolean ascii = true;
        for (int i = start; i < end; i++) {
            byte b = bytes[i];
            if (b < 0) {
                ascii = false;
            } else if (inString) {
                if (b == '"') {
                    inString = false;
                } else if (b == '\\') {
                    switch (bytes[++i]) {
                        case '"', '\\', 'b', 't', 'n', 'f', 'r' -> { }
                        default -> {
                            return null; // \\u… (the generator writes most characters unescaped) or \\/
                        }
                    }
                }
            } else if (b == '"') {
                inString = true;
            } else if (b == ' ' || b == '\n' || b == '\r' || b == '\t') {
                return null;
            }
        }
        String text = new String(bytes, start, end - start, StandardCharsets.UTF_8);
        // Malformed UTF-8 (also encoded surrogates) decodes to U+FFFD: let the generator path decide
        // what the parser makes of it. A genuine U+FFFD merely takes the slow path.
        return ascii || text.indexOf('\uFFFD') < 0 ? text : null;
    }

    /** The object at the parser's current START_OBJECT, re-emitted token by token. */
    private String reEmitted(JsonParser p, String field) throws IOException, EventDecodingException {
        var out = new java.io.StringWriter(256);
        try (JsonGenerator gen = json.createGenerator(out)) {
            int depth = 0;
            do {
                JsonToken token = p.currentToken();
                switch (token) {
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> gen.writeNumber(p.getText());
                    case START_OBJECT, START_ARRAY -> {
                        gen.copyCurrentEvent(p);
                        depth++;
                    }
                    case END_OBJECT, END_ARRAY -> {
                        gen.copyCurrentEvent(p);
                        depth--;
                    }
                    default -> gen.copyCurrentEvent(p);
                }
            } while (depth > 0 && p.nextToken() != null);
            if (depth > 0) {
                throw new EventDecodingException("field \"" + field + "\" is an incomplete JSON object");
            }
        }
        return LoneSurrogates.replaceInJson(out.toString());
    }

    private static String required(String value, String field) throws EventDecodingException {
        if (value == null) {
            throw new EventDecodingException("missing required field \"" + field + "\"");
        }
        return value;
    }

    private static UUID parseUuid(String text) throws EventDecodingException {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw new EventDecodingException("field \"uuid\" is not a UUID: " + abbreviate(text));
        }
    }

    static Instant parseInstant(String text, String field) throws EventDecodingException {
        Instant fast = IsoInstants.parse(text);
        if (fast != null) {
            return fast;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new EventDecodingException("field \"" + field + "\" is not an ISO-8601 instant: " + abbreviate(text));
        }
    }

    static final int UUID_LENGTH = 36;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** {@link UUID#toString()}'s text (lower-case hex, 8-4-4-4-12) into {@code out}; returns 36. */
    static int writeUuid(UUID uuid, char[] out) {
        long msb = uuid.getMostSignificantBits();
        long lsb = uuid.getLeastSignificantBits();
        hex(out, 0, msb >>> 32, 8);
        out[8] = '-';
        hex(out, 9, msb >>> 16, 4);
        out[13] = '-';
        hex(out, 14, msb, 4);
        out[18] = '-';
        hex(out, 19, lsb >>> 48, 4);
        out[23] = '-';
        hex(out, 24, lsb, 12);
        return UUID_LENGTH;
    }

    private static void hex(char[] out, int at, long value, int digits) {
        for (int i = at + digits - 1; i >= at; i--) {
            out[i] = HEX[(int) (value & 0xF)];
            value >>>= 4;
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "…";
    }
}
