package com.clickhouse.analytics.schema.migration;

/**
 * One statement of a migration file.
 *
 * @param fileName the file it comes from
 * @param number   1-based position in the file
 * @param line     1-based line of the file where its first token is
 * @param sql      the statement's text without the terminating {@code ;}, comments included
 */
public record SqlStatement(String fileName, int number, int line, String sql) {

    /** {@code V001__init.sql statement 3 (line 28)}, for messages. */
    public String location() {
        return fileName + " statement " + number + " (line " + line + ")";
    }

    /** The first words of the statement on one line, for messages. */
    public String abbreviated() {
        String flat = SqlStatementSplitter.withoutComments(sql).replaceAll("\\s+", " ").strip();
        return flat.length() <= 100 ? flat : flat.substring(0, 100) + "…";
    }
}
