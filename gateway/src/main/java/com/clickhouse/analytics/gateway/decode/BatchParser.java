package com.clickhouse.analytics.gateway.decode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.ops.logging.Messages;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;

/**
 * Reads the JSON of a capture request in one streaming pass — no tree, no re-serialization:
 * {@code properties}, {@code $set} and {@code $set_once} are taken as byte slices of the request.
 * Two readers with one result: {@link BatchScanner} reads plainly valid bodies without a general
 * parser; everything else — and every error message — comes from Jackson's streaming parser.
 *
 * <p>Accepted shapes: an envelope {@code {"api_key"|"token", "batch": [...], "sent_at"?,
 * "historical_migration"?}}, a bare array of events, a single event object.
 *
 * <p>Limits: nesting depth {@value #MAX_DEPTH}, strings no longer than the body limit, at most
 * {@code maxEvents} events (413 beyond, found while reading, not after). Wrong types are a 400
 * naming the field. Thread-safe.
 */
public final class BatchParser implements CaptureReader {

    static final int MAX_DEPTH = 100;

    private final JsonFactory json;
    private final int maxEvents;

    public BatchParser(int maxEvents, int maxStringBytes) {
        if (maxEvents < 1) {
            throw new IllegalArgumentException("maxEvents must be positive");
        }
        this.maxEvents = maxEvents;
        this.json = jsonFactory(maxStringBytes);
    }

    /** Jackson with the capture limits (depth, string and number lengths); {@link SegmentParser} reads with it too. */
    static JsonFactory jsonFactory(int maxStringBytes) {
        return JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_DEPTH)
                        .maxStringLength(Math.max(1024, maxStringBytes))
                        .maxNumberLength(400)
                        .build())
                .build();
    }

    /**
     * Parses {@code bytes[0, length)}, which must hold exactly one JSON value in valid UTF-8
     * ({@link PayloadDecoder} checks the encoding first).
     */
    public RawBatch parse(byte[] bytes, int length) throws GatewayError {
        RawBatch plain = BatchScanner.scan(bytes, length, maxEvents);
        return plain != null ? plain : parseWithJackson(bytes, length);
    }

    /** {@link #parse(byte[], int)} of what the {@link PayloadDecoder} made of a body. */
    public RawBatch parse(PayloadDecoder.Json json) throws GatewayError {
        return parse(json.bytes(), json.length());
    }

    /** PostHog's bodies carry their key inside: the {@code Authorization} header is not read. */
    @Override
    public RawBatch read(PayloadDecoder.Json json, String authorization) throws GatewayError {
        return parse(json);
    }

    /** The reference reading, and the one that names what is wrong with a payload. */
    RawBatch parseWithJackson(byte[] bytes, int length) throws GatewayError {
        try (JsonParser p = json.createParser(bytes, 0, length)) {
            RawBatch batch = root(p, bytes);
            if (p.nextToken() != null) {
                throw GatewayError.badRequest("malformed JSON: trailing data after the payload");
            }
            return batch;
        } catch (GatewayError e) {
            throw e;
        } catch (StreamConstraintsException e) {
            throw GatewayError.badRequest("malformed JSON: " + unreadable(e.getOriginalMessage()));
        } catch (IOException | RuntimeException e) {
            // Jackson's messages quote at most a short snippet of the input, never headers.
            String message = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw GatewayError.badRequest("malformed JSON: " + unreadable(message));
        }
    }

    static GatewayError tooManyEvents(int maxEvents) {
        return GatewayError.tooLarge("more than " + maxEvents + " events in one request (MAX_EVENTS_PER_BATCH)");
    }

    private RawBatch root(JsonParser p, byte[] bytes) throws IOException, GatewayError {
        JsonToken first = p.nextToken();
        if (first == JsonToken.START_ARRAY) {
            return new RawBatch(null, null, false, events(p, bytes));
        }
        if (first != JsonToken.START_OBJECT) {
            throw GatewayError.badRequest("payload must be a JSON object or array");
        }
        EventFields top = new EventFields();
        List<RawBatch.RawEvent> batch = null;
        String sentAt = null;
        boolean historical = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            CaptureField field = CaptureField.envelopeMember(p.currentName());
            JsonToken value = p.nextToken();
            switch (field) {
                case BATCH -> {
                    if (value != JsonToken.START_ARRAY) {
                        throw GatewayError.badRequest("field 'batch' must be an array");
                    }
                    batch = events(p, bytes);
                }
                case SENT_AT -> sentAt = string(p, field);
                case HISTORICAL_MIGRATION -> {
                    historical = value == JsonToken.VALUE_TRUE
                            || (value == JsonToken.VALUE_STRING && "true".equalsIgnoreCase(p.getText()));
                    p.skipChildren();
                }
                case null -> p.skipChildren();
                default -> member(top, field, p, bytes);
            }
        }
        if (batch != null) {
            return new RawBatch(top.token(), sentAt, historical, batch);
        }
        return new RawBatch(top.token(), sentAt, historical, List.of(top.toEvent()));
    }

    private List<RawBatch.RawEvent> events(JsonParser p, byte[] bytes) throws IOException, GatewayError {
        List<RawBatch.RawEvent> events = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.START_OBJECT) {
                throw GatewayError.badRequest("event " + events.size() + " is not a JSON object");
            }
            if (events.size() == maxEvents) {
                throw tooManyEvents(maxEvents);
            }
            EventFields fields = new EventFields();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                CaptureField field = CaptureField.eventMember(p.currentName());
                p.nextToken();
                member(fields, field, p, bytes);
            }
            events.add(fields.toEvent());
        }
        return events;
    }

    /**
     * Reads the value of member {@code field} (null: one nobody reads) of an event or properties
     * object as its {@link CaptureField.Value} says; the parser is on the value's first token.
     */
    private static void member(EventFields fields, CaptureField field, JsonParser p, byte[] bytes) throws IOException, GatewayError {
        if (field == null) {
            p.skipChildren();
            return;
        }
        switch (field.value()) {
            case STRING -> fields.set(field, string(p, field));
            case ID -> fields.set(field, id(p, field.label()));
            case TIMESTAMP -> fields.set(field, timestamp(p));
            case OFFSET -> fields.set(field, offset(p));
            case OBJECT -> fields.set(field, object(p, bytes, field.label(), false));
            case KEYS -> fields.set(field, object(p, bytes, field.label(), true));
            case OPTIONAL_STRING -> fields.set(field, optionalString(p));
            case LENIENT_ID -> fields.set(field, lenientId(p));
            case FLAG -> {
                fields.set(field, p.currentToken() == JsonToken.VALUE_TRUE);
                p.skipChildren();
            }
            case PROPERTIES -> properties(fields, field, p, bytes);
            case EVENTS -> throw new IllegalArgumentException(field + " is not a member of an event");
        }
    }

    private static void properties(EventFields fields, CaptureField field, JsonParser p, byte[] bytes) throws IOException, GatewayError {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return;
        }
        if (t != JsonToken.START_OBJECT) {
            throw GatewayError.badRequest("field 'properties' must be a JSON object");
        }
        int start = (int) p.currentTokenLocation().getByteOffset();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            CaptureField member = CaptureField.propertiesMember(p.currentName());
            p.nextToken();
            member(fields, member, p, bytes);
        }
        int end = (int) p.currentLocation().getByteOffset();
        fields.set(field, new String(bytes, start, end - start, StandardCharsets.UTF_8));
    }

    private static String string(JsonParser p, CaptureField field) throws IOException, GatewayError {
        return string(p, field.label());
    }

    private static String string(JsonParser p, String field) throws IOException, GatewayError {
        return switch (p.currentToken()) {
            case VALUE_STRING -> p.getText();
            case VALUE_NULL -> null;
            default -> throw GatewayError.badRequest("field '" + field + "' must be a string");
        };
    }

    /** A string-valued property, or null for any other type (properties are free-form). */
    private static String optionalString(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        p.skipChildren();
        return null;
    }

    private static String id(JsonParser p, String field) throws IOException, GatewayError {
        return switch (p.currentToken()) {
            case VALUE_STRING, VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getText();
            case VALUE_NULL -> null;
            default -> throw GatewayError.badRequest("field '" + field + "' must be a string or a number");
        };
    }

    private static String lenientId(JsonParser p) throws IOException {
        return switch (p.currentToken()) {
            case VALUE_STRING, VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getText();
            default -> {
                p.skipChildren();
                yield null;
            }
        };
    }

    private static String timestamp(JsonParser p) throws IOException, GatewayError {
        return switch (p.currentToken()) {
            case VALUE_STRING, VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getText();
            case VALUE_NULL -> null;
            default -> throw GatewayError.badRequest("field 'timestamp' must be an ISO-8601 string");
        };
    }

    private static Long offset(JsonParser p) throws IOException, GatewayError {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            return p.getLongValue();
        }
        throw GatewayError.badRequest("field 'offset' must be an integer number of milliseconds");
    }

    /** An object's (or, with {@code keys}, also an array's) exact text, or null. */
    private static String object(JsonParser p, byte[] bytes, String field, boolean keys) throws IOException, GatewayError {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.START_OBJECT && !(keys && t == JsonToken.START_ARRAY)) {
            throw GatewayError.badRequest("field '" + field + "' must be a JSON " + (keys ? "array of keys or an object" : "object"));
        }
        int start = (int) p.currentTokenLocation().getByteOffset();
        p.skipChildren();
        int end = (int) p.currentLocation().getByteOffset();
        return new String(bytes, start, end - start, StandardCharsets.UTF_8);
    }

    /** A parser's message for the client: its first line, capped; Jackson's later lines only locate the error. */
    static String unreadable(String message) {
        return Messages.firstLine(message == null ? "unreadable" : message, 200);
    }
}
