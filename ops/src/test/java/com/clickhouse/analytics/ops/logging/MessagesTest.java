package com.clickhouse.analytics.ops.logging;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MessagesTest {

    @Test
    void joinsLinesAndBoundsTheLength() {
        assertEquals("", Messages.oneLine(null));
        assertEquals("a b c", Messages.oneLine("  a\n  b\r\n\r\nc \n"));
        assertEquals("Syntax error at CREATE TABLE t ( a", Messages.oneLine("Syntax error at CREATE TABLE t (\n    a", 400));
        assertEquals("abc…", Messages.oneLine("abcdef", 3));
        assertEquals("abc", Messages.oneLine("abc", 3));
        assertThrows(IllegalArgumentException.class, () -> Messages.oneLine("x", 0));
    }

    @Test
    void firstLineDropsWhatFollowsTheFirstBreakAndBoundsTheLength() {
        assertEquals("", Messages.firstLine(null, 10));
        assertEquals("Unexpected character ('x')", Messages.firstLine("Unexpected character ('x')\n at [Source: (byte[]); line: 1]", 200));
        assertEquals("abc…", Messages.firstLine("abcdef\nghi", 3));
        assertEquals("one line", Messages.firstLine("  one line  ", 200));
    }
}
