package com.clickhouse.analytics.gateway.decode;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.clickhouse.analytics.gateway.GatewayError;
import com.clickhouse.analytics.schema.record.Verbatim;

/**
 * {@link BatchParser}'s fast reading: a capture body that is plainly valid JSON, read in one pass
 * over its bytes without a general parser. Only the fields an event needs become strings; every
 * other value is checked against the JSON grammar and stepped over, strings eight bytes at a time.
 * Jackson spent more than half of the gateway's own decode, normalize and encode on the same work
 * (docs/performance-log.md), much of it decoding property names nobody looks at. Which members it
 * reads, and how, comes from {@link CaptureField}, as for the Jackson path. Each string it makes
 * without an escape is noted with its bytes in the event's {@link Verbatim}, for the record's writer
 * to copy.
 *
 * <p>It answers only when it is sure: {@link #scan} returns null — and BatchParser's Jackson path
 * reads the body and names what is wrong — for malformed JSON, a value of the wrong type for its
 * field, an escape inside a field name, nesting deeper than {@value #MAX_DEPTH}, a number longer than
 * {@value #MAX_NUMBER_LENGTH} characters, a byte-order mark. Whenever it answers, the answer equals
 * the Jackson path's ({@code BatchScannerTest} holds it to that on random and mutated bodies).
 *
 * <p>The input must be valid UTF-8 ({@link PayloadDecoder} checks), so bytes from 0x80 up need no
 * look. One instance per body.
 */
final class BatchScanner {

    /** Jackson allows {@value BatchParser#MAX_DEPTH}; deeper bodies go to it, and it enforces the limit. */
    static final int MAX_DEPTH = 64;
    /** Jackson allows 400; longer numbers go to it. */
    static final int MAX_NUMBER_LENGTH = 100;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long QUOTES = '"' * ONES;
    private static final long BACKSLASHES = '\\' * ONES;
    private static final long SPACES = ' ' * ONES;

    /**
     * The member names one kind of object has, from {@link CaptureField}, by length: most members
     * are told apart by one comparison.
     */
    private static final class Names {
        private final CaptureField[][] byLength = new CaptureField[32][0];

        Names(List<CaptureField> fields) {
            for (CaptureField f : fields) {
                CaptureField[] same = byLength[f.bytes.length];
                same = Arrays.copyOf(same, same.length + 1);
                same[same.length - 1] = f;
                byLength[f.bytes.length] = same;
            }
        }

        /** The member named {@code b[start, start + length)}, or null for any other. */
        CaptureField find(byte[] b, int start, int length) {
            if (length >= byLength.length) {
                return null;
            }
            // A plain loop: names are a few bytes long, shorter than Arrays.equals' range checks and
            // vectorized mismatch take to set up (docs/performance-log.md).
            for (CaptureField f : byLength[length]) {
                byte[] name = f.bytes;
                int i = 0;
                while (i < length && b[start + i] == name[i]) {
                    i++;
                }
                if (i == length) {
                    return f;
                }
            }
            return null;
        }
    }

    private static final Names EVENT_NAMES = new Names(CaptureField.inScopes(CaptureField.Scope.EVENT));
    private static final Names ENVELOPE_NAMES = new Names(CaptureField.inScopes(CaptureField.Scope.ENVELOPE, CaptureField.Scope.EVENT));
    private static final Names PROPERTY_NAMES = new Names(CaptureField.inScopes(CaptureField.Scope.PROPERTIES));
    private static final byte[] TRUE = ascii("true");
    private static final byte[] FALSE = ascii("false");
    private static final byte[] NULL = ascii("null");

    /** Thrown when the body is not one this reader is sure about; no stack trace, one instance. */
    private static final class NotPlain extends Exception {
        NotPlain() {
            super("not a plain capture body", null, false, false);
        }
    }

    private static final NotPlain NOT_PLAIN = new NotPlain();

    private final byte[] b;
    private final int end;
    private final int maxEvents;
    private int pos;
    /** The name of the member being read: {@code b[keyStart, keyStart + keyLength)}, without quotes. */
    private int keyStart;
    private int keyLength;
    /** How many strings with an escape were stepped over so far. */
    private int escapes;
    /** How many strings with a byte from 0x80 up (not ASCII) were stepped over so far. */
    private int nonAscii;
    /** Where the strings made for the current object go, with their bytes. */
    private Verbatim verbatim;

    private BatchScanner(byte[] bytes, int length, int maxEvents) {
        this.b = bytes;
        this.end = length;
        this.maxEvents = maxEvents;
    }

    /**
     * The batch in {@code bytes[0, length)}, or null when this reader is not sure about the body.
     *
     * @throws GatewayError what the Jackson path throws for a well-formed body it cannot accept
     *                      (more than {@code maxEvents} events, mixed api keys)
     */
    static RawBatch scan(byte[] bytes, int length, int maxEvents) throws GatewayError {
        try {
            return new BatchScanner(bytes, length, maxEvents).root();
        } catch (NotPlain | RuntimeException notSure) {
            return null; // a slip here must not become a 500: the Jackson path reads the body
        }
    }

    private RawBatch root() throws NotPlain, GatewayError {
        RawBatch batch = switch (peek()) {
            case '[' -> {
                pos++;
                yield new RawBatch(null, null, false, events());
            }
            case '{' -> {
                pos++;
                yield envelope();
            }
            default -> throw NOT_PLAIN;
        };
        if (peekOrEnd() >= 0) {
            throw NOT_PLAIN; // trailing data
        }
        return batch;
    }

    private RawBatch envelope() throws NotPlain, GatewayError {
        EventFields top = new EventFields();
        top.verbatim = verbatim = new Verbatim(b);
        List<RawBatch.RawEvent> batch = null;
        String sentAt = null;
        boolean historical = false;
        boolean more = firstMember();
        while (more) {
            CaptureField field = name(ENVELOPE_NAMES);
            switch (field) {
                case BATCH -> {
                    if (peek() != '[') {
                        throw NOT_PLAIN;
                    }
                    pos++;
                    batch = events();
                }
                case SENT_AT -> sentAt = stringOrNull();
                case HISTORICAL_MIGRATION -> historical = switch (peek()) {
                    case 't' -> {
                        literal(TRUE);
                        yield true;
                    }
                    case '"' -> "true".equalsIgnoreCase(string());
                    default -> {
                        skipValue(1);
                        yield false;
                    }
                };
                case null -> skipValue(1);
                default -> member(top, field, 1);
            }
            more = nextMember();
        }
        if (batch != null) {
            return new RawBatch(top.token(), sentAt, historical, batch);
        }
        return new RawBatch(top.token(), sentAt, historical, List.of(top.toEvent()));
    }

    /** After the opening bracket of the events array, up to and including its closing bracket. */
    private List<RawBatch.RawEvent> events() throws NotPlain, GatewayError {
        Verbatim envelope = verbatim;
        List<RawBatch.RawEvent> events = new ArrayList<>();
        if (peek() == ']') {
            pos++;
            return events;
        }
        while (true) {
            if (peek() != '{') {
                throw NOT_PLAIN;
            }
            if (events.size() == maxEvents) {
                throw BatchParser.tooManyEvents(maxEvents);
            }
            pos++;
            EventFields fields = new EventFields();
            fields.verbatim = verbatim = new Verbatim(b);
            boolean more = firstMember();
            while (more) {
                member(fields, name(EVENT_NAMES), 3);
                more = nextMember();
            }
            events.add(fields.toEvent());
            int c = peek();
            pos++;
            if (c == ']') {
                verbatim = envelope;
                return events;
            }
            if (c != ',') {
                throw NOT_PLAIN;
            }
        }
    }

    /**
     * The value of the current member, {@code field} (null: one nobody reads), of an event or
     * properties object held at nesting {@code depth}, read as its {@link CaptureField.Value} says.
     */
    private void member(EventFields fields, CaptureField field, int depth) throws NotPlain, GatewayError {
        if (field == null) {
            skipValue(depth);
            return;
        }
        switch (field.value()) {
            case STRING -> fields.set(field, stringOrNull());
            case ID, TIMESTAMP -> fields.set(field, scalarOrNull());
            case OFFSET -> fields.set(field, offsetOrNull());
            case OBJECT -> fields.set(field, objectOrNull(depth, false));
            case KEYS -> fields.set(field, objectOrNull(depth, true));
            case OPTIONAL_STRING -> fields.set(field, optionalString(depth));
            case LENIENT_ID -> fields.set(field, lenientId(depth));
            case FLAG -> {
                fields.set(field, peek() == 't');
                skipValue(depth);
            }
            case PROPERTIES -> properties(fields, field, depth);
            case EVENTS -> throw NOT_PLAIN;
        }
    }

    private void properties(EventFields fields, CaptureField field, int depth) throws NotPlain, GatewayError {
        if (peek() == 'n') {
            literal(NULL);
            return;
        }
        if (b[pos] != '{') {
            throw NOT_PLAIN;
        }
        int start = pos++;
        int escapesBefore = escapes;
        int nonAsciiBefore = nonAscii;
        boolean more = firstMember();
        while (more) {
            member(fields, name(PROPERTY_NAMES), depth + 1);
            more = nextMember();
        }
        fields.set(field, text(start, pos, escapes == escapesBefore, nonAscii == nonAsciiBefore));
    }

    // ---- members -------------------------------------------------------------------------------

    /** Just after an object's opening brace: reads the first member's name, or the closing brace. */
    private boolean firstMember() throws NotPlain {
        if (peek() == '}') {
            pos++;
            return false;
        }
        memberName();
        return true;
    }

    /** After a member's value: reads the next member's name, or the closing brace. */
    private boolean nextMember() throws NotPlain {
        int c = peek();
        pos++;
        if (c == '}') {
            return false;
        }
        if (c != ',') {
            throw NOT_PLAIN;
        }
        peek();
        memberName();
        return true;
    }

    /** A member's name and its colon; leaves {@code pos} on the value's first byte. */
    private void memberName() throws NotPlain {
        if (b[pos] != '"') {
            throw NOT_PLAIN;
        }
        int start = pos + 1;
        int escapesBefore = escapes;
        skipString();
        if (escapes != escapesBefore) {
            throw NOT_PLAIN; // names are compared as bytes
        }
        keyStart = start;
        keyLength = pos - 1 - start;
        if (peek() != ':') {
            throw NOT_PLAIN;
        }
        pos++;
        peek();
    }

    /** The current member among {@code names}, or null. */
    private CaptureField name(Names names) {
        return names.find(b, keyStart, keyLength);
    }

    // ---- values by what the field accepts ------------------------------------------------------

    /** A string or null; anything else is for Jackson to name. */
    private String stringOrNull() throws NotPlain {
        if (b[pos] == '"') {
            return string();
        }
        literal(NULL);
        return null;
    }

    /** A string or a number as its text, or null. */
    private String scalarOrNull() throws NotPlain {
        int c = b[pos];
        if (c == '"') {
            return string();
        }
        if (c == 'n') {
            literal(NULL);
            return null;
        }
        return numberText();
    }

    /** A string or a number as its text; any other value is stepped over and gives null. */
    private String lenientId(int depth) throws NotPlain {
        int c = b[pos];
        if (c == '"') {
            return string();
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            return numberText();
        }
        skipValue(depth);
        return null;
    }

    /** A string; any other value is stepped over and gives null. */
    private String optionalString(int depth) throws NotPlain {
        if (b[pos] == '"') {
            return string();
        }
        skipValue(depth);
        return null;
    }

    /**
     * An object's (with {@code keys}, also an array's) exact text, or null. Keys are never verbatim:
     * the record holds them as a string, so their quotes are escaped there.
     */
    private String objectOrNull(int depth, boolean keys) throws NotPlain {
        if (b[pos] == 'n') {
            literal(NULL);
            return null;
        }
        if (b[pos] != '{' && !(keys && b[pos] == '[')) {
            throw NOT_PLAIN;
        }
        int start = pos;
        int escapesBefore = escapes;
        int nonAsciiBefore = nonAscii;
        skipValue(depth);
        return text(start, pos, !keys && escapes == escapesBefore, nonAscii == nonAsciiBefore);
    }

    /** An integer that fits a long, or null. */
    private Long offsetOrNull() throws NotPlain {
        if (b[pos] == 'n') {
            literal(NULL);
            return null;
        }
        int start = pos;
        if (!skipNumber()) {
            throw NOT_PLAIN; // a fraction or an exponent: not an integer
        }
        try {
            return Long.parseLong(new String(b, start, pos - start, StandardCharsets.US_ASCII));
        } catch (NumberFormatException tooLarge) {
            throw NOT_PLAIN;
        }
    }

    private String numberText() throws NotPlain {
        int start = pos;
        skipNumber();
        return text(start, pos, true, true);
    }

    /** A string's value; {@code pos} is on its opening quote. */
    private String string() throws NotPlain {
        int start = pos + 1;
        int escapesBefore = escapes;
        int nonAsciiBefore = nonAscii;
        skipString();
        int stop = pos - 1;
        return escapes != escapesBefore ? unescape(start, stop) : text(start, stop, true, nonAscii == nonAsciiBefore);
    }

    /**
     * {@code b[start, end)} as a string; {@code verbatim} when those bytes are what a record holds
     * for it (no escape: the scanner let no quote, backslash or control character through otherwise).
     * ASCII bytes are their own Latin-1 characters: read as such, they are copied without the
     * UTF-8 decoder's scan (docs/performance-log.md).
     */
    private String text(int start, int end, boolean asIs, boolean ascii) {
        String value = new String(b, start, end - start, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        if (asIs) {
            verbatim.add(value, start, end);
        }
        return value;
    }

    private String unescape(int from, int to) {
        StringBuilder s = new StringBuilder(to - from);
        int i = from;
        while (i < to) {
            int backslash = i;
            while (backslash < to && b[backslash] != '\\') {
                backslash++;
            }
            s.append(new String(b, i, backslash - i, StandardCharsets.UTF_8));
            if (backslash == to) {
                break;
            }
            byte e = b[backslash + 1];
            switch (e) {
                case 'b' -> s.append('\b');
                case 'f' -> s.append('\f');
                case 'n' -> s.append('\n');
                case 'r' -> s.append('\r');
                case 't' -> s.append('\t');
                case 'u' -> s.append((char) Integer.parseInt(new String(b, backslash + 2, 4, StandardCharsets.US_ASCII), 16));
                default -> s.append((char) e); // '"', '\\', '/': skipString let nothing else through
            }
            i = backslash + (e == 'u' ? 6 : 2);
        }
        return s.toString();
    }

    // ---- the grammar ---------------------------------------------------------------------------

    /** Steps over any value; {@code depth} is the nesting of the container holding it. */
    private void skipValue(int depth) throws NotPlain {
        switch (b[pos]) {
            case '"' -> skipString();
            case '{' -> {
                if (depth >= MAX_DEPTH) {
                    throw NOT_PLAIN;
                }
                pos++;
                boolean more = firstMember();
                while (more) {
                    skipValue(depth + 1);
                    more = nextMember();
                }
            }
            case '[' -> {
                if (depth >= MAX_DEPTH) {
                    throw NOT_PLAIN;
                }
                pos++;
                if (peek() == ']') {
                    pos++;
                    return;
                }
                while (true) {
                    skipValue(depth + 1);
                    int c = peek();
                    pos++;
                    if (c == ']') {
                        return;
                    }
                    if (c != ',') {
                        throw NOT_PLAIN;
                    }
                    peek();
                }
            }
            case 't' -> literal(TRUE);
            case 'f' -> literal(FALSE);
            case 'n' -> literal(NULL);
            default -> skipNumber();
        }
    }

    /**
     * {@code -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?}, no longer than
     * {@value #MAX_NUMBER_LENGTH}; returns whether it was an integer.
     */
    private boolean skipNumber() throws NotPlain {
        int start = pos;
        if (pos < end && b[pos] == '-') {
            pos++;
        }
        if (pos >= end) {
            throw NOT_PLAIN;
        }
        if (b[pos] == '0') {
            pos++;
        } else if (b[pos] >= '1' && b[pos] <= '9') {
            digits();
        } else {
            throw NOT_PLAIN;
        }
        boolean integer = true;
        if (pos < end && b[pos] == '.') {
            pos++;
            if (digits() == 0) {
                throw NOT_PLAIN;
            }
            integer = false;
        }
        if (pos < end && (b[pos] == 'e' || b[pos] == 'E')) {
            pos++;
            if (pos < end && (b[pos] == '+' || b[pos] == '-')) {
                pos++;
            }
            if (digits() == 0) {
                throw NOT_PLAIN;
            }
            integer = false;
        }
        // "01", "1.2.3" and the like end here too: what follows is no separator, and the caller refuses it.
        if (pos - start > MAX_NUMBER_LENGTH) {
            throw NOT_PLAIN;
        }
        return integer;
    }

    private int digits() {
        int start = pos;
        while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
            pos++;
        }
        return pos - start;
    }

    private void literal(byte[] word) throws NotPlain {
        int n = word.length;
        if (end - pos < n || !Arrays.equals(b, pos, pos + n, word, 0, n)) {
            throw NOT_PLAIN;
        }
        pos += n; // "truex": the caller finds no separator after "true" and refuses it
    }

    /**
     * From the opening quote to just past the closing one, checking escapes and refusing raw
     * control characters; counts the string in {@link #escapes} and {@link #nonAscii}.
     */
    private void skipString() throws NotPlain {
        int i = pos + 1;
        boolean sawEscape = false;
        long seen = 0; // the string's bytes OR-ed together: a high bit is a byte from 0x80 up
        while (true) {
            // Eight bytes at a time while none is a quote, a backslash or below 0x20.
            while (i + 8 <= end) {
                long v = (long) LONGS.get(b, i);
                long special = zeroBytes(v ^ QUOTES) | zeroBytes(v ^ BACKSLASHES) | ((v - SPACES) & ~v & HIGHS);
                if (special != 0) {
                    int before = Long.numberOfTrailingZeros(special) >>> 3;
                    seen |= v & ((1L << (before << 3)) - 1);
                    i += before;
                    break;
                }
                seen |= v;
                i += 8;
            }
            if (i >= end) {
                throw NOT_PLAIN; // unterminated
            }
            byte c = b[i];
            if (c == '"') {
                pos = i + 1;
                if (sawEscape) {
                    escapes++;
                }
                if ((seen & HIGHS) != 0) {
                    nonAscii++;
                }
                return;
            }
            if (c == '\\') {
                i = escape(i);
                sawEscape = true;
            } else if (c >= 0 && c < 0x20) {
                throw NOT_PLAIN;
            } else {
                seen |= c; // sign-extended: a byte from 0x80 up sets every high bit
                i++;
            }
        }
    }

    /** The byte after the escape starting at {@code b[i]}. */
    private int escape(int i) throws NotPlain {
        if (i + 1 >= end) {
            throw NOT_PLAIN;
        }
        switch (b[i + 1]) {
            case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> {
                return i + 2;
            }
            case 'u' -> {
                if (i + 6 > end) {
                    throw NOT_PLAIN;
                }
                for (int k = i + 2; k < i + 6; k++) {
                    if (Character.digit(b[k], 16) < 0) {
                        throw NOT_PLAIN;
                    }
                }
                return i + 6;
            }
            default -> throw NOT_PLAIN;
        }
    }

    /** High bit set in the lowest zero byte of {@code v} (and maybe above it): the classic SWAR test. */
    private static long zeroBytes(long v) {
        return (v - ONES) & ~v & HIGHS;
    }

    /** Skips whitespace; the byte there. */
    private int peek() throws NotPlain {
        int c = peekOrEnd();
        if (c < 0) {
            throw NOT_PLAIN;
        }
        return c;
    }

    /** Skips whitespace; the byte there, or -1 at the end. */
    private int peekOrEnd() {
        while (pos < end) {
            int c = b[pos] & 0xff;
            if (c > ' ' || (c != ' ' && c != '\n' && c != '\r' && c != '\t')) { // one comparison for what is not blank
                return c;
            }
            pos++;
        }
        return -1;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
