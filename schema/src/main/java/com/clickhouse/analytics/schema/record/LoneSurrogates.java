package com.clickhouse.analytics.schema.record;

/**
 * Replaces lone UTF-16 surrogates with U+FFFD, the replacement character, the way a browser's
 * {@code TextEncoder} does. A lone surrogate is not Unicode and has no UTF-8 encoding; it reaches
 * the gateway mostly from SDKs that truncate a string in the middle of an emoji. Replacing it keeps
 * the event (and every other character of the string) instead of refusing the whole batch, and
 * guarantees that every record on the topic is valid UTF-8 that any Kafka tool can read.
 * Everything that is valid Unicode, NUL included, is left exactly as it is.
 */
final class LoneSurrogates {

    static final char REPLACEMENT = '\uFFFD';

    private LoneSurrogates() {
    }

    /** {@code text} with each unpaired surrogate replaced; the same instance when there is none. */
    static String replaceIn(String text) {
        int n = text.length();
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                i += 2;
            } else if (Character.isSurrogate(c)) {
                break;
            } else {
                i++;
            }
        }
        if (i == n) {
            return text;
        }
        StringBuilder out = new StringBuilder(n).append(text, 0, i);
        while (i < n) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(i + 1));
                i += 2;
            } else {
                out.append(Character.isSurrogate(c) ? REPLACEMENT : c);
                i++;
            }
        }
        return out.toString();
    }

    /**
     * JSON text with unpaired surrogates replaced, both as characters and as {@code \}{@code uD8xx}
     * escapes (an escaped high surrogate must be followed by an escaped low one, and the reverse).
     * The same instance when there is nothing to replace. Assumes well-formed JSON; never makes
     * malformed JSON well-formed or the reverse.
     */
    static String replaceInJson(String json) {
        String text = replaceIn(json);
        if (text.indexOf('\\') < 0) {
            return text;
        }
        StringBuilder out = null;
        int n = text.length();
        int copiedUpTo = 0;
        int i = 0;
        while (i < n) {
            if (text.charAt(i) != '\\' || i + 1 >= n) {
                i++;
                continue;
            }
            if (text.charAt(i + 1) != 'u') {
                i += 2; // \" \\ \n …: skip the escaped character, so \\u is not an escape
                continue;
            }
            int unit = hex4(text, i + 2);
            if (unit < 0 || !Character.isSurrogate((char) unit)) {
                i += 2;
                continue;
            }
            if (Character.isHighSurrogate((char) unit) && i + 11 < n && text.charAt(i + 6) == '\\' && text.charAt(i + 7) == 'u') {
                int next = hex4(text, i + 8);
                if (next >= 0 && Character.isLowSurrogate((char) next)) {
                    i += 12; // a valid escaped pair
                    continue;
                }
            }
            if (out == null) {
                out = new StringBuilder(n);
            }
            out.append(text, copiedUpTo, i).append("\\uFFFD");
            i += 6;
            copiedUpTo = i;
        }
        if (out == null) {
            return text;
        }
        return out.append(text, copiedUpTo, n).toString();
    }

    /** The value of four hex digits at {@code at}, or -1. */
    private static int hex4(String text, int at) {
        if (at + 4 > text.length()) {
            return -1;
        }
        int value = 0;
        for (int k = at; k < at + 4; k++) {
            int d = Character.digit(text.charAt(k), 16);
            if (d < 0) {
                return -1;
            }
            value = value * 16 + d;
        }
        return value;
    }
}
