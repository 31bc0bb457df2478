package com.clickhouse.analytics.gateway.decode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.clickhouse.analytics.schema.record.RecordField;

/**
 * The capture body's members, declared once: where a member sits, its JSON name, what value it
 * takes, and where the value goes. Both readers dispatch through this table — {@link BatchParser}'s
 * Jackson path by name, {@link BatchScanner} through a by-length lookup built from it — and both
 * hand the value to {@link EventFields#set}, so they cannot disagree on a member
 * ({@code CaptureFieldTest} reads every entry through both).
 *
 * <p>A member that only carries a string or object into the record is <em>pass-through</em>: its
 * target is a {@link RecordField} slot, and adding such a field is one entry here plus one there.
 * The other members feed the normalizer's rules (the event name, ids, keys, timestamps) and name a
 * {@link Target} of {@link EventFields}.
 */
enum CaptureField {

    // The envelope's own members; the readers handle these three themselves.
    BATCH(Scope.ENVELOPE, "batch", Value.EVENTS, null),
    SENT_AT(Scope.ENVELOPE, "sent_at", Value.STRING, null),
    HISTORICAL_MIGRATION(Scope.ENVELOPE, "historical_migration", Value.FLAG, null),

    EVENT(Scope.EVENT, "event", Value.STRING, Target.EVENT),
    DISTINCT_ID(Scope.EVENT, "distinct_id", Value.ID, Target.DISTINCT_ID),
    DOLLAR_DISTINCT_ID(Scope.EVENT, "$distinct_id", Value.ID, Target.DISTINCT_ID),
    PROPERTIES(Scope.EVENT, "properties", Value.PROPERTIES, Target.PROPERTIES),
    TIMESTAMP(Scope.EVENT, "timestamp", Value.TIMESTAMP, Target.TIMESTAMP),
    OFFSET(Scope.EVENT, "offset", Value.OFFSET, Target.OFFSET),
    UUID(Scope.EVENT, "uuid", Value.STRING, Target.UUID),
    API_KEY(Scope.EVENT, "api_key", Value.STRING, Target.TOKEN),
    TOKEN(Scope.EVENT, "token", Value.STRING, Target.TOKEN),
    SET(Scope.EVENT, "$set", Value.OBJECT, RecordField.SET, false),
    SET_ONCE(Scope.EVENT, "$set_once", Value.OBJECT, RecordField.SET_ONCE, false),
    UNSET(Scope.EVENT, "$unset", Value.KEYS, RecordField.UNSET, false),
    ELEMENTS_CHAIN(Scope.EVENT, "elements_chain", Value.OPTIONAL_STRING, RecordField.ELEMENTS_CHAIN, false),

    PROPERTIES_DISTINCT_ID(Scope.PROPERTIES, "distinct_id", Value.LENIENT_ID, Target.PROPERTIES_DISTINCT_ID),
    PROPERTIES_DOLLAR_DISTINCT_ID(Scope.PROPERTIES, "$distinct_id", Value.LENIENT_ID, Target.PROPERTIES_DOLLAR_DISTINCT_ID),
    PROPERTIES_TOKEN(Scope.PROPERTIES, "token", Value.OPTIONAL_STRING, Target.PROPERTIES_TOKEN),
    PROPERTIES_SET(Scope.PROPERTIES, "$set", Value.OBJECT, RecordField.SET, true),
    PROPERTIES_SET_ONCE(Scope.PROPERTIES, "$set_once", Value.OBJECT, RecordField.SET_ONCE, true),
    SESSION_ID(Scope.PROPERTIES, "$session_id", Value.OPTIONAL_STRING, RecordField.SESSION_ID, false),
    WINDOW_ID(Scope.PROPERTIES, "$window_id", Value.OPTIONAL_STRING, RecordField.WINDOW_ID, false),
    CURRENT_URL(Scope.PROPERTIES, "$current_url", Value.OPTIONAL_STRING, RecordField.CURRENT_URL, false),
    HOST(Scope.PROPERTIES, "$host", Value.OPTIONAL_STRING, RecordField.HOST, false),
    PROPERTIES_ELEMENTS_CHAIN(Scope.PROPERTIES, "$elements_chain", Value.OPTIONAL_STRING, RecordField.ELEMENTS_CHAIN, false),
    ANON_DISTINCT_ID(Scope.PROPERTIES, "$anon_distinct_id", Value.OPTIONAL_STRING, RecordField.ANON_DISTINCT_ID, false),
    ALIAS(Scope.PROPERTIES, "alias", Value.OPTIONAL_STRING, RecordField.ALIAS, false),
    IGNORE_SENT_AT(Scope.PROPERTIES, "$ignore_sent_at", Value.FLAG, Target.IGNORE_SENT_AT);

    /** Which object a member belongs to. An envelope also takes the members of an event (a single event). */
    enum Scope { ENVELOPE, EVENT, PROPERTIES }

    /** What a member's value may be, and what the readers do with any other value. */
    enum Value {
        /** A string or null; any other type is a 400 naming the field. */
        STRING,
        /** A string or a number (as its JSON text) or null; else a 400. */
        ID,
        /** ISO-8601 text or an epoch number (as its JSON text) or null; else a 400. */
        TIMESTAMP,
        /** An integer that fits a long, or null; else a 400. */
        OFFSET,
        /** A JSON object, kept as its exact text, or null; else a 400. */
        OBJECT,
        /**
         * A JSON array (of keys) or object (whose keys are meant), kept as its exact text in a string
         * field, or null; else a 400.
         */
        KEYS,
        /** A string; any other value is ignored (properties are free-form). */
        OPTIONAL_STRING,
        /** A string or a number (as its JSON text); any other value is ignored. */
        LENIENT_ID,
        /** {@code true}; any other value counts as false (the envelope also takes the string "true"). */
        FLAG,
        /** The properties object: its members are read from the {@link Scope#PROPERTIES} entries, its exact text kept. */
        PROPERTIES,
        /** The envelope's array of event objects. */
        EVENTS
    }

    /** Where {@link EventFields} keeps a value that is not pass-through (the normalizer's inputs). */
    enum Target {
        EVENT, DISTINCT_ID, PROPERTIES, TIMESTAMP, OFFSET, UUID, TOKEN, PROPERTIES_DISTINCT_ID,
        PROPERTIES_DOLLAR_DISTINCT_ID, PROPERTIES_TOKEN, IGNORE_SENT_AT
    }

    private static final Map<String, CaptureField> ENVELOPE = new HashMap<>();
    private static final Map<String, CaptureField> EVENT_MEMBERS = new HashMap<>();
    private static final Map<String, CaptureField> PROPERTY_MEMBERS = new HashMap<>();

    static {
        for (CaptureField f : values()) {
            Map<String, CaptureField> scope = switch (f.scope) {
                case ENVELOPE -> ENVELOPE;
                case EVENT -> EVENT_MEMBERS;
                case PROPERTIES -> PROPERTY_MEMBERS;
            };
            if (scope.put(f.name, f) != null) {
                throw new ExceptionInInitializerError("two capture fields named " + f.name + " in " + f.scope);
            }
        }
    }

    private final Scope scope;
    private final String name;
    private final Value value;
    private final Target target;
    private final RecordField record;
    private final boolean preferred;
    /** The name's UTF-8 bytes, as the scanner compares them. */
    final byte[] bytes;

    CaptureField(Scope scope, String name, Value value, Target target) {
        this(scope, name, value, target, null, false);
    }

    /**
     * A pass-through member.
     *
     * @param preferred whether a value from here wins over one from a member with the same record
     *                  field that is not preferred, in whatever order they come ({@code properties.$set}
     *                  over a top-level {@code $set}); between equals, the last one read wins
     */
    CaptureField(Scope scope, String name, Value value, RecordField record, boolean preferred) {
        this(scope, name, value, null, record, preferred);
        if (!record.isPassThrough()) {
            throw new IllegalArgumentException(name + ": " + record + " is not a pass-through field");
        }
        if (value != Value.OBJECT && value != Value.KEYS && value != Value.OPTIONAL_STRING && value != Value.STRING) {
            throw new IllegalArgumentException(name + ": a pass-through member takes a string, an object or keys");
        }
    }

    private CaptureField(Scope scope, String name, Value value, Target target, RecordField record, boolean preferred) {
        this.scope = scope;
        this.name = name;
        this.value = value;
        this.target = target;
        this.record = record;
        this.preferred = preferred;
        this.bytes = name.getBytes(StandardCharsets.UTF_8);
    }

    Scope scope() {
        return scope;
    }

    /** The member's JSON name. */
    String jsonName() {
        return name;
    }

    Value value() {
        return value;
    }

    /** Where a non-pass-through value goes; null for pass-through members and the envelope's own. */
    Target target() {
        return target;
    }

    /** The record field a pass-through member fills, else null. */
    RecordField record() {
        return record;
    }

    boolean preferred() {
        return preferred;
    }

    /** How error messages name the member: {@code properties.$set}, {@code distinct_id}. */
    String label() {
        return scope == Scope.PROPERTIES ? "properties." + name : name;
    }

    /** A member of an event object, or null. */
    static CaptureField eventMember(String name) {
        return EVENT_MEMBERS.get(name);
    }

    /** A member of an envelope (its own, then an event's: a single event), or null. */
    static CaptureField envelopeMember(String name) {
        CaptureField f = ENVELOPE.get(name);
        return f != null ? f : EVENT_MEMBERS.get(name);
    }

    /** A member of a properties object, or null. */
    static CaptureField propertiesMember(String name) {
        return PROPERTY_MEMBERS.get(name);
    }

    /** The entries of these scopes, in table order. */
    static List<CaptureField> inScopes(Scope... scopes) {
        List<CaptureField> fields = new ArrayList<>();
        for (CaptureField f : values()) {
            for (Scope s : scopes) {
                if (f.scope == s) {
                    fields.add(f);
                }
            }
        }
        return fields;
    }
}
