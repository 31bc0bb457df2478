package com.clickhouse.analytics.schema.record;

import java.util.Arrays;
import java.util.StringJoiner;

/**
 * The pass-through fields of one event ({@link RecordField#PASS_THROUGH}): strings and raw JSON
 * objects copied from the capture body to the record and from the record to the {@code events}
 * table, null when absent. A value; immutable once made.
 *
 * <p>One array slot per field rather than a record component per field, so that a new field is
 * one {@link RecordField} entry and not a change to every {@code new Event(...)} in the code base.
 */
public final class PassThrough {

    private static final int SIZE = RecordField.PASS_THROUGH.size();

    /** No pass-through field present. */
    public static final PassThrough NONE = new PassThrough(new String[SIZE]);

    /** By {@link RecordField#slot()}; never modified after construction. */
    final String[] values;

    private PassThrough(String[] values) {
        this.values = values;
    }

    /**
     * The fields in {@code valuesBySlot}, taking the array over without a copy (this is on the
     * gateway's and the writer's per-event path): the caller must not touch it afterwards. Raw JSON
     * fields must hold JSON objects, as {@link Event} requires.
     */
    public static PassThrough adopt(String[] valuesBySlot) {
        if (valuesBySlot.length != SIZE) {
            throw new IllegalArgumentException("expected " + SIZE + " pass-through values, got " + valuesBySlot.length);
        }
        return new PassThrough(valuesBySlot);
    }

    /** A new array for {@link #adopt}, one slot per pass-through field. */
    public static String[] newValues() {
        return new String[SIZE];
    }

    /** The value of pass-through field {@code field}, or null. */
    public String get(RecordField field) {
        return values[slotOf(field)];
    }

    /** A copy with {@code field} set to {@code value} (null: absent). */
    public PassThrough with(RecordField field, String value) {
        String[] copy = values.clone();
        copy[slotOf(field)] = value;
        return new PassThrough(copy);
    }

    private static int slotOf(RecordField field) {
        int slot = field.slot();
        if (slot < 0) {
            throw new IllegalArgumentException(field + " is a core field of Event, not a pass-through one");
        }
        return slot;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PassThrough other && Arrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        StringJoiner s = new StringJoiner(", ", "{", "}");
        for (RecordField f : RecordField.PASS_THROUGH) {
            String v = values[f.slot()];
            if (v != null) {
                s.add(f.key() + "=" + v);
            }
        }
        return s.toString();
    }
}
