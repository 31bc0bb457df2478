package com.clickhouse.analytics.schema.record;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Reads a record laid out exactly as {@link EventWriter} writes it — the fields in its order, no
 * whitespace, strings without escapes, raw objects in canonical form — straight from the bytes,
 * without a JSON parser. Anything else (another producer's field order, an escape, an unknown
 * field, a number it does not know to be valid…) returns {@code null} and the codec's Jackson path
 * decides, so the result is always the one that path would give (EventReaderTest checks this on
 * random and mutated records).
 *
 * <p>Why: the writer decodes every record, and the general path (streaming Jackson, a string per
 * field, a full tokenization of every raw object) was about 40 % of its CPU time.
 */
final class EventReader {

    /** Deeper raw objects are left to the general path, which enforces the codec's nesting limit. */
    private static final int MAX_DEPTH = 200;
    /** Longer numbers are left to the general path, which enforces Jackson's number-length limit. */
    private static final int MAX_NUMBER_LENGTH = 100;
    /** Longer names are left to the general path, which enforces the codec's name-length limit. */
    private static final int MAX_NAME_BYTES = 1_000;

    private final byte[] b;
    private int at;

    private EventReader(byte[] bytes) {
        this.b = bytes;
    }

    /** The event, or null when the record is not in the writer's exact layout (or not valid). */
    static Event read(byte[] bytes) {
        if (bytes.length > EventCodec.READ_LIMITS.getMaxStringLength()) {
            return null;
        }
        try {
            return new EventReader(bytes).event();
        } catch (EventDecodingException | RuntimeException notThisLayout) {
            return null; // the general path reads it or names what is wrong with it
        }
    }

    private Event event() throws EventDecodingException {
        if (!skip(EventWriter.START) || at + EventCodec.UUID_LENGTH + 1 > b.length) {
            return null;
        }
        UUID uuid = uuid(at);
        at += EventCodec.UUID_LENGTH;
        if (uuid == null || b[at++] != '"') {
            return null;
        }
        String apiKey = field(RecordField.API_KEY.prefix);
        String event = field(RecordField.EVENT.prefix);
        String distinctId = field(RecordField.DISTINCT_ID.prefix);
        String properties = skip(RecordField.PROPERTIES.prefix) ? object() : null;
        String timestamp = field(RecordField.TIMESTAMP.prefix);
        String sentAt = field(RecordField.SENT_AT.prefix);
        String receivedAt = field(RecordField.RECEIVED_AT.prefix);
        String ip = field(RecordField.IP.prefix);
        String userAgent = field(RecordField.USER_AGENT.prefix);
        String[] passThrough = null;
        for (RecordField f : RecordField.PASS_THROUGH_ARRAY) {
            if (skip(f.prefix)) {
                if (passThrough == null) {
                    passThrough = PassThrough.newValues();
                }
                passThrough[f.slot()] = f.kind() == RecordField.Kind.JSON_OBJECT ? object() : string();
            }
        }
        if (apiKey == null || event == null || distinctId == null || properties == null || timestamp == null
                || receivedAt == null || at != b.length - 1 || b[at] != '}') {
            return null;
        }
        return new Event(uuid, apiKey, event, distinctId, properties,
                EventCodec.parseInstant(timestamp, "timestamp"),
                sentAt == null ? null : EventCodec.parseInstant(sentAt, "sent_at"),
                EventCodec.parseInstant(receivedAt, "received_at"),
                ip, userAgent, passThrough == null ? PassThrough.NONE : PassThrough.adopt(passThrough));
    }

    /** The string value of field {@code name} if the input continues with that field, else null. */
    private String field(byte[] name) {
        return skip(name) ? string() : null;
    }

    /** Steps over {@code literal} if the input continues with it. */
    private boolean skip(byte[] literal) {
        if (at + literal.length > b.length) {
            return false;
        }
        for (int i = 0; i < literal.length; i++) {
            if (b[at + i] != literal[i]) {
                return false;
            }
        }
        at += literal.length;
        return true;
    }

    /** A string field's value: no escapes, no control characters, well-formed UTF-8; else an exception. */
    private String string() {
        int start = at + 1;
        boolean ascii = scanString(false);
        return new String(b, start, at - 1 - start, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
    }

    /**
     * A raw JSON object in the canonical form the codec keeps as it is: valid JSON, no whitespace,
     * only the escapes {@code \"} {@code \\} {@code \b} {@code \t} {@code \n} {@code \f} {@code \r},
     * well-formed UTF-8 without U+FFFD. Else an exception.
     */
    private String object() {
        int start = at;
        boolean ascii = value(0);
        if (b[start] != '{') {
            throw new IllegalStateException("not an object");
        }
        return new String(b, start, at - start, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
    }

    /** Validates one value from {@code at}; returns whether it was all ASCII. */
    private boolean value(int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalStateException("deep");
        }
        byte c = b[at];
        switch (c) {
            case '{' -> {
                at++;
                boolean ascii = true;
                if (b[at] == '}') {
                    at++;
                    return true;
                }
                while (true) {
                    int nameStart = at;
                    ascii &= scanString(true);
                    if (at - nameStart > MAX_NAME_BYTES) {
                        throw new IllegalStateException("long name");
                    }
                    expect(':');
                    ascii &= value(depth + 1);
                    if (b[at] == ',') {
                        at++;
                    } else {
                        expect('}');
                        return ascii;
                    }
                }
            }
            case '[' -> {
                at++;
                boolean ascii = true;
                if (b[at] == ']') {
                    at++;
                    return true;
                }
                while (true) {
                    ascii &= value(depth + 1);
                    if (b[at] == ',') {
                        at++;
                    } else {
                        expect(']');
                        return ascii;
                    }
                }
            }
            case '"' -> {
                return scanString(true);
            }
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> number();
        }
        return true;
    }

    /**
     * Steps over the string at {@code at} (its quotes included); returns whether it was ASCII.
     * Inside a raw object the generator's short escapes are allowed and U+FFFD is not (the codec
     * re-emits such objects); a field's value may have neither escapes nor control characters.
     */
    private boolean scanString(boolean inRawObject) {
        if (b[at] != '"') {
            throw new IllegalStateException("not a string");
        }
        int start = ++at;
        boolean ascii = true;
        while (true) {
            byte c = b[at];
            if (c == '"') {
                break;
            }
            if (c == '\\' && inRawObject) {
                switch (b[at + 1]) {
                    case '"', '\\', 'b', 't', 'n', 'f', 'r' -> at += 2;
                    default -> throw new IllegalStateException("an escape the generator does not write");
                }
                continue;
            }
            if (c == '\\' || (c >= 0 && c < 0x20)) {
                throw new IllegalStateException("escape or control character");
            }
            ascii &= c >= 0;
            at++;
        }
        int end = at++;
        if (!ascii && (!wellFormedUtf8(start, end) || (inRawObject && containsReplacementCharacter(start, end)))) {
            throw new IllegalStateException("not canonical UTF-8");
        }
        return ascii;
    }

    /** A JSON number ({@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}) of bounded length. */
    private void number() {
        int start = at;
        if (b[at] == '-') {
            at++;
        }
        if (b[at] == '0') {
            at++;
        } else if (b[at] >= '1' && b[at] <= '9') {
            digits();
        } else {
            throw new IllegalStateException("not a value");
        }
        if (b[at] == '.') {
            at++;
            if (digits() == 0) {
                throw new IllegalStateException("bad fraction");
            }
        }
        if (b[at] == 'e' || b[at] == 'E') {
            at++;
            if (b[at] == '+' || b[at] == '-') {
                at++;
            }
            if (digits() == 0) {
                throw new IllegalStateException("bad exponent");
            }
        }
        if (at - start > MAX_NUMBER_LENGTH) {
            throw new IllegalStateException("long number");
        }
    }

    private int digits() {
        int start = at;
        while (b[at] >= '0' && b[at] <= '9') {
            at++;
        }
        return at - start;
    }

    private void literal(String word) {
        for (int i = 0; i < word.length(); i++) {
            if (b[at + i] != word.charAt(i)) {
                throw new IllegalStateException("not a literal");
            }
        }
        at += word.length();
    }

    private void expect(char c) {
        if (b[at] != c) {
            throw new IllegalStateException("expected " + c);
        }
        at++;
    }

    /** RFC 3629 UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
    private boolean wellFormedUtf8(int from, int to) {
        int i = from;
        while (i < to) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                i++;
                continue;
            }
            int n;
            int min;
            int cp;
            if (c >= 0xC2 && c <= 0xDF) {
                n = 1;
                min = 0x80;
                cp = c & 0x1F;
            } else if (c >= 0xE0 && c <= 0xEF) {
                n = 2;
                min = 0x800;
                cp = c & 0x0F;
            } else if (c >= 0xF0 && c <= 0xF4) {
                n = 3;
                min = 0x10000;
                cp = c & 0x07;
            } else {
                return false;
            }
            if (i + n >= to) {
                return false;
            }
            for (int k = 1; k <= n; k++) {
                int cc = b[i + k] & 0xFF;
                if ((cc & 0xC0) != 0x80) {
                    return false;
                }
                cp = (cp << 6) | (cc & 0x3F);
            }
            if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                return false;
            }
            i += n + 1;
        }
        return true;
    }

    private boolean containsReplacementCharacter(int from, int to) {
        for (int i = from; i + 2 < to; i++) {
            if (b[i] == (byte) 0xEF && b[i + 1] == (byte) 0xBF && b[i + 2] == (byte) 0xBD) {
                return true;
            }
        }
        return false;
    }

    /** The canonical 8-4-4-4-12 hex form, as {@link UUID#fromString} reads it; null otherwise. */
    private UUID uuid(int from) {
        long msb = 0;
        long lsb = 0;
        int digits = 0;
        for (int i = 0; i < EventCodec.UUID_LENGTH; i++) {
            byte c = b[from + i];
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                if (c != '-') {
                    return null;
                }
                continue;
            }
            int d = Character.digit(c, 16);
            if (d < 0) {
                return null;
            }
            if (digits < 16) {
                msb = (msb << 4) | d;
            } else {
                lsb = (lsb << 4) | d;
            }
            digits++;
        }
        return new UUID(msb, lsb);
    }
}
