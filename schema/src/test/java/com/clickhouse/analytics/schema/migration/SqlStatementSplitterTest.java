package com.clickhouse.analytics.schema.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SqlStatementSplitterTest {

    private static List<String> split(String text) throws MigrationException {
        return SqlStatementSplitter.split("V009__t.sql", text).stream().map(SqlStatement::sql).toList();
    }

    @Test
    void splitsAtSemicolonsThatEndALine() throws Exception {
        assertEquals(List.of("SELECT 1", "SELECT\n  2"), split("SELECT 1;\nSELECT\n  2;   \n"));
        assertEquals(List.of("SELECT 1", "SELECT 2"), split("SELECT 1; -- first\r\nSELECT 2"), "last ';' optional, CRLF fine");
    }

    @Test
    void semicolonsInsideStringsIdentifiersAndCommentsAreText() throws Exception {
        String text = """
                -- a comment; with a semicolon;
                SELECT 'a;
                b', "c;", `d;
                e`, 'it''s;', 'back\\\\slash\\';' /* block;
                   /* nested; */ still comment;
                */ AS x;
                /* only a comment; */
                SELECT ';' -- trailing; comment
                ;
                """;
        List<String> statements = split(text);
        assertEquals(2, statements.size(), statements.toString());
        assertTrue(statements.get(0).startsWith("-- a comment; with a semicolon;\nSELECT 'a;"), statements.get(0));
        assertTrue(statements.get(0).endsWith("*/ AS x"), statements.get(0));
        assertTrue(statements.get(1).startsWith("/* only a comment; */\nSELECT ';'"), statements.get(1));
    }

    @Test
    void reportsTheLineOfEachStatementsFirstToken() throws Exception {
        List<SqlStatement> statements = SqlStatementSplitter.split("V009__t.sql", "-- head\n\nSELECT 1;\n\n/* c */\nSELECT\n'x\ny';\nSELECT 3;");
        assertEquals(List.of(3, 6, 9), statements.stream().map(SqlStatement::line).toList());
        assertEquals("V009__t.sql statement 2 (line 6)", statements.get(1).location());
    }

    @Test
    void commentsAndBlanksAloneAreNoStatement() throws Exception {
        assertEquals(List.of(), split("  -- nothing\n/* here; */\n\n"));
        assertEquals(List.of("SELECT 1"), split("SELECT 1;\n-- trailing comment only\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT 1; SELECT 2;",        // two statements on one line
            "SELECT 'unterminated;\n",
            "SELECT \"open;\n",
            "SELECT `open;\n",
            "SELECT 1 /* open; \n",
            "SELECT 1;\n;\n",              // empty statement
    })
    void refusesWhatItCannotSplitSafely(String text) {
        var error = assertThrows(MigrationException.class, () -> split(text));
        assertEquals(MigrationException.Reason.INVALID_MIGRATION, error.reason());
        assertTrue(error.getMessage().startsWith("V009__t.sql line "), error.getMessage());
    }

    @Test
    void withoutCommentsKeepsStringContents() {
        assertEquals("SELECT '-- not a comment', 1  \n", SqlStatementSplitter.withoutComments("SELECT '-- not a comment', 1 /* c */\n-- gone"));
    }
}
