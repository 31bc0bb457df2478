package com.clickhouse.analytics.schema.record;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * Writes one {@link Event} as the codec's JSON straight into UTF-8 bytes — byte for byte what a
 * Jackson generator with default escaping and {@code COMBINE_UNICODE_SURROGATES_IN_UTF8} writes
 * ({@code EventWriterTest} holds it to that).
 *
 * <p>Why not the generator: on the gateway's hot path every event's raw {@code properties} went
 * through Jackson's {@code writeRawValue(String)}, which copies the text into a char buffer and
 * encodes it from there, and each value paid the generator's context checks. That was a third of
 * the gateway's CPU time; this writer copies ASCII text with one comparison per character.
 *
 * <p>One buffer, reused: not thread-safe, one instance per thread.
 */
final class EventWriter {

    /** Up to the uuid's text: {@code {"v":1,"uuid":"}. */
    static final byte[] START = ("{\"v\":" + EventCodec.VERSION + ",\"uuid\":\"").getBytes(StandardCharsets.US_ASCII);

    /** The pass-through fields' prefixes and kinds by slot, unpacked from the table for the per-event loop. */
    private static final byte[][] PASS_THROUGH_PREFIXES = new byte[RecordField.PASS_THROUGH.size()][];
    private static final boolean[] PASS_THROUGH_JSON = new boolean[RecordField.PASS_THROUGH.size()];

    static {
        for (RecordField f : RecordField.PASS_THROUGH) {
            PASS_THROUGH_PREFIXES[f.slot()] = f.prefix;
            PASS_THROUGH_JSON[f.slot()] = f.kind() == RecordField.Kind.JSON_OBJECT;
        }
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long QUESTION_MARKS = 0x3F3F3F3F3F3F3F3FL;
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    /** Per ASCII character: 0 = copy, else the letter of its short escape, or 'u' for {@code \}{@code u00XX}. */
    private static final byte[] ESCAPES = new byte[128];

    static {
        for (int c = 0; c < 0x20; c++) {
            ESCAPES[c] = 'u';
        }
        ESCAPES['"'] = '"';
        ESCAPES['\\'] = '\\';
        ESCAPES['\b'] = 'b';
        ESCAPES['\t'] = 't';
        ESCAPES['\n'] = 'n';
        ESCAPES['\f'] = 'f';
        ESCAPES['\r'] = 'r';
    }

    /** The longest encoding of one character: {@code \}{@code u00XX}. */
    private static final int MAX_BYTES_PER_CHAR = 6;
    /** Buffers grown past this by an unusually large event are dropped after it, not kept per thread. */
    private static final int RETAINED_BYTES = 64 * 1024;

    private byte[] out = new byte[1024];
    private int length;
    private char[] chars = new char[256];
    private final InstantText timestampText = new InstantText();
    private final InstantText sentAtText = new InstantText();
    private final InstantText receivedAtText = new InstantText();
    private final StringText apiKeyText = new StringText();
    private final StringText ipText = new StringText();
    private final StringText userAgentText = new StringText();
    /** The current event's strings held as record bytes already, if any. */
    private Verbatim verbatim;

    /** The record for {@code e}, a new array of exactly its length. */
    byte[] write(Event e) {
        return write(e, null);
    }

    /** The same record, copying the strings {@code verbatim} holds instead of encoding them. */
    byte[] write(Event e, Verbatim verbatim) {
        this.verbatim = verbatim;
        length = 0;
        append(START);
        ensure(EventCodec.UUID_LENGTH + 1);
        int n = EventCodec.writeUuid(e.uuid(), chars(EventCodec.UUID_LENGTH));
        for (int i = 0; i < n; i++) {
            out[length++] = (byte) chars[i];
        }
        out[length++] = '"';
        append(RecordField.API_KEY.prefix);
        requestString(e.apiKey(), apiKeyText);
        append(RecordField.EVENT.prefix);
        string(e.event());
        append(RecordField.DISTINCT_ID.prefix);
        string(e.distinctId());
        append(RecordField.PROPERTIES.prefix);
        rawJson(e.properties());
        append(RecordField.TIMESTAMP.prefix);
        instant(e.timestamp(), timestampText);
        if (e.sentAt() != null) {
            append(RecordField.SENT_AT.prefix);
            instant(e.sentAt(), sentAtText);
        }
        append(RecordField.RECEIVED_AT.prefix);
        instant(e.receivedAt(), receivedAtText);
        if (e.ip() != null) {
            append(RecordField.IP.prefix);
            requestString(e.ip(), ipText);
        }
        if (e.userAgent() != null) {
            append(RecordField.USER_AGENT.prefix);
            requestString(e.userAgent(), userAgentText);
        }
        String[] passThrough = e.passThrough().values;
        for (int slot = 0; slot < passThrough.length; slot++) {
            String value = passThrough[slot];
            if (value != null) {
                append(PASS_THROUGH_PREFIXES[slot]);
                if (PASS_THROUGH_JSON[slot]) {
                    rawJson(value);
                } else {
                    string(value);
                }
            }
        }
        ensure(1);
        out[length++] = '}';
        byte[] record = Arrays.copyOf(out, length);
        this.verbatim = null; // the request body it points into is garbage after this event
        if (out.length > RETAINED_BYTES) {
            out = new byte[1024];
        }
        if (chars.length > RETAINED_BYTES) {
            chars = new char[256];
        }
        return record;
    }

    /**
     * A string that every event of a request shares — the same instance (api key, ip, user agent;
     * a browser's user agent is well over 100 characters): written once per request, then copied.
     */
    private void requestString(String value, StringText cache) {
        if (value == cache.value) {
            append(cache.bytes, cache.length);
            return;
        }
        int start = length;
        string(value);
        cache.remember(value, out, start, length);
    }

    /** The last string a field had, as the bytes {@link #string} wrote for it. */
    private static final class StringText {
        private static final int MAX_CACHED = 4096;
        String value;
        byte[] bytes = new byte[256];
        int length;

        void remember(String text, byte[] source, int from, int to) {
            int n = to - from;
            if (n > MAX_CACHED) {
                value = null; // rare and large: not worth holding on to
                return;
            }
            if (bytes.length < n) {
                bytes = new byte[Math.max(n, 2 * bytes.length)];
            }
            System.arraycopy(source, from, bytes, 0, n);
            length = n;
            value = text;
        }
    }

    private void instant(Instant instant, InstantText cache) {
        int n = cache.format(instant);
        if (n < 0) {
            string(instant.toString());
            return;
        }
        ensure(n + 2);
        byte[] o = out;
        int at = length;
        char[] text = cache.text;
        o[at++] = '"';
        for (int i = 0; i < n; i++) {
            o[at++] = (byte) text[i];
        }
        o[at++] = '"';
        length = at;
    }

    /**
     * The last instant one field had, as text. All events of a request share {@code sent_at} and
     * {@code received_at}, and their timestamps mostly share the second, so formatting is mostly a
     * copy.
     */
    private static final class InstantText {
        final char[] text = new char[IsoInstants.MAX_LENGTH];
        long second = Long.MIN_VALUE;
        int nanos = -1;
        int length = -1;

        int format(Instant instant) {
            if (instant.getEpochSecond() == second) {
                if (instant.getNano() != nanos) {
                    nanos = instant.getNano();
                    length = IsoInstants.fraction(nanos, text, IsoInstants.SECONDS_LENGTH);
                }
                return length;
            }
            length = IsoInstants.format(instant, text);
            if (length >= 0) {
                second = instant.getEpochSecond();
                nanos = instant.getNano();
            }
            return length;
        }
    }

    /** A JSON string: quoted, escaped as Jackson escapes, lone surrogates as U+FFFD. */
    private void string(String value) {
        if (verbatim != null && copied(value, true)) {
            return;
        }
        int n = value.length();
        char[] c = chars(n);
        value.getChars(0, n, c, 0);
        // Room for one byte per character; an escape or a multi-byte character makes room for itself.
        ensure(n + 2);
        byte[] o = out;
        int at = length;
        o[at++] = '"';
        for (int i = 0; i < n; i++) {
            char ch = c[i];
            if (ch < 0x80 && ch >= 0x20 && ch != '"' && ch != '\\') { // compares, not a table load: the common case
                o[at++] = (byte) ch;
                continue;
            }
            if (o.length - at < MAX_BYTES_PER_CHAR + (n - i)) {
                o = grow(at, MAX_BYTES_PER_CHAR + (n - i));
            }
            if (ch < 0x80) {
                byte escape = ESCAPES[ch];
                if (escape == 'u') {
                    o[at++] = '\\';
                    o[at++] = 'u';
                    o[at++] = '0';
                    o[at++] = '0';
                    o[at++] = HEX[ch >> 4];
                    o[at++] = HEX[ch & 0xF];
                } else {
                    o[at++] = '\\';
                    o[at++] = escape;
                }
            } else {
                i = nonAscii(c, i, n, o, at) - 1;
                at = nonAsciiEnd;
            }
        }
        o[at++] = '"';
        length = at;
    }

    /**
     * A raw JSON object as it is, but for lone surrogates (as characters or as {@code \}{@code u}
     * escapes), which become U+FFFD as in {@link LoneSurrogates#replaceInJson}.
     */
    private void rawJson(String json) {
        if (verbatim != null && copied(json, false)) {
            return;
        }
        // indexOf(char) first: it is vectorized; indexOf(String) alone cost as much as the copy below.
        if (json.indexOf('\\') >= 0 && json.indexOf("\\u") >= 0) {
            json = LoneSurrogates.replaceInJson(json);
        }
        int n = json.length();
        // All-ASCII text — nearly every properties object — is copied by the JDK's vectorized
        // encoder: a third of this writer's time went to the per-character loop below.
        byte[] utf8 = json.getBytes(StandardCharsets.UTF_8);
        if (utf8.length == n && noLoneSurrogates(json, utf8)) {
            append(utf8, n);
            return;
        }
        char[] c = chars(n);
        json.getChars(0, n, c, 0);
        ensure(n);
        byte[] o = out;
        int at = length;
        for (int i = 0; i < n; i++) {
            char ch = c[i];
            if (ch < 0x80) {
                o[at++] = (byte) ch;
            } else {
                if (o.length - at < MAX_BYTES_PER_CHAR + (n - i)) {
                    o = grow(at, MAX_BYTES_PER_CHAR + (n - i));
                }
                i = nonAscii(c, i, n, o, at) - 1;
                at = nonAsciiEnd;
            }
        }
        length = at;
    }

    /**
     * For an encoding as long as its text (every character ASCII, or a lone surrogate, which the JDK
     * writes as '?'): whether every '?' in it was a '?' in the text. Eight bytes at a time.
     */
    private static boolean noLoneSurrogates(String text, byte[] utf8) {
        int n = utf8.length;
        int i = 0;
        while (i < n) {
            if (i + 8 <= n) {
                long v = (long) LONGS.get(utf8, i) ^ QUESTION_MARKS;
                long marks = (v - 0x0101010101010101L) & ~v & 0x8080808080808080L;
                if (marks == 0) {
                    i += 8;
                    continue;
                }
                i += Long.numberOfTrailingZeros(marks) >>> 3;
            } else if (utf8[i] != '?') {
                i++;
                continue;
            }
            if (text.charAt(i) != '?') {
                return false;
            }
            i++;
        }
        return true;
    }

    /** Copies the bytes {@link #verbatim} holds for this very string, if it holds them. */
    private boolean copied(String value, boolean quoted) {
        int entry = verbatim.indexOf(value);
        if (entry < 0) {
            return false;
        }
        int from = verbatim.start(entry);
        int n = verbatim.end(entry) - from;
        ensure(n + 2);
        if (quoted) {
            out[length++] = '"';
        }
        System.arraycopy(verbatim.source(), from, out, length, n);
        length += n;
        if (quoted) {
            out[length++] = '"';
        }
        return true;
    }

    /** Where {@link #nonAscii} left the output; a field rather than a second return value. */
    private int nonAsciiEnd;

    /** Encodes the non-ASCII character at {@code c[i]} into {@code o[at…]}; returns the next input index. */
    private int nonAscii(char[] c, int i, int n, byte[] o, int at) {
        char ch = c[i];
        int codePoint;
        int next = i + 1;
        if (Character.isHighSurrogate(ch) && next < n && Character.isLowSurrogate(c[next])) {
            codePoint = Character.toCodePoint(ch, c[next]);
            next++;
        } else if (Character.isSurrogate(ch)) {
            codePoint = LoneSurrogates.REPLACEMENT;
        } else {
            codePoint = ch;
        }
        if (codePoint < 0x800) {
            o[at++] = (byte) (0xC0 | codePoint >> 6);
        } else if (codePoint < 0x10000) {
            o[at++] = (byte) (0xE0 | codePoint >> 12);
            o[at++] = (byte) (0x80 | (codePoint >> 6 & 0x3F));
        } else {
            o[at++] = (byte) (0xF0 | codePoint >> 18);
            o[at++] = (byte) (0x80 | (codePoint >> 12 & 0x3F));
            o[at++] = (byte) (0x80 | (codePoint >> 6 & 0x3F));
        }
        o[at++] = (byte) (0x80 | (codePoint & 0x3F));
        nonAsciiEnd = at;
        return next;
    }

    /** Makes room for {@code more} bytes after {@code at} and returns the (possibly new) buffer. */
    private byte[] grow(int at, int more) {
        length = at;
        ensure(more);
        return out;
    }

    private void append(byte[] bytes) {
        append(bytes, bytes.length);
    }

    private void append(byte[] bytes, int n) {
        ensure(n);
        System.arraycopy(bytes, 0, out, length, n);
        length += n;
    }

    private char[] chars(int n) {
        if (chars.length < n) {
            chars = new char[Math.max(n, 2 * chars.length)];
        }
        return chars;
    }

    private void ensure(int more) {
        if (length + more > out.length) {
            out = Arrays.copyOf(out, Math.max(length + more, 2 * out.length));
        }
    }

}
