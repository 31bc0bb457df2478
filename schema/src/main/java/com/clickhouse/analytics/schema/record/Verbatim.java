package com.clickhouse.analytics.schema.record;

import java.util.Arrays;

/**
 * Bytes the caller already holds for some of one event's strings, exactly as the record holds
 * them, so that {@link EventCodec#encode(Event, Verbatim)} copies them instead of encoding the
 * strings again. The gateway reads an event's strings out of the request body: a JSON string that
 * had no escape there is, between its quotes, byte for byte what the record's writer would write
 * for it, and so is a raw JSON object without a backslash.
 *
 * <p>Entries are found by identity — the very {@code String} instance made from those bytes — so a
 * value the caller replaced on the way (a trimmed id, a default event name) is encoded as usual.
 * The caller vouches for the bytes: valid UTF-8, and for a string none of {@code "}, {@code \} or a
 * control character. Not thread-safe; one per event.
 */
public final class Verbatim {

    private final byte[] source;
    private String[] values = new String[8];
    /** Start and end in {@link #source} of each entry, two ints per entry. */
    private int[] spans = new int[16];
    private int count;

    public Verbatim(byte[] source) {
        this.source = source;
    }

    /** {@code value} is {@code source[start, end)} — for a string, without its quotes. */
    public void add(String value, int start, int end) {
        if (count == values.length) {
            values = Arrays.copyOf(values, 2 * count);
            spans = Arrays.copyOf(spans, 4 * count);
        }
        values[count] = value;
        spans[2 * count] = start;
        spans[2 * count + 1] = end;
        count++;
    }

    /** The entry for this very instance, or -1. */
    int indexOf(String value) {
        for (int i = 0; i < count; i++) {
            if (values[i] == value) {
                return i;
            }
        }
        return -1;
    }

    byte[] source() {
        return source;
    }

    int start(int entry) {
        return spans[2 * entry];
    }

    int end(int entry) {
        return spans[2 * entry + 1];
    }
}
