package com.clickhouse.analytics.schema.record;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Kafka record's fields, declared once, in the order {@link EventWriter} writes them and
 * {@link EventReader} expects them: key, kind, whether the field is one of {@link Event}'s typed
 * components or a pass-through string, and the {@code events} column it fills. The record writer,
 * both readers ({@link EventReader} and {@link EventCodec}'s Jackson path) and the writer tier's
 * column map iterate this table; {@code RecordFieldTest} fails when one of them misses an entry.
 *
 * <p><b>Two sorts of field.</b> The ten <em>core</em> fields are typed components of
 * {@link Event} (a UUID, instants, strings the gateway computes: the api key it authorized, the
 * distinct id it trimmed, the clock-corrected timestamp, the request's ip and user agent); each
 * tier's logic reads them by name, and the record writer and reader spell them out, because their
 * per-field tricks (a request-wide cache for the api key, ip and user agent; one instant cache per
 * timestamp field) are what keeps encoding cheap. Every other field is <em>pass-through</em>: a
 * string or raw JSON object that the gateway copies from the capture body and the writer copies to
 * a column, with no logic in between. Those are carried in {@link Event#passThrough()} indexed by
 * their {@link #slot()}, so adding one is one entry here (and one in the gateway's capture table):
 * no record component, constructor argument, codec branch or column mapping to add. New fields go
 * last: the reader's fast path expects the writer's order, and an older writer ignores unknown keys.
 */
public enum RecordField {

    UUID("uuid", Kind.UUID, false, "uuid"),
    API_KEY("api_key", Kind.STRING, false, "api_key"),
    EVENT("event", Kind.STRING, false, "event"),
    DISTINCT_ID("distinct_id", Kind.STRING, false, "distinct_id"),
    PROPERTIES("properties", Kind.JSON_OBJECT, false, "properties"),
    TIMESTAMP("timestamp", Kind.INSTANT, false, "timestamp"),
    SENT_AT("sent_at", Kind.INSTANT, false, "sent_at"),
    RECEIVED_AT("received_at", Kind.INSTANT, false, "received_at"),
    IP("ip", Kind.STRING, false, "ip"),
    USER_AGENT("user_agent", Kind.STRING, false, "user_agent"),

    SESSION_ID("session_id", Kind.STRING, true, "session_id"),
    WINDOW_ID("window_id", Kind.STRING, true, "window_id"),
    CURRENT_URL("current_url", Kind.STRING, true, "current_url"),
    HOST("host", Kind.STRING, true, "host"),
    ELEMENTS_CHAIN("elements_chain", Kind.STRING, true, "elements_chain"),
    SET("$set", Kind.JSON_OBJECT, true, "set_properties"),
    SET_ONCE("$set_once", Kind.JSON_OBJECT, true, "set_once_properties"),
    ANON_DISTINCT_ID("$anon_distinct_id", Kind.STRING, true, "anon_distinct_id"),
    ALIAS("alias", Kind.STRING, true, "alias"),
    /**
     * The capture body's top-level {@code $unset}: the exact text of a JSON array of keys (or of an
     * object, whose keys are meant), carried as a string because the record's raw values are objects.
     */
    UNSET("$unset", Kind.STRING, true, "unset_properties"),
    /**
     * The project the gateway accepted the event for, written only when it differs from
     * {@link #API_KEY} (a key named {@code project:key}, or a keyless request from an origin that
     * names its project): records of a bare-key configuration stay byte-identical, and a record
     * without it, older ones included, belongs to the project named like its api key
     * ({@link Event#project()}). No column of its own: the writer fills {@code events.project}
     * from {@link Event#project()}, which is never absent.
     */
    PROJECT("project", Kind.STRING, true, null);

    /** What a field's value is, in {@link Event} and on the wire. */
    public enum Kind {
        /** A {@link java.util.UUID}, written as its canonical text. */
        UUID,
        /** A string, JSON-escaped. */
        STRING,
        /** The raw text of a JSON object, written as it is (the codec's canonical form). */
        JSON_OBJECT,
        /** An {@link java.time.Instant}, written as ISO-8601 text. */
        INSTANT
    }

    /** The pass-through fields, in record order; {@code PASS_THROUGH.get(f.slot()) == f}. */
    public static final List<RecordField> PASS_THROUGH;
    /** The same, as an array for the codec's loops. */
    static final RecordField[] PASS_THROUGH_ARRAY;
    private static final Map<String, RecordField> BY_KEY = new HashMap<>();

    static {
        List<RecordField> passThrough = new ArrayList<>();
        for (RecordField f : values()) {
            if (f.passThrough) {
                f.slot = passThrough.size();
                passThrough.add(f);
            }
            BY_KEY.put(f.key, f);
        }
        PASS_THROUGH = List.copyOf(passThrough);
        PASS_THROUGH_ARRAY = passThrough.toArray(new RecordField[0]);
    }

    private final String key;
    private final Kind kind;
    private final boolean passThrough;
    private final String column;
    /** {@code ,"key":} — what opens the field in a record. */
    final byte[] prefix;
    private int slot = -1;

    /**
     * @param column the {@code events} column the writer fills with the value, or null for a
     *               record-only field (no column: a test checks every named column exists)
     */
    RecordField(String key, Kind kind, boolean passThrough, String column) {
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') {
                throw new IllegalArgumentException("record keys are plain ASCII: " + key);
            }
        }
        if (passThrough && kind != Kind.STRING && kind != Kind.JSON_OBJECT) {
            throw new IllegalArgumentException("pass-through fields are strings or JSON objects: " + key);
        }
        this.key = key;
        this.kind = kind;
        this.passThrough = passThrough;
        this.column = column;
        this.prefix = (",\"" + key + "\":").getBytes(StandardCharsets.US_ASCII);
    }

    /** The field's key in the record's JSON. */
    public String key() {
        return key;
    }

    public Kind kind() {
        return kind;
    }

    /** Whether the field is carried in {@link Event#passThrough()} rather than as a typed component. */
    public boolean isPassThrough() {
        return passThrough;
    }

    /** The pass-through field's index in {@link #PASS_THROUGH}; -1 for a core field. */
    public int slot() {
        return slot;
    }

    /** The {@code events} column this field fills, or null when it is not stored in a column. */
    public String column() {
        return column;
    }

    /** The field with this record key, or null. */
    public static RecordField byKey(String key) {
        return BY_KEY.get(key);
    }

    /** The accessor: this field's value in {@code e} (a UUID, an Instant or a String), null when absent. */
    public Object valueOf(Event e) {
        if (passThrough) {
            return e.passThrough().get(this);
        }
        return switch (this) {
            case UUID -> e.uuid();
            case API_KEY -> e.apiKey();
            case EVENT -> e.event();
            case DISTINCT_ID -> e.distinctId();
            case PROPERTIES -> e.properties();
            case TIMESTAMP -> e.timestamp();
            case SENT_AT -> e.sentAt();
            case RECEIVED_AT -> e.receivedAt();
            case IP -> e.ip();
            case USER_AGENT -> e.userAgent();
            default -> throw new AssertionError(this); // every core field has its component
        };
    }
}
