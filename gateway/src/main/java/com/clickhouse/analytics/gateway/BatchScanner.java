package com.clickhouse.analytics.gateway;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@link BatchParser}'s fast reading: a capture body that is plainly valid JSON, read in one pass
 * over its bytes without a general parser. Only the fields an event needs become strings; every
 * other value is checked against the JSON grammar and stepped over, strings eight bytes at a time.
 * Jackson took about two thirds of the gateway's own CPU per event for the same work, most of it
 * decoding property names nobody looks at.
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

    private static final byte[] EVENT = ascii("event");
    private static final byte[] DISTINCT_ID = ascii("distinct_id");
    private static final byte[] DOLLAR_DISTINCT_ID = ascii("$distinct_id");
    private static final byte[] PROPERTIES = ascii("properties");
    private static final byte[] TIMESTAMP = ascii("timestamp");
    private static final byte[] OFFSET = ascii("offset");
    private static final byte[] UUID = ascii("uuid");
    private static final byte[] API_KEY = ascii("api_key");
    private static final byte[] TOKEN = ascii("token");
    private static final byte[] SET = ascii("$set");
    private static final byte[] SET_ONCE = ascii("$set_once");
    private static final byte[] ELEMENTS_CHAIN = ascii("elements_chain");
    private static final byte[] BATCH = ascii("batch");
    private static final byte[] SENT_AT = ascii("sent_at");
    private static final byte[] HISTORICAL_MIGRATION = ascii("historical_migration");
    private static final byte[] SESSION_ID = ascii("$session_id");
    private static final byte[] WINDOW_ID = ascii("$window_id");
    private static final byte[] CURRENT_URL = ascii("$current_url");
    private static final byte[] HOST = ascii("$host");
    private static final byte[] DOLLAR_ELEMENTS_CHAIN = ascii("$elements_chain");
    private static final byte[] ANON_DISTINCT_ID = ascii("$anon_distinct_id");
    private static final byte[] ALIAS = ascii("alias");
    private static final byte[] IGNORE_SENT_AT = ascii("$ignore_sent_at");
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
    /** Set by {@link #skipString}: whether the string just stepped over had an escape. */
    private boolean escaped;

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
        } catch (NotPlain e) {
            return null;
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
        List<RawBatch.RawEvent> batch = null;
        String sentAt = null;
        boolean historical = false;
        boolean more = firstMember();
        while (more) {
            if (key(BATCH)) {
                if (peek() != '[') {
                    throw NOT_PLAIN;
                }
                pos++;
                batch = events();
            } else if (key(SENT_AT)) {
                sentAt = stringOrNull();
            } else if (key(HISTORICAL_MIGRATION)) {
                historical = switch (peek()) {
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
            } else {
                eventField(top, 1);
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
            boolean more = firstMember();
            while (more) {
                eventField(fields, 3);
                more = nextMember();
            }
            events.add(fields.toEvent());
            int c = peek();
            pos++;
            if (c == ']') {
                return events;
            }
            if (c != ',') {
                throw NOT_PLAIN;
            }
        }
    }

    /** The value of the current member of an event object at nesting {@code depth}. */
    private void eventField(EventFields fields, int depth) throws NotPlain, GatewayError {
        switch (keyLength) {
            case 4 -> {
                if (key(UUID)) {
                    fields.uuid = stringOrNull();
                } else if (key(SET)) {
                    fields.set = objectOrNull(depth);
                } else {
                    skipValue(depth);
                }
            }
            case 5 -> {
                if (key(EVENT)) {
                    fields.event = stringOrNull();
                } else if (key(TOKEN)) {
                    fields.token(stringOrNull());
                } else {
                    skipValue(depth);
                }
            }
            case 6 -> {
                if (key(OFFSET)) {
                    fields.offset = offsetOrNull();
                } else {
                    skipValue(depth);
                }
            }
            case 7 -> {
                if (key(API_KEY)) {
                    fields.token(stringOrNull());
                } else {
                    skipValue(depth);
                }
            }
            case 9 -> {
                if (key(TIMESTAMP)) {
                    fields.timestamp = scalarOrNull();
                } else if (key(SET_ONCE)) {
                    fields.setOnce = objectOrNull(depth);
                } else {
                    skipValue(depth);
                }
            }
            case 10 -> {
                if (key(PROPERTIES)) {
                    properties(fields, depth);
                } else {
                    skipValue(depth);
                }
            }
            case 11, 12 -> {
                if (key(DISTINCT_ID) || key(DOLLAR_DISTINCT_ID)) {
                    fields.distinctId = scalarOrNull();
                } else {
                    skipValue(depth);
                }
            }
            case 14 -> {
                if (key(ELEMENTS_CHAIN)) {
                    fields.elementsChain = optionalString(depth);
                } else {
                    skipValue(depth);
                }
            }
            default -> skipValue(depth);
        }
    }

    private void properties(EventFields fields, int depth) throws NotPlain {
        if (peek() == 'n') {
            literal(NULL);
            return;
        }
        if (b[pos] != '{') {
            throw NOT_PLAIN;
        }
        int start = pos++;
        int inner = depth + 1;
        boolean more = firstMember();
        while (more) {
            switch (keyLength) {
                case 5 -> {
                    if (key(TOKEN)) {
                        fields.propertiesToken(optionalString(inner));
                    } else if (key(HOST)) {
                        fields.host = optionalString(inner);
                    } else if (key(ALIAS)) {
                        fields.alias = optionalString(inner);
                    } else {
                        skipValue(inner);
                    }
                }
                case 4 -> {
                    if (key(SET)) {
                        fields.propertiesSet(objectOrNull(inner));
                    } else {
                        skipValue(inner);
                    }
                }
                case 9 -> {
                    if (key(SET_ONCE)) {
                        fields.propertiesSetOnce(objectOrNull(inner));
                    } else {
                        skipValue(inner);
                    }
                }
                case 10 -> {
                    if (key(WINDOW_ID)) {
                        fields.windowId = optionalString(inner);
                    } else {
                        skipValue(inner);
                    }
                }
                case 11 -> {
                    if (key(DISTINCT_ID)) {
                        fields.propertiesDistinctId(lenientId(inner));
                    } else if (key(SESSION_ID)) {
                        fields.sessionId = optionalString(inner);
                    } else {
                        skipValue(inner);
                    }
                }
                case 12 -> {
                    if (key(DOLLAR_DISTINCT_ID)) {
                        fields.propertiesDollarDistinctId(lenientId(inner));
                    } else if (key(CURRENT_URL)) {
                        fields.currentUrl = optionalString(inner);
                    } else {
                        skipValue(inner);
                    }
                }
                case 15 -> {
                    if (key(DOLLAR_ELEMENTS_CHAIN)) {
                        fields.elementsChain = optionalString(inner);
                    } else if (key(IGNORE_SENT_AT)) {
                        fields.ignoreSentAt = peek() == 't';
                        skipValue(inner);
                    } else {
                        skipValue(inner);
                    }
                }
                case 17 -> {
                    if (key(ANON_DISTINCT_ID)) {
                        fields.anonDistinctId = optionalString(inner);
                    } else {
                        skipValue(inner);
                    }
                }
                default -> skipValue(inner);
            }
            more = nextMember();
        }
        fields.properties = new String(b, start, pos - start, StandardCharsets.UTF_8);
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
        skipString();
        if (escaped) {
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

    private boolean key(byte[] name) {
        return keyLength == name.length && Arrays.equals(b, keyStart, keyStart + keyLength, name, 0, keyLength);
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

    /** An object's exact text, or null. */
    private String objectOrNull(int depth) throws NotPlain {
        if (b[pos] == 'n') {
            literal(NULL);
            return null;
        }
        if (b[pos] != '{') {
            throw NOT_PLAIN;
        }
        int start = pos;
        skipValue(depth);
        return new String(b, start, pos - start, StandardCharsets.UTF_8);
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
        return new String(b, start, pos - start, StandardCharsets.US_ASCII);
    }

    /** A string's value; {@code pos} is on its opening quote. */
    private String string() throws NotPlain {
        int start = pos + 1;
        skipString();
        int stop = pos - 1;
        return escaped ? unescape(start, stop) : new String(b, start, stop - start, StandardCharsets.UTF_8);
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
     * {@code -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?}, followed by something that is not part
     * of a number; returns whether it was an integer.
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
        if (pos - start > MAX_NUMBER_LENGTH || (pos < end && isNumberByte(b[pos]))) {
            throw NOT_PLAIN; // too long, or "01", "1.2.3" and the like
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

    private static boolean isNumberByte(byte c) {
        return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
    }

    private void literal(byte[] word) throws NotPlain {
        int n = word.length;
        if (end - pos < n || !Arrays.equals(b, pos, pos + n, word, 0, n)) {
            throw NOT_PLAIN;
        }
        pos += n;
        if (pos < end && isLetter(b[pos])) {
            throw NOT_PLAIN; // "truex"
        }
    }

    private static boolean isLetter(byte c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c < 0;
    }

    /**
     * From the opening quote to just past the closing one, checking escapes and refusing raw
     * control characters; sets {@link #escaped}.
     */
    private void skipString() throws NotPlain {
        int i = pos + 1;
        boolean sawEscape = false;
        while (true) {
            // Eight bytes at a time while none is a quote, a backslash or below 0x20.
            while (i + 8 <= end) {
                long v = (long) LONGS.get(b, i);
                long special = zeroBytes(v ^ QUOTES) | zeroBytes(v ^ BACKSLASHES) | ((v - SPACES) & ~v & HIGHS);
                if (special != 0) {
                    i += Long.numberOfTrailingZeros(special) >>> 3;
                    break;
                }
                i += 8;
            }
            if (i >= end) {
                throw NOT_PLAIN; // unterminated
            }
            byte c = b[i];
            if (c == '"') {
                pos = i + 1;
                escaped = sawEscape;
                return;
            }
            if (c == '\\') {
                i = escape(i);
                sawEscape = true;
            } else if (c >= 0 && c < 0x20) {
                throw NOT_PLAIN;
            } else {
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
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
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
