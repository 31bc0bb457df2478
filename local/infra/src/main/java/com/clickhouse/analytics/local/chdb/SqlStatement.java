package com.clickhouse.analytics.local.chdb;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The little the HTTP layer must know about a statement without parsing SQL: whether it is an
 * {@code INSERT}, which {@code FORMAT} it names, and where an insert's inline data would begin.
 * Words are found at top level only — outside quotes, comments and parentheses — so a string,
 * a column called {@code format} or a {@code format(…)} call is not mistaken for the clause.
 *
 * @param text        the statement
 * @param insert      the first word is {@code INSERT}
 * @param format      the {@code FORMAT} clause's name, if any
 * @param formatStart offset of the {@code FORMAT} keyword (or -1)
 * @param insertPoint for an insert: where {@code FROM INFILE '…'} may be spliced in (before
 *                    {@code SETTINGS} or {@code FORMAT}), else -1
 * @param dataStart   for an insert with a format: where inline data begins, by ClickHouse's rule
 *                    (after the first newline following the format name, or after the whitespace)
 */
record SqlStatement(String text, boolean insert, Optional<String> format, int formatStart, int insertPoint, int dataStart) {

    private record Word(String upper, String original, int start, int end) {
    }

    static SqlStatement of(String text) {
        List<Word> words = topLevelWords(text);
        boolean insert = !words.isEmpty() && words.getFirst().upper().equals("INSERT");
        int formatIndex = -1;
        for (int i = 0; i + 1 < words.size(); i++) {
            Word word = words.get(i);
            if (!word.upper().equals("FORMAT") || !isIdentifier(words.get(i + 1).original())) {
                continue;
            }
            String previous = i == 0 ? "" : words.get(i - 1).upper();
            if (previous.equals("INTO") || previous.equals("TABLE") || previous.equals("SELECT")) {
                continue; // a table or column named "format"
            }
            if (insert) {
                formatIndex = i; // an insert's data follows its first FORMAT clause
                break;
            }
            if (i + 2 == words.size()) {
                formatIndex = i; // a query's FORMAT clause is its last clause
            }
        }
        if (formatIndex < 0) {
            return new SqlStatement(text, insert, Optional.empty(), -1, -1, -1);
        }
        Word keyword = words.get(formatIndex);
        Word name = words.get(formatIndex + 1);
        int insertPoint = -1;
        if (insert) {
            insertPoint = keyword.start();
            for (int i = 1; i < formatIndex; i++) {
                if (words.get(i).upper().equals("SETTINGS")) {
                    insertPoint = words.get(i).start();
                    break;
                }
            }
        }
        return new SqlStatement(text, insert, Optional.of(name.original()), keyword.start(), insertPoint,
                dataStart(text, name.end()));
    }

    /** For an insert with a format: the statement with its data read from {@code path} instead. */
    String withInfile(String quotedPath, String quotedCompression) {
        if (insertPoint < 0) {
            throw new IllegalStateException("not an insert with a FORMAT clause: " + text);
        }
        return text.substring(0, insertPoint) + " FROM INFILE " + quotedPath + " COMPRESSION " + quotedCompression + " "
                + text.substring(insertPoint, dataStart).strip();
    }

    /**
     * The statement's first word in upper case ({@code SELECT}, {@code SET}, {@code USE}…), after any
     * leading whitespace and comments; empty if it does not start with a word. Reads no further.
     */
    static String leadingKeyword(String text) {
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '-' && i + 1 < n && text.charAt(i + 1) == '-' || c == '#') {
                while (i < n && text.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && text.charAt(i + 1) == '*') {
                int end = text.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else {
                break;
            }
        }
        int start = i;
        while (i < n && (Character.isLetter(text.charAt(i)) || text.charAt(i) == '_')) {
            i++;
        }
        return text.substring(start, i).toUpperCase(Locale.ROOT);
    }

    private static int dataStart(String text, int afterName) {
        int i = afterName;
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            if (text.charAt(i) == '\n') {
                return i + 1;
            }
            i++;
        }
        return i;
    }

    private static boolean isIdentifier(String word) {
        return !word.isEmpty() && (Character.isLetter(word.charAt(0)) || word.charAt(0) == '_');
    }

    private static List<Word> topLevelWords(String s) {
        List<Word> words = new ArrayList<>();
        int depth = 0;
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"' || c == '`') {
                i = skipQuoted(s, i, c);
            } else if (c == '-' && i + 1 < n && s.charAt(i + 1) == '-' || c == '#') {
                while (i < n && s.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                int end = s.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
                i++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth = Math.max(0, depth - 1);
                i++;
            } else if (Character.isLetterOrDigit(c) || c == '_') {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
                    i++;
                }
                if (depth == 0) {
                    String word = s.substring(start, i);
                    words.add(new Word(word.toUpperCase(Locale.ROOT), word, start, i));
                    if (words.size() >= 2 && words.get(words.size() - 2).upper().equals("FORMAT")
                            && words.getFirst().upper().equals("INSERT")) {
                        return words; // inline data follows; it is not SQL
                    }
                }
            } else {
                i++;
            }
        }
        return words;
    }

    private static int skipQuoted(String s, int start, char quote) {
        int i = start + 1;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\\') {
                i += 2;
            } else if (c == quote) {
                if (i + 1 < s.length() && s.charAt(i + 1) == quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        return i;
    }
}
