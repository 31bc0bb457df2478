package com.clickhouse.analytics.schema.migration;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a migration file into statements. A statement ends with a {@code ;} that is the last
 * thing on its line (trailing blanks and a {@code --} comment allowed). A {@code ;} inside a
 * string literal ({@code '…'}), a quoted identifier ({@code "…"}, {@code `…`}) or a comment
 * ({@code -- …}, nested {@code /* … *}{@code /}) is text, not a terminator. A {@code ;} followed
 * by more code on the same line is refused: one statement per terminator line keeps files
 * reviewable and the rule simple. The last statement may omit its {@code ;}. Stretches holding
 * only comments and blanks are not statements.
 *
 * <p>Quoting follows ClickHouse: a backslash escapes the next character and a doubled quote
 * stands for itself.
 */
final class SqlStatementSplitter {

    private SqlStatementSplitter() {
    }

    static List<SqlStatement> split(String fileName, String text) throws MigrationException {
        List<SqlStatement> statements = new ArrayList<>();
        int n = text.length();
        int start = 0;          // where the current statement's text begins
        int firstCodeLine = -1; // line of its first token, -1 while it holds only comments
        int line = 1;
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (c == '\n') {
                line++;
                i++;
            } else if (c == '\'' || c == '"' || c == '`') {
                if (firstCodeLine < 0) {
                    firstCodeLine = line;
                }
                int close = endOfQuoted(text, i, c);
                if (close < 0) {
                    throw invalid(fileName, line, "unterminated " + (c == '\'' ? "string literal" : "quoted identifier")
                            + " starting with " + c);
                }
                line += count(text, i, close, '\n');
                i = close + 1;
            } else if (c == '-' && i + 1 < n && text.charAt(i + 1) == '-') {
                i = endOfLine(text, i);
            } else if (c == '/' && i + 1 < n && text.charAt(i + 1) == '*') {
                int close = endOfBlockComment(text, i);
                if (close < 0) {
                    throw invalid(fileName, line, "unterminated /* comment");
                }
                line += count(text, i, close, '\n');
                i = close;
            } else if (c == ';') {
                int afterTerminator = i + 1;
                if (!onlyBlanksOrCommentToEndOfLine(text, afterTerminator)) {
                    throw invalid(fileName, line, "';' must be the last thing on its line (one statement per line end)");
                }
                if (firstCodeLine >= 0) {
                    statements.add(new SqlStatement(fileName, statements.size() + 1, firstCodeLine, text.substring(start, i).strip()));
                } else {
                    throw invalid(fileName, line, "empty statement before ';'");
                }
                start = endOfLine(text, afterTerminator); // a comment after the ';' stays with its statement's line
                firstCodeLine = -1;
                i = afterTerminator;
            } else {
                if (firstCodeLine < 0 && !Character.isWhitespace(c)) {
                    firstCodeLine = line;
                }
                i++;
            }
        }
        if (firstCodeLine >= 0) {
            statements.add(new SqlStatement(fileName, statements.size() + 1, firstCodeLine, text.substring(start).strip()));
        }
        return List.copyOf(statements);
    }

    /** The statement's text with comments removed (string contents kept), for messages and checks. */
    static String withoutComments(String sql) {
        StringBuilder out = new StringBuilder(sql.length());
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '\'' || c == '"' || c == '`') {
                int close = endOfQuoted(sql, i, c);
                int end = close < 0 ? n : close + 1;
                out.append(sql, i, end);
                i = end;
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                i = endOfLine(sql, i);
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int close = endOfBlockComment(sql, i);
                i = close < 0 ? n : close;
                out.append(' ');
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** Index of the closing quote of the quoted text opened at {@code open}, or -1. */
    private static int endOfQuoted(String text, int open, char quote) {
        int n = text.length();
        int i = open + 1;
        while (i < n) {
            char c = text.charAt(i);
            if (c == '\\') {
                i += 2;
            } else if (c == quote) {
                if (i + 1 < n && text.charAt(i + 1) == quote) {
                    i += 2; // doubled quote stands for itself
                } else {
                    return i;
                }
            } else {
                i++;
            }
        }
        return -1;
    }

    /** Index just after the comment opened at {@code open} (ClickHouse nests them), or -1. */
    private static int endOfBlockComment(String text, int open) {
        int n = text.length();
        int depth = 0;
        int i = open;
        while (i < n) {
            if (text.startsWith("/*", i)) {
                depth++;
                i += 2;
            } else if (text.startsWith("*/", i)) {
                depth--;
                i += 2;
                if (depth == 0) {
                    return i;
                }
            } else {
                i++;
            }
        }
        return -1;
    }

    /** Index of the {@code \n} ending the line that contains {@code from}, or the text's length. */
    private static int endOfLine(String text, int from) {
        int nl = text.indexOf('\n', from);
        return nl < 0 ? text.length() : nl;
    }

    private static boolean onlyBlanksOrCommentToEndOfLine(String text, int from) {
        int n = text.length();
        for (int i = from; i < n; i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                return true;
            }
            if (c == '-' && i + 1 < n && text.charAt(i + 1) == '-') {
                return true;
            }
            if (!Character.isWhitespace(c)) {
                return false;
            }
        }
        return true;
    }

    private static int count(String text, int from, int to, char wanted) {
        int count = 0;
        for (int i = from; i < to && i < text.length(); i++) {
            if (text.charAt(i) == wanted) {
                count++;
            }
        }
        return count;
    }

    private static MigrationException invalid(String fileName, int line, String what) {
        return new MigrationException(MigrationException.Reason.INVALID_MIGRATION, fileName + " line " + line + ": " + what);
    }
}
