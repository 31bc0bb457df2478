package com.clickhouse.analytics.ops.logging;

import java.util.regex.Pattern;

/**
 * The one helper that makes a message fit on one line of a log, a JSON error body or an exit
 * message: line breaks (and the blanks around them) become single spaces, and the text is cut at a
 * bound. Messages from ClickHouse and Jackson may quote multi-line SQL or input; a reader of one
 * log line still sees where it went wrong.
 */
public final class Messages {

    private static final Pattern LINE_BREAKS = Pattern.compile("\\s*[\\r\\n]+\\s*");

    private Messages() {
    }

    /** {@code text} on one line, stripped; {@code ""} for null. */
    public static String oneLine(String text) {
        return text == null ? "" : LINE_BREAKS.matcher(text).replaceAll(" ").strip();
    }

    /**
     * The first line of {@code text}, at most {@code maxChars} long (then ending in {@code …}): for
     * parser messages whose later lines only locate the error in input the client already has.
     */
    public static String firstLine(String text, int maxChars) {
        if (text == null) {
            return "";
        }
        int nl = text.indexOf('\n');
        return oneLine(nl < 0 ? text : text.substring(0, nl), maxChars);
    }

    /** {@code text} on one line and at most {@code maxChars} long (then ending in {@code …}). */
    public static String oneLine(String text, int maxChars) {
        if (maxChars < 1) {
            throw new IllegalArgumentException("maxChars must be positive, got " + maxChars);
        }
        String line = oneLine(text);
        return line.length() <= maxChars ? line : line.substring(0, maxChars) + "…";
    }
}
